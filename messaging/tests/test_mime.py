"""The email channel's MIME writer: every message it writes is byte for byte what Django writes."""

from __future__ import annotations

from collections.abc import Callable
from email.policy import Compat32
from typing import Any

import pytest
import time_machine
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from messaging.channels.email.channel import _email
from messaging.channels.email.mime import WrittenMessage, _header, _stored
from messaging.interface import OutboundMessage

_SENDER = ("Tinko", "no-reply@tinko.test")

_WORDS = st.sampled_from(
    ["Chai", "Point:", "₹1,00,000.00", "आपका", "भुगतान", "नहीं", "हो", "पाया", "payment", "did", "not", "go", "through"]
)
# Header text: words with spaces as a subject reads, or anything at all, long or not.
_HEADER_TEXT = st.one_of(
    st.lists(_WORDS, max_size=30).map(" ".join),
    st.text(max_size=120),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200),
)
_NAMES = st.one_of(st.just(""), st.sampled_from(["Chai Point", "O'Brien & <Sons>", "चाय पॉइंट, दिल्ली"]), st.text())
_LOCAL = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}", fullmatch=True)
_DOMAIN = st.one_of(
    st.sampled_from(["example.com", "mail.example.in", "चाय.भारत", "bücher.example"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}\.[a-z]{2,6}", fullmatch=True),
)
_ADDRESSES = st.one_of(
    st.builds("{}@{}".format, _LOCAL, _DOMAIN),
    st.builds('"{}" <{}@{}>'.format, st.sampled_from(["Asha Rao", "अनन्या शर्मा"]), _LOCAL, _DOMAIN),
    st.text(max_size=40),
)
# Bodies as templates render them, with every line end, lines a mail server may mangle, and lines
# long enough that Django writes the part in quoted-printable.
_LINES = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.sampled_from(["From here", ".", "..", "From", " From x", "=", "=3D", "\t", " "]),
    st.builds(lambda piece, count: piece * count, st.sampled_from(["x", "अ", "a b ", "₹=", " "]), st.integers(0, 700)),
)
_BODIES = st.builds(
    lambda lines, ends: "".join(line + end for line, end in zip(lines, ends, strict=False)),
    st.lists(_LINES, max_size=12),
    st.lists(st.sampled_from(["\n", "\r\n", "\r", ""]), min_size=12, max_size=12),
)
_HEADERS = st.dictionaries(
    st.sampled_from(["List-Unsubscribe", "List-Unsubscribe-Post", "X-Tinko-Attempt", "Precedence"]), _HEADER_TEXT
)


def _outcome(make: Callable[[], Any], linesep: str) -> bytes | type[Exception]:
    try:
        return bytes(make().as_bytes(linesep=linesep))
    except (ValueError, UnicodeError) as exc:  # BadHeaderError is a ValueError
        return type(exc)


def _djangos(email: EmailMultiAlternatives, *, like: Any = None) -> Any:
    """The message Django itself builds from the same fields, with the boundary and the Message-ID
    it makes up (when the headers name none) taken from `like`."""
    django_email = EmailMultiAlternatives()
    django_email.__dict__.update(email.__dict__)
    message = django_email.message()
    if like is not None and like.is_multipart():
        message.set_boundary(like.get_boundary())
    if like is not None and "message-id" not in {name.lower() for name in email.extra_headers}:
        message.replace_header("Message-ID", like["Message-ID"])
    return message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=_HEADER_TEXT,
    sender_name=_NAMES,
    recipient=_ADDRESSES,
    reply_to=st.one_of(st.just(""), _ADDRESSES),
    headers=_HEADERS,
    text=_BODIES,
    html=st.one_of(st.just(""), _BODIES, st.just("<p>" + "x" * 1200 + "</p>")),
    language=st.sampled_from(["en", "hi"]),
)
@example(
    subject="चाय पॉइंट: आपका ₹1,00,000.00 का भुगतान नहीं हो पाया",
    sender_name="चाय पॉइंट, दिल्ली",
    recipient="ravi@example.com",
    reply_to="help@chai.example",
    headers={"List-Unsubscribe": "<https://tinko.test/pay/stop/" + "a" * 90 + "/>"},
    text="Hello,\r\nFrom here\n.\n" + "a very long line " * 80,
    html="",
    language="hi",
)
@time_machine.travel("2026-11-20 09:00:00Z", tick=False)
def test_every_message_the_channel_sends_is_written_as_django_writes_it(**fields: Any) -> None:
    message = OutboundMessage(reference="ntf_abc", **fields)
    email = _email(message, sender=_SENDER, domain="tinko.test", connection=None)
    try:
        ours = email.message()
    except (ValueError, UnicodeError) as exc:
        # Refused (a newline in a header, an address Django cannot sanitise): Django refuses it too.
        with pytest.raises(type(exc)):
            _djangos(email)
        return

    assert isinstance(ours, WrittenMessage)
    django = _djangos(email, like=ours)
    for linesep in ("\n", "\r\n"):
        assert ours.as_bytes(linesep=linesep) == django.as_bytes(linesep=linesep)
    for name in ("Subject", "From", "To", "Reply-To", "Date", "Message-ID", "Content-Type", *fields["headers"]):
        assert ours[name] == django[name]
    assert (ours.is_multipart(), ours.get_boundary()) == (django.is_multipart(), django.get_boundary())


