"""Refusals from retries services; each carries a message fit to show the person who asked."""


class RetriesError(Exception):
    """A request the rules of retries refuse; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DefaultPolicyRequiredError(RetriesError):
    """The change would leave the organization without a default retry policy."""


class TransactionNotFound(RetriesError):
    """No transaction of the organization, in this mode (test or live), has the reference."""


class RecoveryConflict(RetriesError):
    """The transaction's state refuses the action (it is recovered, cancelled, abandoned or paused);
    `code` names the state, e.g. `transaction_recovered`."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code
