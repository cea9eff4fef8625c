"""The shared idempotency-key machinery, independent of any endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.tests.factories import OrganizationFactory
from tinko.api import ApiError
from tinko.idempotency import (
    ClaimState,
    StoredResponse,
    idempotency_claim,
    idempotency_claim_many,
    idempotency_key_validate,
    idempotency_purge,
    idempotency_store,
    idempotent_run,
    request_fingerprint,
)
from tinko.models import IdempotencyKey
from tinko.schedules import PERIODIC_TASKS
from tinko.tests.locks import hold_idempotency_key


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


def store(organization, key: str, fingerprint: str, body: bytes = b"{}") -> None:
    idempotency_store(
        organization=organization, livemode=False, responses=[(key, fingerprint, StoredResponse(201, body))]
    )


@pytest.mark.django_db
def test_free_then_stored_then_replayed_or_reused(organization) -> None:
    first = idempotency_claim(organization=organization, livemode=False, key="k", fingerprint="f1")
    store(organization, "k", "f1", b'{"ok":true}')
    replay = idempotency_claim(organization=organization, livemode=False, key="k", fingerprint="f1")
    reused = idempotency_claim(organization=organization, livemode=False, key="k", fingerprint="f2")

    assert first.state is ClaimState.FREE
    assert replay.state is ClaimState.REPLAY
    assert replay.stored == StoredResponse(201, b'{"ok":true}')
    assert reused.state is ClaimState.REUSED
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_the_unique_constraint_admits_a_key_once(organization) -> None:
    store(organization, "k", "f")

    with pytest.raises(IntegrityError), transaction.atomic():
        store(organization, "k", "f")


@pytest.mark.django_db
def test_keys_are_per_organization(organization) -> None:
    other = OrganizationFactory.create()
    store(organization, "k", "f")

    assert idempotency_claim(organization=other, livemode=False, key="k", fingerprint="f").state is ClaimState.FREE


@pytest.mark.django_db
def test_reading_many_keys_sorts_each_into_its_state_in_one_query(organization, django_assert_num_queries) -> None:
    store(organization, "done", "f")

    with django_assert_num_queries(1):
        claims = idempotency_claim_many(
            organization=organization,
            livemode=False,
            requests=[("new-1", "f"), ("done", "f"), ("done-elsewhere", "g"), ("new-2", "f")],
        )
    reused = idempotency_claim_many(organization=organization, livemode=False, requests=[("done", "different")])

    assert {key: claim.state for key, claim in claims.items()} == {
        "new-1": ClaimState.FREE,
        "done": ClaimState.REPLAY,
        "done-elsewhere": ClaimState.FREE,
        "new-2": ClaimState.FREE,
    }
    assert reused["done"].state is ClaimState.REUSED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's advisory locks (set DATABASE_URL)")
def test_a_key_whose_request_is_still_running_is_in_use_until_its_transaction_ends(organization) -> None:
    with hold_idempotency_key(organization, "k"):
        with transaction.atomic():
            during = idempotency_claim(organization=organization, livemode=False, key="k", fingerprint="f")
        with transaction.atomic():
            other_key = idempotency_claim(organization=organization, livemode=False, key="k2", fingerprint="f")
    with transaction.atomic():
        after = idempotency_claim(organization=organization, livemode=False, key="k", fingerprint="f")

    assert (during.state, other_key.state, after.state) == (ClaimState.IN_USE, ClaimState.FREE, ClaimState.FREE)


@pytest.mark.django_db
def test_idempotent_run_runs_once_and_replays_byte_for_byte(organization) -> None:
    calls = []

    def handler() -> StoredResponse:
        calls.append(1)
        return StoredResponse(201, b'{"n": 1}')

    first = idempotent_run(
        organization=organization, livemode=False, key="k", fingerprint="f", handler=handler
    ).as_http()
    second = idempotent_run(
        organization=organization, livemode=False, key="k", fingerprint="f", handler=handler
    ).as_http()

    assert calls == [1]
    assert (first.status_code, first.content, first.has_header("Idempotent-Replayed")) == (201, b'{"n": 1}', False)
    assert (second.status_code, second.content, second["Idempotent-Replayed"]) == (201, b'{"n": 1}', "true")


@pytest.mark.django_db
def test_a_failing_handler_stores_nothing_and_frees_the_key(organization) -> None:
    def boom() -> StoredResponse:
        raise ApiError(status_code=400, code="bad", message="Bad.")

    with pytest.raises(ApiError):
        idempotent_run(organization=organization, livemode=False, key="k", fingerprint="f", handler=boom)

    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_the_purge_keeps_keys_for_the_retention_and_then_deletes_them(organization, settings) -> None:
    settings.IDEMPOTENCY_RETENTION_HOURS = 24
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=25)):
        store(organization, "old", "f")
    with time_machine.travel(now - timedelta(hours=23)):
        store(organization, "recent", "f")

    deleted = idempotency_purge(now=now, batch_size=1)

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_the_purge_deletes_oldest_first_in_batches_and_stops_when_its_time_is_up(organization, settings) -> None:
    settings.IDEMPOTENCY_RETENTION_HOURS = 24
    now = timezone.now()
    for hours, key in ((30, "oldest"), (29, "older"), (28, "old"), (1, "recent")):
        with time_machine.travel(now - timedelta(hours=hours)):
            store(organization, key, "f")

    first_run = idempotency_purge(now=now, batch_size=2, max_seconds=0)
    left_after_first = sorted(IdempotencyKey.objects.values_list("key", flat=True))
    second_run = idempotency_purge(now=now, batch_size=2, max_seconds=0)

    assert (first_run, left_after_first) == (2, ["old", "recent"])
    assert second_run == 1
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