@settings(max_examples=200, deadline=None)
@given(
    subject=_HEADER_TEXT,
    from_email=st.one_of(_ADDRESSES, st.builds("{} <{}>".format, _NAMES, _ADDRESSES)),
    to=st.lists(_ADDRESSES, max_size=3),
    cc=st.lists(_ADDRESSES, max_size=2),
    extra=st.dictionaries(st.sampled_from(["Date", "Message-ID", "X-A", "x-a", "From", "to"]), _HEADER_TEXT),
    body=_BODIES,
    alternatives=st.lists(st.tuples(_BODIES, st.sampled_from(["text/html", "text/plain"])), max_size=2),
)
@time_machine.travel("2026-11-20 09:00:00Z", tick=False)
def test_any_email_of_the_written_shape_or_not_comes_out_as_django_writes_it(
    subject: str, from_email: str, to: list[str], cc: list[str], extra: dict[str, str], body: str, alternatives: Any
) -> None:
    email = _email(
        OutboundMessage(recipient="a@b.co", text="", reference="x"), sender=_SENDER, domain="t", connection=None
    )
    fields = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, cc=cc, headers=extra, alternatives=alternatives
    )
    email.__dict__.update(fields.__dict__)
    try:
        ours = email.message()
    except (ValueError, UnicodeError) as exc:
        with pytest.raises(type(exc)):
            _djangos(email)
        return
    for linesep in ("\n", "\r\n"):
        assert _outcome(lambda: ours, linesep) == _outcome(lambda: _djangos(email, like=ours), linesep)


@pytest.mark.parametrize("field", ["subject", "reply_to", "recipient", "sender_name", "header"])
@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_a_newline_in_any_header_is_refused_as_django_refuses_it(field: str, newline: str) -> None:
    injected = f"x{newline}Bcc: victim@example.com"
    values: dict[str, Any] = {"recipient": "asha@example.com", "text": "Text", "reference": "ntf_abc"}
    if field == "header":
        values["headers"] = {"List-Unsubscribe": injected}
    else:
        values[field] = injected if field != "recipient" else f"asha@example.com{injected}"
    email = _email(OutboundMessage(**values), sender=_SENDER, domain="tinko.test", connection=None)

    with pytest.raises((BadHeaderError, ValueError)) as ours:
        email.message()
    with pytest.raises(type(ours.value)):
        _djangos(email)


@time_machine.travel("2026-11-20 09:00:00Z", tick=False)
def test_asking_for_more_than_bytes_and_headers_answers_from_djangos_message() -> None:
    message = OutboundMessage(recipient="asha@example.com", text="Text", html="<p>Text</p>", reference="ntf_abc")
    ours = _email(message, sender=_SENDER, domain="tinko.test", connection=None).message()
    assert isinstance(ours, WrittenMessage)
    written = ours.as_bytes(linesep="\r\n")

    assert [part.get_content_type() for part in ours.get_payload()] == ["text/plain", "text/html"]
    assert ours.as_bytes(linesep="\r\n") == written
    assert ours.as_string() == written.decode().replace("\r\n", "\n")
    ours["X-Later"] = "1"
    assert ours["X-Later"] == "1"
    assert b"\r\nX-Later: 1\r\n" in ours.as_bytes(linesep="\r\n")


