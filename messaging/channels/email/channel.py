"""The email channel: one message through Django's configured backend, with our own Message-ID."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.utils import formataddr, make_msgid, parseaddr
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText

from messaging.channels.email.mime import WrittenMessage, email_message
from messaging.enums import Channel
from messaging.exceptions import ChannelError
from messaging.interface import Delivery, OutboundMessage, PayerContact


def email_mask(address: str) -> str:
    """`asha.rao@example.com` → `a***@e***.com`: enough to tell two payers apart, not to write to one."""
    local, _, domain = address.strip().rpartition("@")
    if not local or not domain:
        return "***"
    name, _, top_level = domain.rpartition(".")
    masked_domain = f"{name[0]}***.{top_level}" if name else f"{domain[0]}***"
    return f"{local[0]}***@{masked_domain}"


def _transient(exc: smtplib.SMTPException | OSError) -> bool:
    """Whether a later try may succeed: a 4xx reply or a connection problem, not a 5xx refusal."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return True


class _Email(EmailMultiAlternatives):
    """Django's email, written as Django writes it without building Django's MIME objects (`mime`)."""

    def message(self) -> WrittenMessage | SafeMIMEMultipart | SafeMIMEText:
        return email_message(self)


class EmailChannel:
    channel: ClassVar[Channel] = Channel.EMAIL

    def address(self, contact: PayerContact) -> str | None:
        return contact.email.strip() or None

    def mask(self, address: str) -> str:
        return email_mask(address)

    def send(self, message: OutboundMessage) -> Delivery:
        outcome = self.send_many([message])[0]
        if isinstance(outcome, ChannelError):
            raise outcome
        return outcome

    def send_many(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        """Over one connection to the mail server (one SMTP session), opened once for them all."""
        default_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        domain = from_address.rpartition("@")[2] or "tinko.local"
        outcomes: list[Delivery | ChannelError] = []
        connection = get_connection()
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            return [ChannelError(f"{type(exc).__name__}: {exc}", transient=_transient(exc)) for _ in messages]
        try:
            for message in messages:
                outcomes.append(self._send_one(message, connection, sender=(default_name, from_address), domain=domain))
        finally:
            connection.close()
        return outcomes

    def _send_one(
        self, message: OutboundMessage, connection: BaseEmailBackend, *, sender: tuple[str, str], domain: str
    ) -> Delivery | ChannelError:
        email = _email(message, sender=sender, domain=domain, connection=connection)
        try:
            accepted = email.send()
        except (smtplib.SMTPException, OSError) as exc:
            # Servers name the refused address; the error is kept where only masked addresses may be.
            reason = str(exc).replace(message.recipient, email_mask(message.recipient))
            return ChannelError(f"{type(exc).__name__}: {reason}", transient=_transient(exc))
        if not accepted:
            return ChannelError("The mail backend accepted no message.", transient=True)
        return Delivery(provider_message_id=str(email.extra_headers["Message-ID"]))


def _email(
    message: OutboundMessage, *, sender: tuple[str, str], domain: str, connection: BaseEmailBackend | None
) -> _Email:
    """The Django email of one message: our Message-ID (named after the message's reference) and its
    language in the headers, the HTML as the alternative part."""
    email = _Email(
        subject=message.subject,
        body=message.text,
        from_email=formataddr((message.sender_name or sender[0], sender[1])),
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={
            **message.headers,
            "Message-ID": make_msgid(idstring=message.reference, domain=domain),
            "Content-Language": message.language,
        },
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email
