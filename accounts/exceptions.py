"""Refusals from accounts services; each carries a message fit to show the person who asked."""


class AccountsError(Exception):
    """A request the rules of accounts refuse; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RoleRequiredError(AccountsError):
    """The acting member's role does not allow the change."""


class LastOwnerError(AccountsError):
    """The change would leave the organization without an owner."""


class AlreadyMemberError(AccountsError):
    """The person is already a member of the organization."""


class InvitationUnavailableError(AccountsError):
    """The invitation was accepted, revoked or has expired, or is for another address."""


class ApiKeyLimitError(AccountsError):
    """The organization already holds as many active API keys as it may."""
