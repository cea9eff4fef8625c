"""Refusals from imports services; each carries a message fit to show the person who asked."""


class ImportRefused(Exception):
    """A file or a request the import cannot take; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
