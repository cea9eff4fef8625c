"""Errors raised by messaging; callers outside the app catch these, never a provider's own."""

from __future__ import annotations


class MessagingError(Exception):
    """Base class of every error messaging raises on purpose."""


class UnknownChannel(MessagingError, LookupError):
    """No channel is registered under this slug."""


class ChannelError(MessagingError):
    """The provider did not accept a message. `transient` says whether trying again later can help."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class TransactionClosed(MessagingError):
    """The transaction was recovered, cancelled or abandoned: there is nothing left to ask the payer."""
