"""Development mail: one .eml file per message, named in a log line."""

from __future__ import annotations

import email
import logging
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection


def test_each_message_is_written_as_an_eml_file_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    connection = get_connection("tinko.mail.EmlFileBackend", file_path=str(tmp_path / "mail"))
    messages = []
    for number in (1, 2):
        message = EmailMultiAlternatives(
            subject=f"भुगतान {number}",
            body="Text",
            to=["asha@example.com"],
            headers={"Message-ID": f"<m{number}.ntf_x@tinko.test>"},
            connection=connection,
        )
        message.attach_alternative("<p>HTML</p>", "text/html")
        messages.append(message)

    with caplog.at_level(logging.INFO, logger="tinko.mail"):
        assert connection.send_messages(messages) == 2

    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [path.name.split("-", 1)[1] for path in files] == ["m1.ntf_x_tinko.test.eml", "m2.ntf_x_tinko.test.eml"]
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert str(email.header.make_header(email.header.decode_header(parsed["Subject"]))) == "भुगतान 1"
    assert [part.get_content_type() for part in parsed.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    logged = [
        (record.getMessage(), getattr(record, "path", None)) for record in caplog.records if record.name == "tinko.mail"
    ]
    assert logged == [("email_written_to_file", str(path)) for path in files]
