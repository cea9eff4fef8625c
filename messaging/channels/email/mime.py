"""A recovery email's bytes, written straight from its fields as Django would write them.

Django builds an email as a tree of email.mime objects (`EmailMessage.message()`: SafeMIMEMultipart,
SafeMIMEText, a Charset per part) and the standard library's generator walks that tree to write it
(`as_bytes()`), folding every header through email.header. For the emails the channel sends that
is a third of an email's cost, and most of it comes out the same each time. `email_message` writes
the same bytes without the tree:

- each header value is stored as Django stores it: through Django's own `forbid_multi_line_headers`
  (its refusal of newlines, its address sanitising, its RFC 2047 encoding of non-ASCII text), except
  for plain one-line ASCII, which that function returns unchanged, and non-ASCII text without an
  address or a line break (a subject in Hindi or with ₹), whose encoded words are written here as
  email.header writes them;
- each header is folded by the standard library's compat32 policy, except one that plainly fits on
  its line (printable ASCII, no space at either end, at most 78 characters with its name), which
  compat32 writes unchanged;
- each text part is encoded as SafeMIMEText encodes it: 7bit or 8bit, or quoted-printable when a
  line is longer than RFC 5322 allows, its line ends written as the caller's `linesep`.

An email of another shape (attachments, cc from the headers, another charset, lazy text…) is left
to Django whole. The returned `WrittenMessage` answers what mail backends ask of a message (its bytes
and its headers by name); anything else builds Django's own message, with the same boundary, date
and Message-ID, and answers from it from then on."""

from __future__ import annotations

import copy
import random
import re
import sys
from collections.abc import Callable, Sequence
from email import base64mime, quoprimime
from email.charset import RFC2047_CHROME_LEN
from email.policy import Compat32
from email.utils import formatdate, make_msgid
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import (
    ADDRESS_HEADERS,
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    SafeMIMEMultipart,
    SafeMIMEText,
    forbid_multi_line_headers,
)
from django.core.mail.utils import DNS_NAME

_CHARSET = "utf-8"
# compat32's line length, and the one email.header.Header gives a value it encodes on its own.
_HEADER_LINE = 78
_ENCODED_LINE = 76
# Printable ASCII with no space at either end: what compat32 and email.header leave as it is.
_PLAIN = re.compile(r"[!-~](?:[ -~]*[!-~])?")
# Unbreakable words, one a line: how Django stores an encoded subject or sender name.
_TOKEN_LINES = re.compile(r"[!-~]+(?:\n [!-~]+)*")
_LINE_END = re.compile(rb"\r\n|\r|\n")
_TEXT_TYPE = re.compile(r"text/[a-z0-9][a-z0-9.+-]*")
# Headers Django fills from the email's fields unless `headers` names them (in its own way).
_OWN_HEADERS = frozenset({"from", "to", "cc", "reply-to"})


