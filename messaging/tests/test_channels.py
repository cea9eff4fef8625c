"""The email channel behind the channel interface: addresses, masking, and how SMTP failures read."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from messaging.channels.email import EmailChannel, email_mask
from messaging.enums import Channel
from messaging.exceptions import ChannelError, UnknownChannel
from messaging.interface import OutboundMessage, PayerContact
from messaging.registry import channel_get


def _message(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "recipient": "asha.rao@example.com",
        "subject": "Subject",
        "text": "Text",
        "html": "<p>Text</p>",
        "language": "hi",
        "reference": "ntf_abc",
        "sender_name": "Chai Point",
        "reply_to": "",
        "headers": {"X-Test": "1"},
    }
    values.update(overrides)
    return OutboundMessage(**values)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("asha.rao@example.com", "a***@e***.com"),
        ("a@b.co", "a***@b***.co"),
        ("Ravi@Mail.Example.IN", "R***@M***.IN"),
        ("x@localhost", "x***@l***"),
        ("not-an-address", "***"),
        ("@example.com", "***"),
    ],
)
def test_an_address_is_masked_to_its_first_letters_and_top_level_domain(address: str, masked: str) -> None:
    assert email_mask(address) == masked


def test_the_registry_serves_the_email_channel_from_settings() -> None:
    channel = channel_get("email")

    assert isinstance(channel, EmailChannel)
    assert channel.channel == Channel.EMAIL
    with pytest.raises(UnknownChannel):
        channel_get("pigeon")


def test_the_email_channel_reads_the_email_address_only() -> None:
    channel = EmailChannel()

    assert channel.address(PayerContact(email=" asha@example.com ", phone="+919876543210")) == "asha@example.com"
    assert channel.address(PayerContact(phone="+919876543210")) is None


def test_a_message_goes_out_with_both_parts_and_our_headers() -> None:
    delivery = EmailChannel().send(_message())

    [sent] = mail.outbox
    headers = sent.message()
    assert headers["Message-ID"] == delivery.provider_message_id
    assert delivery.provider_message_id.endswith(".ntf_abc@tinko.test>")
    assert headers["X-Test"] == "1"
    assert headers["Content-Language"] == "hi"
    assert headers["Reply-To"] is None
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.alternatives == [("<p>Text</p>", "text/html")]


def test_a_sender_name_with_hindi_and_commas_is_encoded() -> None:
    EmailChannel().send(_message(sender_name="चाय पॉइंट, दिल्ली"))

    sent = mail.outbox[0].message()
    assert sent["From"].startswith("=?utf-8?")
    assert sent["From"].endswith("<no-reply@tinko.test>")


@time_machine.travel("2026-11-20 09:00:00Z", tick=False)
def test_each_message_is_written_byte_for_byte_as_django_writes_it_but_for_its_boundary() -> None:
    messages = [
        _message(subject="चाय पॉइंट: आपका ₹1,00,000.00 का भुगतान नहीं हो पाया", sender_name="चाय पॉइंट, दिल्ली"),
        _message(
            recipient="ravi@example.com", reply_to="help@chai.example", headers={"List-Unsubscribe": "<https://x>"}
        ),
        _message(text="a very long line " * 80, html="<p>" + "x" * 1200 + "</p>", language="en"),
    ]

    EmailChannel().send_many([*messages, *messages])

    for sent in mail.outbox:
        django_email = EmailMultiAlternatives()
        django_email.__dict__.update(sent.__dict__)
        ours, django = sent.message(), django_email.message()
        written = ours.as_bytes(linesep="\r\n")
        boundary = ours.get_boundary().encode()
        assert written.count(boundary) == 4
        assert written.replace(boundary, b"B") == django.as_bytes(linesep="\r\n").replace(
            django.get_boundary().encode(), b"B"
        )


@pytest.mark.parametrize(
    ("backend", "transient"),
    [("DisconnectingBackend", True), ("GreylistingBackend", True), ("RefusingBackend", False)],
)
def test_smtp_failures_say_whether_a_later_try_can_help(backend: str, transient: bool) -> None:
    with (
        override_settings(EMAIL_BACKEND=f"messaging.tests.mail_backends.{backend}"),
        pytest.raises(ChannelError) as raised,
    ):
        EmailChannel().send(_message())

    assert raised.value.transient is transient
