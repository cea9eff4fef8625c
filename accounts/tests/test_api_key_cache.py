"""Remembered API keys: fast while nothing changes, forgotten by every process when something does."""

import pytest
from django.conf import settings

from accounts.api_key_cache import CACHE_SECONDS, api_key_authenticate
from accounts.models import ApiKey
from accounts.services import SYSTEM, api_key_create, api_key_revoke, organization_update
from tinko import local_cache

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: the key epoch lives in Redis"),
]


@pytest.fixture
def plaintext(organization) -> str:
    return api_key_create(organization=organization, name="Backend").plaintext


def test_a_remembered_key_costs_no_query(plaintext, django_assert_num_queries) -> None:
    first = api_key_authenticate(plaintext=plaintext)

    with django_assert_num_queries(0):
        again = api_key_authenticate(plaintext=plaintext)

    assert first is not None
    assert again is first


def test_a_revoked_key_is_refused_at_once(plaintext) -> None:
    api_key = api_key_authenticate(plaintext=plaintext)
    assert api_key is not None

    api_key_revoke(api_key=api_key)

    assert api_key_authenticate(plaintext=plaintext) is None


def test_an_organization_change_is_seen_at_once(plaintext, organization, django_assert_num_queries) -> None:
    api_key_authenticate(plaintext=plaintext)

    organization_update(
        organization=organization, actor=SYSTEM, name="Renamed", time_zone="UTC", default_currency="USD"
    )

    with django_assert_num_queries(1):
        api_key = api_key_authenticate(plaintext=plaintext)
    assert api_key is not None
    assert api_key.organization.name == "Renamed"


def test_a_key_saved_anywhere_else_is_read_again(plaintext, django_assert_num_queries) -> None:
    api_key = api_key_authenticate(plaintext=plaintext)
    assert api_key is not None

    ApiKey.objects.get(pk=api_key.pk).save()  # as the admin would

    with django_assert_num_queries(1):
        api_key_authenticate(plaintext=plaintext)


def test_a_remembered_key_is_read_again_after_a_minute(plaintext, monkeypatch, django_assert_num_queries) -> None:
    api_key_authenticate(plaintext=plaintext)
    now = local_cache.time.monotonic()

    monkeypatch.setattr(local_cache.time, "monotonic", lambda: now + CACHE_SECONDS + 1)

    with django_assert_num_queries(1):
        api_key_authenticate(plaintext=plaintext)


def test_a_wrong_secret_is_never_served_from_memory(plaintext) -> None:
    api_key_authenticate(plaintext=plaintext)

    assert api_key_authenticate(plaintext=plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
