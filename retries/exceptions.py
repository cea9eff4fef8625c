"""Refusals from retries services; each carries a message fit to show the person who asked."""


class RetriesError(Exception):
    """A request the rules of retries refuse; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DefaultPolicyRequiredError(RetriesError):
    """The change would leave the organization without a default retry policy."""
