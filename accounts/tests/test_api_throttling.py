"""Limits on API callers: bad keys per client address, and active keys per organization."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.exceptions import ApiKeyLimitError
from accounts.models import ApiKey, Organization
from accounts.services import api_key_create, api_key_revoke
from accounts.tests.factories import MembershipFactory
from tinko.tests.locks import held_open

pytestmark = pytest.mark.django_db


def _get(plaintext: str, ip: str) -> int:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return int(client.get("/v1/organization").status_code)


def test_bad_keys_from_one_address_are_refused_with_429_past_the_limit(settings, issued_api_key) -> None:
    settings.API_AUTH_FAILURE_RATE = "3/min"

    statuses = [_get("tk_test_notakey", "203.0.113.7") for _ in range(5)]

    assert statuses == [401, 401, 401, 429, 429]
    assert _get("tk_test_notakey", "198.51.100.2") == 401  # counted per address
    assert _get(issued_api_key.plaintext, "203.0.113.7") == 200  # a good key is not held back


def test_a_malformed_authorization_header_counts_as_a_failure(settings) -> None:
    settings.API_AUTH_FAILURE_RATE = "1/min"
    client = APIClient(REMOTE_ADDR="203.0.113.8")
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    statuses = [client.get("/v1/organization").status_code for _ in range(2)]

    assert statuses == [401, 429]


def test_an_organization_holds_at_most_the_cap_of_active_keys(settings, organization: Organization) -> None:
    settings.API_KEYS_MAX_ACTIVE = 2
    first = api_key_create(organization=organization, name="One")
    api_key_create(organization=organization, name="Two")

    with pytest.raises(ApiKeyLimitError) as refused:
        api_key_create(organization=organization, name="Three")
    assert refused.value.message == (
        "An organization can hold at most 2 active API keys; revoke one you no longer use first."
    )

    api_key_revoke(api_key=first.api_key)
    assert api_key_create(organization=organization, name="Three").api_key.name == "Three"
    assert ApiKey.objects.filter(organization=organization, revoked_at__isnull=True).count() == 2


def test_the_console_says_why_a_key_beyond_the_cap_is_refused(settings, organization: Organization) -> None:
    settings.API_KEYS_MAX_ACTIVE = 1
    api_key_create(organization=organization, name="Only")
    client = Client()
    client.force_login(MembershipFactory.create(organization=organization, role=Role.ADMIN).user)

    response = client.post("/app/api-keys/", {"name": "Another", "mode": "test", "role": "admin"})

    assert response.status_code == 422
    assert "An organization can hold at most 1 active API keys; revoke one" in response.content.decode()
    assert ApiKey.objects.filter(organization=organization).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
def test_concurrent_creations_count_one_after_the_other(settings, organization: Organization) -> None:
    settings.API_KEYS_MAX_ACTIVE = 1
    outcomes: list[str] = []

    def second() -> None:
        try:
            api_key_create(organization=organization, name="Second")
            outcomes.append("created")
        except ApiKeyLimitError:
            outcomes.append("refused")
        finally:
            connection.close()

    with held_open(lambda: api_key_create(organization=organization, name="First")):
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive()  # it waits for the first creation to commit
    waiting.join(timeout=10)

    assert outcomes == ["refused"]
    assert list(ApiKey.objects.filter(organization=organization).values_list("name", flat=True)) == ["First"]
