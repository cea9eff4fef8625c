"""The shared idempotency-key machinery, independent of any endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from accounts.tests.factories import OrganizationFactory
from tinko.api import ApiError
from tinko.idempotency import (
    LOCK_TIMEOUT,
    ClaimState,
    StoredResponse,
    idempotency_claim,
    idempotency_claim_many,
    idempotency_complete,
    idempotency_key_validate,
    idempotency_purge,
    idempotency_release,
    idempotent_call,
    request_fingerprint,
)
from tinko.models import IdempotencyKey
from tinko.schedules import PERIODIC_TASKS


def test_the_fingerprint_ignores_key_order_and_spacing_but_not_values_or_endpoint() -> None:
    base = request_fingerprint(endpoint="POST /a", payload={"amount": 1, "currency": "USD"})

    assert request_fingerprint(endpoint="POST /a", payload={"currency": "USD", "amount": 1}) == base
    assert request_fingerprint(endpoint="POST /a", payload={"currency": "USD", "amount": 2}) != base
    assert request_fingerprint(endpoint="POST /b", payload={"amount": 1, "currency": "USD"}) != base


@pytest.mark.parametrize(("value", "code"), [(None, "idempotency_key_missing"), ("", "idempotency_key_missing"),
                                             ("has space", "invalid_idempotency_key"), ("é", "invalid_idempotency_key"),
                                             ("x" * 256, "invalid_idempotency_key")])  # fmt: skip
def test_a_missing_or_malformed_key_is_a_400(value, code) -> None:
    with pytest.raises(ApiError) as raised:
        idempotency_key_validate(value)

    assert (raised.value.status_code, raised.value.code, raised.value.param) == (400, code, "Idempotency-Key")


def test_a_uuid_or_any_printable_key_up_to_255_characters_is_fine() -> None:
    assert idempotency_key_validate("5f0c6f7e-6d1b-4d1e-9a0e-2b8f5d8c1a11") == "5f0c6f7e-6d1b-4d1e-9a0e-2b8f5d8c1a11"
    assert idempotency_key_validate("~" * 255) == "~" * 255


@pytest.mark.django_db
def test_claim_complete_replay_reuse(organization) -> None:
    first = idempotency_claim(organization=organization, key="k", fingerprint="f1")
    in_flight = idempotency_claim(organization=organization, key="k", fingerprint="f1")
    idempotency_complete(completions=[(first, StoredResponse(201, b'{"ok":true}'))])
    replay = idempotency_claim(organization=organization, key="k", fingerprint="f1")
    reused = idempotency_claim(organization=organization, key="k", fingerprint="f2")

    assert first.state is ClaimState.CLAIMED
    assert in_flight.state is ClaimState.IN_USE
    assert replay.state is ClaimState.REPLAY
    assert replay.stored == StoredResponse(201, b'{"ok":true}')
    assert reused.state is ClaimState.REUSED
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_organization(organization) -> None:
    other = OrganizationFactory.create()

    mine = idempotency_claim(organization=organization, key="k", fingerprint="f")
    theirs = idempotency_claim(organization=other, key="k", fingerprint="f")

    assert (mine.state, theirs.state) == (ClaimState.CLAIMED, ClaimState.CLAIMED)


@pytest.mark.django_db
def test_a_released_key_can_be_claimed_again(organization) -> None:
    claim = idempotency_claim(organization=organization, key="k", fingerprint="f")

    idempotency_release(claims=[claim])

    assert not IdempotencyKey.objects.exists()
    assert idempotency_claim(organization=organization, key="k", fingerprint="other").state is ClaimState.CLAIMED


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_dead_request_is_taken_over_after_the_lock_timeout(organization) -> None:
    idempotency_claim(organization=organization, key="k", fingerprint="f")

    with time_machine.travel(timezone.now() + LOCK_TIMEOUT + timedelta(seconds=1)):
        takeover = idempotency_claim(organization=organization, key="k", fingerprint="f")

    assert takeover.state is ClaimState.CLAIMED
    assert IdempotencyKey.objects.get().lock_token == takeover.token


@pytest.mark.django_db
def test_claiming_many_keys_sorts_each_into_its_state(organization, django_assert_max_num_queries) -> None:
    done = idempotency_claim(organization=organization, key="done", fingerprint="f")
    idempotency_complete(completions=[(done, StoredResponse(201, b"{}"))])
    idempotency_claim(organization=organization, key="busy", fingerprint="f")

    with django_assert_max_num_queries(2):
        claims = idempotency_claim_many(
            organization=organization,
            requests=[("new-1", "f"), ("done", "f"), ("busy", "f"), ("done-elsewhere", "g"), ("new-2", "f")],
        )
    reused = idempotency_claim_many(organization=organization, requests=[("done", "different")])

    assert {key: claim.state for key, claim in claims.items()} == {
        "new-1": ClaimState.CLAIMED,
        "done": ClaimState.REPLAY,
        "busy": ClaimState.IN_USE,
        "done-elsewhere": ClaimState.CLAIMED,
        "new-2": ClaimState.CLAIMED,
    }
    assert reused["done"].state is ClaimState.REUSED


@pytest.mark.django_db
def test_idempotent_call_runs_once_and_replays_byte_for_byte(organization) -> None:
    calls = []

    def handler() -> StoredResponse:
        calls.append(1)
        return StoredResponse(201, b'{"n": 1}')

    first = idempotent_call(organization=organization, key="k", fingerprint="f", handler=handler)
    second = idempotent_call(organization=organization, key="k", fingerprint="f", handler=handler)

    assert calls == [1]
    assert (first.status_code, first.content, first.has_header("Idempotent-Replayed")) == (201, b'{"n": 1}', False)
    assert (second.status_code, second.content, second["Idempotent-Replayed"]) == (201, b'{"n": 1}', "true")


@pytest.mark.django_db
def test_a_failing_handler_stores_nothing_and_frees_the_key(organization) -> None:
    def boom() -> StoredResponse:
        raise ApiError(status_code=400, code="bad", message="Bad.")

    with pytest.raises(ApiError):
        idempotent_call(organization=organization, key="k", fingerprint="f", handler=boom)

    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_the_purge_keeps_keys_for_the_retention_and_then_deletes_them(organization, settings) -> None:
    settings.IDEMPOTENCY_RETENTION_HOURS = 24
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=25)):
        idempotency_claim(organization=organization, key="old", fingerprint="f")
    with time_machine.travel(now - timedelta(hours=23)):
        idempotency_claim(organization=organization, key="recent", fingerprint="f")

    deleted = idempotency_purge(now=now, batch_size=1)

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_the_purge_runs_periodically() -> None:
    (spec,) = [spec for spec in PERIODIC_TASKS if spec.task == "tinko.idempotency_purge"]

    assert spec.every_seconds <= 3600


def test_a_retention_under_24_hours_is_refused(monkeypatch) -> None:
    import importlib

    import tinko.settings.base as base

    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "12")
    try:
        with pytest.raises(ImproperlyConfigured, match="at least 24"):
            importlib.reload(base)
    finally:
        monkeypatch.delenv("IDEMPOTENCY_RETENTION_HOURS")
        importlib.reload(base)