class _HeadersFoldedOnce(Compat32):
    """The policy Django's messages are written with (compat32), remembering how it folded a header:
    a task's emails share most of theirs (sender, reply address, each part's type and encoding), and
    folding one walks through email.header every time. A header comes out byte for byte the same."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str):
            return _folded(
                name, value, linesep=self.linesep, max_line_length=self.max_line_length, cte_type=self.cte_type
            )
        return super().fold_binary(name, value)


_HEADERS_FOLDED_ONCE = _HeadersFoldedOnce()


@lru_cache(maxsize=1024)
def _folded(
    name: str, value: str, *, linesep: str, max_line_length: int | None = _HEADER_LINE, cte_type: str = "8bit"
) -> bytes:
    policy = Compat32(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type)
    return policy.fold_binary(name, value)


def _header(name: str, value: str, linesep: str) -> bytes:
    """One header as compat32 writes it (`Compat32.fold_binary`)."""
    if len(name) + 2 + len(value) <= _HEADER_LINE and _PLAIN.fullmatch(value):
        return f"{name}: {value}{linesep}".encode("ascii")
    if _TOKEN_LINES.fullmatch(value):
        # Words compat32 cannot break (a long URL, RFC 2047 encoded words one a line): each keeps its
        # own line, the first one after the name only if it fits there.
        first, *rest = value.split("\n ")
        if all(len(token) < _HEADER_LINE for token in rest):
            lead = f" {first}" if len(name) + 2 + len(first) <= _HEADER_LINE else f" {linesep} {first}"
            return "".join([f"{name}:{lead}", *(f"{linesep} {token}" for token in rest), linesep]).encode("ascii")
    return _folded(name, value, linesep=linesep)


def _multipart_type(boundary: str, linesep: str) -> bytes:
    """The multipart Content-Type header: folded once per line separator for a stand-in boundary of
    the same form, which folds the same way (no character compat32 breaks at, the same length)."""
    if not _OUR_BOUNDARY.fullmatch(boundary):
        return _header("Content-Type", f'multipart/alternative; boundary="{boundary}"', linesep)
    return _header("Content-Type", f'multipart/alternative; boundary="{_STAND_IN}"', linesep).replace(
        _STAND_IN.encode("ascii"), boundary.encode("ascii")
    )


def _stored(name: str, value: Any) -> str:
    """A header's value as Django's SafeMIME classes store it (`forbid_multi_line_headers`)."""
    text = str(value)
    if _PLAIN.fullmatch(text) and (len(text) <= _ENCODED_LINE or name.lower() != "subject"):
        return text
    if not text.isascii() and name.lower() not in ADDRESS_HEADERS and not _LINE_BREAKS.search(text):
        try:
            return _encoded_words(text)
        except UnicodeEncodeError:
            pass  # a lone surrogate: Django raises its own error for it
    return _stored_encoded(name, text)


# Where str.splitlines breaks a line, which email.header.Header.encode encodes line by line.
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# What an encoded word may carry past its chrome (`=?utf-8?b?…?=`) on Header's first line (78
# characters) and on the next ones (78 less the continuation space).
_FIRST_WORD = _HEADER_LINE - len(_CHARSET) - RFC2047_CHROME_LEN
_NEXT_WORD = _FIRST_WORD - 1
# Each ASCII character's length in the "Q" encoding of RFC 2047; any other octet is written =XX.
_Q_LENGTHS = bytes(quoprimime.header_length(bytes([octet])) for octet in range(128))


@lru_cache(maxsize=1024)
def _encoded_words(text: str) -> str:
    """`Header(text, "utf-8").encode()`, as Django encodes a non-ASCII header that holds no address,
    for one line of text: the same words split at the same characters, each word's length counted
    as it grows rather than by encoding every prefix again.

    Header chooses base64 or "Q" for the whole text (base64 only when strictly shorter), then fills
    each word greedily, a character at a time, while its encoding fits."""
    octets = text.encode(_CHARSET)
    sizes = [_octets(code_point) for code_point in map(ord, text)]
    q_sizes = [
        _Q_LENGTHS[code_point] if code_point < 0x80 else 3 * size
        for code_point, size in zip(map(ord, text), sizes, strict=True)
    ]
    base64 = (len(octets) + 2) // 3 * 4 < sum(q_sizes)
    words: list[str] = []
    start = end = q_length = 0
    room = _FIRST_WORD
    for size, q_size in zip(sizes, q_sizes, strict=True):
        grown = (end - start + size + 2) // 3 * 4 if base64 else q_length + q_size
        if grown > room:
            words.append(_word(octets[start:end], base64=base64))
            start, q_length, room = end, 0, _NEXT_WORD
        end += size
        q_length += q_size
    words.append(_word(octets[start:end], base64=base64))
    return "\n ".join(words)


def _octets(code_point: int) -> int:
    """How many octets UTF-8 takes for a character."""
    return 1 if code_point < 0x80 else 2 if code_point < 0x800 else 3 if code_point < 0x10000 else 4


def _word(octets: bytes, *, base64: bool) -> str:
    if base64:
        return base64mime.header_encode(octets, _CHARSET)
    return quoprimime.header_encode(octets, _CHARSET)


@lru_cache(maxsize=1024)
def _stored_encoded(name: str, text: str) -> str:
    return forbid_multi_line_headers(name, text, _CHARSET)[1]


_OUR_BOUNDARY = re.compile(r"={15}[0-9]{19}==")
_STAND_IN = f"{'=' * 15}{'0' * 19}=="


def _boundary(parts: Sequence[str]) -> str:
    """A multipart boundary in the stdlib's form that no part contains. The stdlib's writer chooses one
    itself only when none is set, and compiles a regular expression per message to check it."""
    while True:
        boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="
        if not any(f"--{boundary}" in part for part in parts):
            return boundary


class _Part:
    """One text part as SafeMIMEText holds it: its headers and its encoded payload."""

    __slots__ = ("headers", "payload")

    def __init__(self, text: str, subtype: str) -> None:
        content = text.encode(_CHARSET)
        # A line in octets is at least as long as in Python's text lines (which end at more characters).
        if max(map(len, content.splitlines()), default=0) > RFC5322_EMAIL_LINE_LENGTH_LIMIT and any(
            len(line.encode(_CHARSET)) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in text.splitlines()
        ):
            # Django's choice (SafeMIMEText.set_payload): quoted-printable shortens long lines.
            encoding = "quoted-printable"
            content = quoprimime.body_encode(content.decode("latin-1")).encode("ascii")
        else:
            encoding = "7bit" if text.isascii() else "8bit"
        self.headers = [
            ("Content-Type", f'text/{subtype}; charset="{_CHARSET}"'),
            ("MIME-Version", "1.0"),
            ("Content-Transfer-Encoding", encoding),
        ]
        self.payload = content


def _texts(email: EmailMultiAlternatives) -> list[tuple[str, str]] | None:
    """The email's text parts as (text, subtype) if it has the shape this module writes, else None."""
    body = email.body
    if (
        (email.encoding or settings.DEFAULT_CHARSET) != _CHARSET
        or email.content_subtype != "plain"
        or email.alternative_subtype != "alternative"
        or email.attachments
        or type(body) is not str
        or any(type(name) is not str or name.lower() in _OWN_HEADERS for name in email.extra_headers)
    ):
        return None
    texts = [(body, "plain")] if body or not email.alternatives else []
    for content, mimetype in email.alternatives:
        if type(content) is not str or not _TEXT_TYPE.fullmatch(mimetype):
            return None
        texts.append((content, mimetype.removeprefix("text/")))
    return texts


