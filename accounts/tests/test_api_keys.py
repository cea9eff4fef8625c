import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.selectors import api_key_find_active
from accounts.services import api_key_create, api_key_revoke


@pytest.mark.django_db
def test_a_key_is_stored_only_as_a_hash(organization) -> None:
    issued = api_key_create(organization=organization, name="Backend", mode="live")

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.plaintext.startswith(f"tk_live_{stored.lookup}")
    assert len(issued.plaintext) == len("tk_live_") + 12 + 32
    assert stored.secret_hash == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    assert issued.plaintext not in {getattr(stored, f.attname) for f in ApiKey._meta.concrete_fields}
    assert stored.display_prefix == f"tk_live_{stored.lookup}"
    assert stored.public_id.startswith("key_")


@pytest.mark.django_db
def test_lookup_rejects_a_tampered_secret_or_a_swapped_mode(organization) -> None:
    issued = api_key_create(organization=organization, name="Backend", mode="test")

    assert api_key_find_active(plaintext=issued.plaintext) == issued.api_key
    assert api_key_find_active(plaintext=issued.plaintext[:-1] + ("A" if issued.plaintext[-1] != "A" else "B")) is None
    assert api_key_find_active(plaintext=issued.plaintext.replace("tk_test_", "tk_live_")) is None
    assert api_key_find_active(plaintext="sk_test_123") is None
    assert api_key_find_active(plaintext="tk_test_") is None


@pytest.mark.django_db
def test_lookup_reads_the_key_and_its_organization_in_one_query(organization, django_assert_num_queries) -> None:
    issued = api_key_create(organization=organization, name="Backend", mode="live", role="analyst")
    ApiKey.objects.filter(pk=issued.api_key.pk).update(last_used_at=timezone.now())
    stored = ApiKey.objects.select_related("organization").get(pk=issued.api_key.pk)

    with django_assert_num_queries(1):
        found = api_key_find_active(plaintext=issued.plaintext)
        assert found is not None
        assert found.organization.slug == organization.slug

    for field in ApiKey._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname), field.name
    for field in type(organization)._meta.concrete_fields:
        assert getattr(found.organization, field.attname) == getattr(stored.organization, field.attname), field.name
    assert timezone.is_aware(found.created_at)
    assert found.last_used_at is not None
    assert timezone.is_aware(found.last_used_at)
    assert found._state.adding is False


@pytest.mark.django_db
def test_organization_endpoint_answers_for_the_keys_organization(api_client: APIClient, organization) -> None:
    response = api_client.get("/v1/organization")

    assert response.status_code == 200
    assert response.json() == {
        "id": organization.public_id,
        "name": organization.name,
        "slug": organization.slug,
        "mode": "test",
        "time_zone": "UTC",
        "default_currency": "USD",
    }


@pytest.mark.django_db
def test_last_used_is_recorded_at_most_once_a_minute(api_client: APIClient, issued_api_key) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api_client.get("/v1/organization")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api_client.get("/v1/organization")
    issued_api_key.api_key.refresh_from_db()
    assert issued_api_key.api_key.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_client.get("/v1/organization")
    issued_api_key.api_key.refresh_from_db()
    assert issued_api_key.api_key.last_used_at == start + timedelta(seconds=61)


@pytest.mark.django_db
def test_revoking_twice_keeps_the_first_time(organization) -> None:
    issued = api_key_create(organization=organization, name="Old")
    first = api_key_revoke(api_key=issued.api_key).revoked_at

    second = api_key_revoke(api_key=issued.api_key).revoked_at

    assert first is not None
    assert second == first


@pytest.mark.django_db
def test_create_api_key_prints_the_key_alone_on_its_last_line(organization, capsys) -> None:
    call_command("create_api_key", "--org", organization.slug, "--name", "Ops", "--mode", "live")

    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    api_key = api_key_find_active(plaintext=last_line)
    assert api_key is not None
    assert (api_key.organization, api_key.name, api_key.mode) == (organization, "Ops", "live")


@pytest.mark.django_db
def test_create_api_key_for_an_unknown_org_fails_and_creates_nothing() -> None:
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("create_api_key", "--org", "nope")

    assert ApiKey.objects.count() == 0