def _same_as_djangos(email: EmailMultiAlternatives) -> None:
    ours = email.message()
    assert isinstance(ours, WrittenMessage)
    django = _djangos(email, like=ours)
    for linesep in ("\n", "\r\n"):
        assert ours.as_bytes(linesep=linesep) == django.as_bytes(linesep=linesep)


@time_machine.travel("2026-11-20 09:00:00Z", tick=False)
def test_headers_around_the_line_length_are_folded_where_django_folds_them() -> None:
    # The writer folds nothing itself up to 78 characters a line: every length either side, with
    # spaces where a fold could go, a space at either end, tabs, and words too long to fold.
    for filler in ("ab ", "abcdefghij ", "a\tb ", "x", "a;b,", "₹ab ", "अ"):
        for length in range(40, 180):
            value = (filler * 100)[:length]
            for text in (value, f"{value} ", f" {value}", f"{value}  x"):
                message = OutboundMessage(
                    recipient="asha@example.com",
                    subject=text,
                    text="Text",
                    reference="ntf_abc",
                    headers={"List-Unsubscribe": text, "X-Tinko-Attempt-Number": text},
                )
                _same_as_djangos(_email(message, sender=_SENDER, domain="tinko.test", connection=None))


@time_machine.travel("2026-11-20 09:00:00Z", tick=False)
def test_a_part_turns_quoted_printable_exactly_where_a_line_passes_998_octets() -> None:
    for piece in ("x", "अ", "x₹"):
        for octets in range(990, 1006):
            line = (piece * 1000).encode()[:octets].decode(errors="ignore")
            for text in (line, f"short\n{line}\r\nend", f"{line}\n"):
                message = OutboundMessage(recipient="a@example.com", text=text, html=text, reference="ntf_abc")
                _same_as_djangos(_email(message, sender=_SENDER, domain="tinko.test", connection=None))


_TOKENS = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=90)


@settings(max_examples=500, deadline=None)
@given(
    name=st.sampled_from(["Subject", "From", "To", "List-Unsubscribe", "X", "Content-Type"]),
    value=st.one_of(
        _HEADER_TEXT,
        st.lists(_TOKENS, min_size=1, max_size=4).map("\n ".join),
        st.builds(
            lambda size, rest: "=" * size + "".join(f"\n {'b' * n}" for n in rest),
            st.integers(55, 80),
            st.lists(st.integers(70, 80), max_size=2),
        ),
    ),
    linesep=st.sampled_from(["\n", "\r\n"]),
)
def test_a_header_is_folded_as_compat32_folds_it(name: str, value: str, linesep: str) -> None:
    assert _header(name, value, linesep) == Compat32(linesep=linesep).fold_binary(name, value)


# Text that "Q" encodes shorter (mostly ASCII), that base64 does (Hindi), and every kind of character
# in between: one to four octets, ASCII that "Q" escapes, line breaks only str.splitlines knows.
_ENCODED_TEXT = st.one_of(
    _HEADER_TEXT,
    st.text(alphabet=st.sampled_from("ab ₹=?_\t:,é"), max_size=160),
    st.text(alphabet=st.sampled_from("अआ पाया₹1,0.€𝄞é"), max_size=160),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=160),
    st.text(max_size=60).map(lambda text: text + "\u2028x"),
)


def _stored_or_refused(store: Callable[[], str]) -> str | type[Exception]:
    try:
        return store()
    except (ValueError, UnicodeError) as exc:
        return type(exc)


@settings(max_examples=1000, deadline=None)
@given(name=st.sampled_from(["Subject", "List-Unsubscribe", "X-Tinko", "From", "Reply-To"]), text=_ENCODED_TEXT)
@example(name="Subject", text="चाय पॉइंट: आपका ₹1,00,000.00 का भुगतान नहीं हो पाया")
@example(name="Subject", text="Chai Point: your payment of ₹1,00,000.00 did not go through, and again " * 3)
@example(name="Subject", text="\ud800 surrogate")
def test_a_header_value_is_stored_as_django_stores_it(name: str, text: str) -> None:
    assert _stored_or_refused(lambda: _stored(name, text)) == _stored_or_refused(
        lambda: forbid_multi_line_headers(name, text, "utf-8")[1]
    )