def email_message(email: EmailMultiAlternatives) -> WrittenMessage | SafeMIMEMultipart | SafeMIMEText:
    """What `email.message()` gives, its multipart boundary chosen here: written bytes where the email
    has the shape this module writes, Django's own message otherwise."""
    boundary = None
    if email.alternatives:
        boundary = _boundary([str(email.body), *(str(content) for content, _ in email.alternatives)])
    texts = _texts(email)
    try:
        parts = None if texts is None else [_Part(text, subtype) for text, subtype in texts]
    except UnicodeEncodeError:
        # Text Django cannot encode either (a lone surrogate): Django raises its own error for it.
        parts = None
    if parts is None:
        return _django_message(email, boundary=boundary, date=None, message_id=None)
    if boundary is None:
        [only] = parts
        headers = list(only.headers)
    else:
        headers = [("Content-Type", f'multipart/alternative; boundary="{boundary}"'), ("MIME-Version", "1.0")]
    # Django's order (EmailMessage.message), each value refused or encoded as Django does.
    headers.append(("Subject", _stored("Subject", email.subject)))
    headers.append(("From", _stored("From", email.from_email)))
    for name, values in (("To", email.to), ("Cc", email.cc), ("Reply-To", email.reply_to)):
        if values:
            headers.append((name, _stored(name, ", ".join(str(value) for value in values))))
    named = {name.lower() for name in email.extra_headers}
    date = None if "date" in named else formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    if date is not None:
        headers.append(("Date", date))
    message_id = None if "message-id" in named else make_msgid(domain=DNS_NAME)
    if message_id is not None:
        headers.append(("Message-ID", message_id))
    headers += [
        (name, _stored(name, value)) for name, value in email.extra_headers.items() if name.lower() not in _OWN_HEADERS
    ]
    snapshot = copy.copy(email)
    for field in ("to", "cc", "bcc", "reply_to", "alternatives", "attachments"):
        setattr(snapshot, field, list(getattr(email, field)))
    snapshot.extra_headers = dict(email.extra_headers)
    return WrittenMessage(
        headers=headers,
        parts=parts,
        boundary=boundary,
        build=lambda: _django_message(snapshot, boundary=boundary, date=date, message_id=message_id),
    )


