"""Invitation, recovery and stop links carry their token in the path; no log line may carry it on."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import Client

TOKEN = "s3cretInvitationTokenXYZ_0123456789abcdefghij"


@pytest.fixture
def log_output(monkeypatch) -> io.StringIO:
    """What the configured console handler writes."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    monkeypatch.setattr(handler, "stream", output)
    return output


@pytest.mark.django_db
def test_a_request_to_an_invitation_link_logs_no_token(client: Client, log_output: io.StringIO) -> None:
    response = client.get(f"/invitations/{TOKEN}/")

    assert response.status_code == 404
    written = log_output.getvalue()
    assert "Not Found: /invitations/[redacted]/" in written
    assert TOKEN not in written


def test_the_access_log_of_the_web_server_logs_no_token(log_output: io.StringIO) -> None:
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": f"GET /invitations/{TOKEN}/?x=1 HTTP/1.1", "s": "200"}
    )

    written = log_output.getvalue()
    assert "GET /invitations/[redacted]/?x=1 HTTP/1.1" in written
    assert TOKEN not in written


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/pay/retry/", "/pay/stop/"])
def test_a_request_to_a_payer_link_logs_no_token(client: Client, log_output: io.StringIO, prefix: str) -> None:
    response = client.get(f"{prefix}{TOKEN}/")

    assert response.status_code == 404
    written = log_output.getvalue()
    assert f"Not Found: {prefix}[redacted]/" in written
    assert TOKEN not in written


@pytest.mark.parametrize("prefix", ["/pay/retry/", "/pay/stop/"])
def test_the_access_log_logs_no_payer_link_token(log_output: io.StringIO, prefix: str) -> None:
    logging.getLogger("gunicorn.access").info(
        '"%(r)s" %(s)s', {"r": f"POST {prefix}{TOKEN}/?lang=hi HTTP/1.1", "s": "200"}
    )

    written = log_output.getvalue()
    assert f"POST {prefix}[redacted]/?lang=hi HTTP/1.1" in written
    assert TOKEN not in written


def test_a_record_another_handler_formatted_first_logs_no_token(log_output: io.StringIO) -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/pay/retry/{TOKEN}/",), None
    )
    logging.Formatter().format(record)  # as Django's console handler does under DEBUG, before ours

    logging.getLogger("django.request").handle(record)

    written = log_output.getvalue()
    assert "Not Found: /pay/retry/[redacted]/" in written
    assert TOKEN not in written
