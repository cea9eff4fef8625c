from __future__ import annotations


class TransactionConflict(Exception):
    """A failure names an existing transaction but disagrees with it (amount or currency)."""

    def __init__(self, *, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