def _django_message(
    email: EmailMultiAlternatives, *, boundary: str | None, date: str | None, message_id: str | None
) -> SafeMIMEMultipart | SafeMIMEText:
    """Django's own message for the email, with the given boundary, and the Date and Message-ID it
    makes up replaced by the given ones (those a written message already carries)."""
    message: SafeMIMEMultipart | SafeMIMEText = EmailMultiAlternatives.message(email)
    if boundary is not None and message.is_multipart():
        message.set_boundary(boundary)
    if date is not None:
        message.replace_header("Date", date)
    if message_id is not None:
        message.replace_header("Message-ID", message_id)
    message.policy = _HEADERS_FOLDED_ONCE
    return message


class WrittenMessage:
    """A message as bytes and headers, standing in for Django's message object where mail backends
    and tests use it: `as_bytes`, `msg[name]`, `get`, `in`, `get_boundary`, `is_multipart`. Anything
    else (`as_string`, `get_payload`, setting a header…) builds Django's message for the same email
    and defers to it from then on, so a change made through it is never lost from the bytes."""

    __slots__ = ("_boundary", "_build", "_django", "_headers", "_parts", "_written")

    def __init__(
        self,
        *,
        headers: list[tuple[str, str]],
        parts: list[_Part],
        boundary: str | None,
        build: Callable[[], SafeMIMEMultipart | SafeMIMEText],
    ) -> None:
        self._headers = headers
        self._parts = parts
        self._boundary = boundary
        self._build = build
        self._django: SafeMIMEMultipart | SafeMIMEText | None = None
        self._written: dict[str, bytes] = {}

    def _message(self) -> SafeMIMEMultipart | SafeMIMEText:
        if self._django is None:
            self._django = self._build()
        return self._django

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if self._django is not None or unixfrom:
            return bytes(self._message().as_bytes(unixfrom=unixfrom, linesep=linesep))
        written = self._written.get(linesep)
        if written is None:
            written = self._written[linesep] = self._write(linesep)
        return written

    def _write(self, linesep: str) -> bytes:
        """What email.generator.BytesGenerator writes for Django's message (`mangle_from_=False`)."""
        newline = linesep.encode("ascii")
        if self._boundary is None:
            [part] = self._parts
            out = [_header(name, value, linesep) for name, value in self._headers]
            out += [newline, _LINE_END.sub(newline, part.payload)]
            return b"".join(out)
        # Its first header is the multipart Content-Type.
        out = [_multipart_type(self._boundary, linesep)]
        out += [_header(name, value, linesep) for name, value in self._headers[1:]]
        delimiter = f"--{self._boundary}".encode("ascii")
        out += [newline, delimiter, newline]
        for index, part in enumerate(self._parts):
            if index:
                out += [newline, delimiter, newline]
            out += [_header(name, value, linesep) for name, value in part.headers]
            out += [newline, _LINE_END.sub(newline, part.payload)]
        out += [newline, delimiter, b"--", newline]
        return b"".join(out)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def get(self, name: str, failobj: Any = None) -> Any:
        if self._django is not None:
            return self._django.get(name, failobj)
        wanted = name.lower()
        for header, value in self._headers:
            if header.lower() == wanted:
                return value
        return failobj

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def get_boundary(self, failobj: Any = None) -> Any:
        if self._django is not None:
            return self._django.get_boundary(failobj)
        return failobj if self._boundary is None else self._boundary

    def is_multipart(self) -> bool:
        if self._django is not None:
            return self._django.is_multipart()
        return self._boundary is not None

    def __setitem__(self, name: str, value: Any) -> None:
        self._message()[name] = value

    def __delitem__(self, name: str) -> None:
        del self._message()[name]

    def __getattr__(self, name: str) -> Any:
        # Only what neither this class nor a copy being made (its slots not set yet) has.
        if name.startswith("__") or name in WrittenMessage.__slots__:
            raise AttributeError(name)
        return getattr(self._message(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in WrittenMessage.__slots__:
            object.__setattr__(self, name, value)
        else:
            setattr(self._message(), name, value)
