from __future__ import annotations


class TransactionConflict(Exception):
    """A failure names an existing transaction but disagrees with it (amount or currency)."""

    def __init__(self, *, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class EventKeyReused(Exception):
    """A failure's idempotency key was recorded before for a different request."""

    def __init__(self, *, key: str) -> None:
        super().__init__(f"The idempotency key {key!r} was recorded before for a different request.")
        self.key = key
