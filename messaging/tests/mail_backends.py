"""Mail backends that fail the way SMTP servers do, for tests of failed sends."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class DisconnectingBackend(BaseEmailBackend):
    """The server went away: a later try may work."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(BaseEmailBackend):
    """The server refuses the recipient for good (550)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPRecipientsRefused({"asha.rao@example.com": (550, b"5.1.1 No such user")})


class GreylistingBackend(BaseEmailBackend):
    """The server asks to try again later (451)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPRecipientsRefused({"asha.rao@example.com": (451, b"4.7.1 Try again later")})
