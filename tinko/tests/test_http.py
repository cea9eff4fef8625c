import io
import json
import logging

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.test import Client, RequestFactory

from tinko.health import WORKER_HEARTBEAT, heartbeat_record
from tinko.logging import formatter_factory
from tinko.middleware import RequestIDMiddleware


def test_healthz_answers_ok_without_touching_the_database(client: Client) -> None:
    # No django_db mark: any query here would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_readyz_reports_database_broker_and_last_worker_heartbeat(client: Client) -> None:
    heartbeat = heartbeat_record()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "checks": {"database": "ok", "broker": "ok"},
        "worker_last_seen": heartbeat.beat_at.isoformat(),
    }


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinko.celery import app

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(app, "connection_for_write", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["failed"] == ["broker"]
    assert body["checks"] == {"database": "ok", "broker": "error: ConnectionRefusedError"}


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_down(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinko import health

    def broken_cursor() -> None:
        raise health.connection.OperationalError("no database")  # type: ignore[attr-defined]

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["worker_last_seen"] is None


@pytest.mark.django_db
def test_heartbeat_counts_each_run() -> None:
    heartbeat_record()
    second = heartbeat_record()

    assert second.name == WORKER_HEARTBEAT
    assert second.count == 2


def test_every_response_carries_a_generated_request_id(client: Client) -> None:
    first = client.get("/healthz")
    second = client.get("/healthz")

    assert first["X-Request-ID"].startswith("req_")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_callers_request_id_is_echoed(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"


def test_an_unsafe_request_id_is_replaced(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="evil\r\nSet-Cookie: x=1")

    assert response["X-Request-ID"].startswith("req_")


def test_log_lines_are_json_carrying_the_request_id(rf: RequestFactory) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_factory("json"))
    logger = logging.getLogger("tinko.tests.probe")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def view(request: HttpRequest) -> HttpResponse:
        logger.info("probe_event", extra={"org_id": "org_123"})
        return HttpResponse("ok")

    try:
        response = RequestIDMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="req-abc"))
    finally:
        logger.removeHandler(handler)

    line = json.loads(stream.getvalue().strip())
    assert response["X-Request-ID"] == "req-abc"
    assert line["event"] == "probe_event"
    assert line["request_id"] == "req-abc"
    assert line["org_id"] == "org_123"
    assert line["level"] == "info"
    assert line["logger"] == "tinko.tests.probe"
    assert line["timestamp"].endswith("Z")


def test_landing_page_links_to_sign_in_and_api_docs(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/api/docs/"' in html
    assert "Sign in" in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_api_docs_and_schema_are_served_without_a_cdn(client: Client) -> None:
    docs = client.get("/api/docs/")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
    assert schema.status_code == 200
    assert "/v1/organization" in schema.json()["paths"]


def test_unknown_pages_get_an_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_pages_name_the_svg_icon_and_favicon_ico_points_at_it(client: Client) -> None:
    icon = static("img/favicon.svg")

    landing = client.get("/").content.decode()
    favicon = client.get("/favicon.ico")

    assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in landing
    assert favicon.status_code == 302
    assert favicon["Location"] == icon
    assert "max-age=86400" in favicon["Cache-Control"]
    assert finders.find("img/favicon.svg")
