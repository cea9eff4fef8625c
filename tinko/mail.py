"""Development mail: each message becomes one .eml file that any mail program opens."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EmlFileBackend(BaseEmailBackend):
    """Writes every message to EMAIL_FILE_PATH as `<UTC time>-<Message-ID>.eml` and logs the path.

    Django's own file backend appends all the messages of a connection to one log file, which no
    mail program reads; one file per message is what a person trying Tinko wants to open."""

    def __init__(self, *, file_path: str | None = None, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            try:
                self._write(message)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def _write(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        mime = message.message()
        message_id = str(mime["Message-ID"] or "")
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{_UNSAFE.sub('_', message_id.strip('<>'))[:80]}.eml"
        path = self.directory / name
        path.write_bytes(mime.as_bytes(linesep="\r\n"))
        logger.info("email_written_to_file", extra={"path": str(path), "message_id": message_id})
