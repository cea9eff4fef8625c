"""A logging filter that keeps link tokens, which travel in URL paths, out of log lines."""

from __future__ import annotations

import logging
import re

# Paths routed in tinko.urls whose last segment is a bearer credential: an invitation until it is
# used, a payer's recovery link until it expires, a payer's stop-reminders link.
TOKEN_PATH_PREFIXES = ("/invitations/", "/pay/retry/", "/pay/stop/")
_TOKEN_PATH = re.compile("(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATH_PREFIXES) + r")[^/\s?#'\"]+")
_REDACTED = r"\1[redacted]"
# `message` is not among them: a handler that formatted the record before ours (Django's own
# console handler under DEBUG) leaves the unredacted text there, and it would go out as an extra.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def _mentions_token_path(text: str) -> bool:
    # Most values (ids, numbers, words) have no slash at all: one look in C settles them.
    return "/" in text and any(prefix in text for prefix in TOKEN_PATH_PREFIXES)


def link_token_redact(text: str) -> str:
    """`text` with the token of every invitation, recovery-link and stop-link path replaced by `[redacted]`."""
    return _TOKEN_PATH.sub(_REDACTED, text)


class LinkTokenFilter(logging.Filter):
    """Redacts link tokens in the message and in extra fields (django.request attaches the
    request itself, whose repr names the path); attached to the handlers, so every logger's
    lines pass through it, the web server's access log included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _mentions_token_path(message):
            record.msg = link_token_redact(message)
            record.args = None
        attributes = vars(record)
        # Only what the record was given as `extra` (a set difference in C; most lines have a few).
        for name in attributes.keys() - _RECORD_ATTRIBUTES:
            value = attributes[name]
            if value is None:
                continue
            text = value if isinstance(value, str) else repr(value)
            if _mentions_token_path(text):
                setattr(record, name, link_token_redact(text))
        return True
