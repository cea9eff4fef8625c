"""A logging filter that keeps invitation tokens, which travel in link paths, out of log lines."""

from __future__ import annotations

import logging
import re

# `/invitations/<token>/` as routed in tinko.urls; the token is a bearer credential until used.
_INVITATION_PATH = re.compile(r"(/invitations/)[^/\s?#'\"]+")
_REDACTED = r"\1[redacted]"
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


def invitation_token_redact(text: str) -> str:
    """`text` with the token of every invitation path replaced by `[redacted]`."""
    return _INVITATION_PATH.sub(_REDACTED, text)


class InvitationTokenFilter(logging.Filter):
    """Redacts invitation tokens in the message and in extra fields (django.request attaches the
    request itself, whose repr names the path); attached to the handlers, so every logger's
    lines pass through it, the web server's access log included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/invitations/" in message:
            record.msg = invitation_token_redact(message)
            record.args = None
        for name, value in list(vars(record).items()):
            if name in _RECORD_ATTRIBUTES or value is None:
                continue
            text = value if isinstance(value, str) else repr(value)
            if "/invitations/" in text:
                setattr(record, name, invitation_token_redact(text))
        return True
