"""The one small interface every payer channel implements (email now; SMS and WhatsApp later),
and the types that cross it. A channel moves a rendered message; what the message says is the
services' business (messaging.services), so a new channel adds transport, not copy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from messaging.enums import Channel
from messaging.exceptions import ChannelError


@dataclass(frozen=True, kw_only=True)
class PayerContact:
    """What the merchant told Tinko about the payer; any part may be blank."""

    email: str = ""
    phone: str = ""
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class OutboundMessage:
    """A message ready to go. Channels without subjects or HTML (SMS) use `text` alone."""

    recipient: str
    text: str
    subject: str = ""
    html: str = ""
    language: str = "en"
    # Tinko's id of the message (ntf_…): the channel derives its message id from it.
    reference: str
    sender_name: str = ""
    reply_to: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """The channel accepted the message: the provider's id for it."""

    provider_message_id: str


class MessageChannel(Protocol):
    """A way to reach payers. `send` raises messaging.exceptions.ChannelError when the message was
    not accepted; it never retries by itself (the caller's task does)."""

    channel: ClassVar[Channel]

    def address(self, contact: PayerContact) -> str | None:
        """The payer's address on this channel, or None when the merchant gave none."""
        ...

    def mask(self, address: str) -> str:
        """The address as logs and the console may show it."""
        ...

    def send(self, message: OutboundMessage) -> Delivery:
        """Hand the message to the provider."""
        ...

    def send_many(self, messages: Sequence[OutboundMessage]) -> list[Delivery | ChannelError]:
        """Hand several messages to the provider over one connection: for each, in order, its
        delivery or why it was not accepted (one refusal never stops the others)."""
        ...
