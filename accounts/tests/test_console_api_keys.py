"""API keys in the console: the secret shown once, listed by prefix, revoked at once."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.models import ApiKey, AuditEvent
from accounts.selectors import api_key_find_active
from accounts.services import API_KEYS_EPOCH
from accounts.tests.factories import MembershipFactory


def _shown_key(body: str, mode: str) -> str:
    match = re.search(rf'value="(tk_{mode}_[A-Za-z0-9_-]+)"', body)
    assert match, "the new key is shown"
    return match.group(1)


@pytest.fixture
def admin(organization):
    return MembershipFactory.create(organization=organization, role=Role.ADMIN)


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin.user)
    return client


@pytest.mark.django_db
def test_a_new_key_is_shown_once_and_then_only_by_prefix(admin_client: Client, admin) -> None:
    response = admin_client.post("/app/api-keys/", {"name": "Checkout backend", "mode": "live", "role": "analyst"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plaintext = _shown_key(response.content.decode(), "live")
    api_key = api_key_find_active(plaintext=plaintext)
    assert api_key is not None
    assert (api_key.organization, api_key.name, api_key.mode, api_key.role, api_key.created_by) == (
        admin.organization,
        "Checkout backend",
        "live",
        Role.ANALYST,
        admin.user,
    )
    listing = admin_client.get("/app/api-keys/").content.decode()
    assert plaintext not in listing
    assert f"{api_key.display_prefix}…" in listing
    assert "Read only" in listing
    event = AuditEvent.objects.get(action="api_key.created")
    assert (event.actor_user, event.target_id, event.changes) == (
        admin.user,
        api_key.public_id,
        {"mode": [None, "live"], "role": [None, "analyst"]},
    )


@pytest.mark.django_db
def test_htmx_creation_returns_only_the_key_panel(admin_client: Client) -> None:
    response = admin_client.post(
        "/app/api-keys/", {"name": "Ops", "mode": "test", "role": "admin"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert body.strip().startswith('<div id="key-panel">')
    assert "<html" not in body
    assert 'data-copy-target="new-key-value"' in body


@pytest.mark.django_db
def test_an_invalid_key_form_creates_nothing(admin_client: Client) -> None:
    response = admin_client.post("/app/api-keys/", {"name": "", "mode": "prod", "role": "owner"})

    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"name", "mode", "role"}
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_a_revoked_key_answers_401_at_once(admin_client: Client, admin) -> None:
    issued_response = admin_client.post("/app/api-keys/", {"name": "Old", "mode": "test", "role": "admin"})
    plaintext = _shown_key(issued_response.content.decode(), "test")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get("/v1/organization").status_code == 200
    api_key = ApiKey.objects.get()

    response = admin_client.post(f"/app/api-keys/{api_key.public_id}/revoke/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Revoked" in response.content.decode()
    assert api.get("/v1/organization").status_code == 401
    assert AuditEvent.objects.filter(action="api_key.revoked", target_id=api_key.public_id).count() == 1


@pytest.mark.django_db
def test_an_analyst_cannot_open_or_use_the_keys_page(organization) -> None:
    analyst = MembershipFactory.create(organization=organization, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)

    assert client.get("/app/api-keys/").status_code == 403
    assert client.post("/app/api-keys/", {"name": "x", "mode": "test", "role": "admin"}).status_code == 403
    assert not ApiKey.objects.exists()
    assert 'href="/app/api-keys/"' not in client.get("/app/").content.decode(), (
        "the menu hides what the role cannot open"
    )


@pytest.mark.django_db(transaction=True)
def test_the_new_key_is_shown_even_when_telling_other_processes_fails(
    admin_client: Client, admin, monkeypatch, caplog
) -> None:
    def unreachable() -> None:
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(API_KEYS_EPOCH, "bump", unreachable)

    with caplog.at_level(logging.ERROR, logger="accounts.services.api_keys"):
        response = admin_client.post("/app/api-keys/", {"name": "Checkout backend", "mode": "test", "role": "admin"})

    assert response.status_code == 200
    plaintext = _shown_key(response.content.decode(), "test")
    assert api_key_find_active(plaintext=plaintext) == ApiKey.objects.get(organization=admin.organization)
    assert [(record.getMessage(), record.exc_info[0]) for record in caplog.records] == [
        ("api_keys_epoch_bump_failed", ConnectionRefusedError)
    ]
