"""POST /v1/events/payment_succeeded: the merchant says a failed payment was paid outside Tinko."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.services import api_key_create
from recovery.enums import TransactionStatus
from recovery.models import PaymentMismatch, Transaction
from recovery.tests.factories import record_failure
from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt
from tinko.models import IdempotencyKey
from tinko.tests.locks import hold_idempotency_key

URL = "/v1/events/payment_succeeded"
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "transaction_ref": "order_1042",
        "amount": 249900,
        "currency": "INR",
        "paid_at": "2026-11-21T10:30:00+05:30",
        "note": "NEFT from the customer",
    }
    values.update(overrides)
    return values


def post(client: APIClient, payload: Any, key: str | None = "paid-1") -> Any:
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


@pytest.fixture
def owed(organization) -> Transaction:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        return record_failure(
            organization=organization, transaction_ref="order_1042", amount=249900, currency="INR"
        ).transaction


def state(txn: Transaction) -> tuple[Any, ...]:
    txn.refresh_from_db()
    attempts = tuple(RecoveryAttempt.objects.filter(transaction=txn).values_list("status", flat=True))
    return (
        txn.status,
        txn.recovered_amount,
        txn.recovered_by,
        txn.updated_at,
        attempts,
        PaymentMismatch.objects.count(),
        IdempotencyKey.objects.count(),
    )


@pytest.mark.django_db
def test_a_payment_made_outside_tinko_recovers_the_transaction_credited_to_the_merchant(api_client, owed) -> None:
    with time_machine.travel(NOW, tick=False):
        response = post(api_client, body())

    assert response.status_code == 200
    assert not response.has_header("Idempotent-Replayed")
    owed.refresh_from_db()
    data = response.json()
    assert (data["object"], data["effect"], data["payment_mismatch"]) == ("payment_result", "recovered", None)
    assert data["transaction"]["id"] == owed.public_id
    assert {name: data["transaction"][name] for name in ("status", "recovered_amount", "recovered_at")} == {
        "status": "recovered",
        "recovered_amount": 249900,
        "recovered_at": "2026-11-21T05:00:00Z",
    }
    assert {name: data["transaction"][name] for name in ("recovered_by", "recovery_note", "recovery_paused")} == {
        "recovered_by": "merchant",
        "recovery_note": "NEFT from the customer",
        "recovery_paused": False,
    }
    assert (owed.status, owed.recovered_by, owed.recovered_at) == (
        TransactionStatus.RECOVERED,
        "merchant",
        datetime(2026, 11, 21, 5, 0, tzinfo=UTC),
    )
    assert list(RecoveryAttempt.objects.filter(transaction=owed).values_list("status", flat=True)) == [
        AttemptStatus.CANCELLED
    ]


@pytest.mark.django_db
def test_paid_at_and_note_may_be_left_out(api_client, owed) -> None:
    with time_machine.travel(NOW, tick=False):
        response = post(api_client, {"transaction_ref": "order_1042", "amount": 249900, "currency": "inr"})

    assert response.status_code == 200
    assert (response.json()["transaction"]["recovered_at"], response.json()["transaction"]["recovery_note"]) == (
        "2026-11-21T06:00:00Z",
        None,
    )


@pytest.mark.django_db
def test_the_same_request_again_replays_the_first_answer_byte_for_byte(api_client, owed) -> None:
    first = post(api_client, body())
    again = post(api_client, body())

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_the_key_with_another_body_is_refused_and_changes_nothing(api_client, owed) -> None:
    post(api_client, body())
    before = state(owed)

    response = post(api_client, body(note="another note"))

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert state(owed) == before


@pytest.mark.django_db
def test_a_payment_for_less_is_kept_as_a_mismatch_once_and_the_transaction_stays_open(api_client, owed) -> None:
    response = post(api_client, body(amount=200000))
    post(api_client, body(amount=200000))  # the retry replays

    assert response.status_code == 200
    data = response.json()
    assert (data["effect"], data["transaction"]["status"], data["transaction"]["recovered_by"]) == (
        "mismatch",
        "failed",
        None,
    )
    assert {name: data["payment_mismatch"][name] for name in ("amount", "currency", "recovered", "reason")} == {
        "amount": 200000,
        "currency": "INR",
        "recovered": False,
        "reason": "paid 200000 INR, less than the 249900 owed",
    }
    assert PaymentMismatch.objects.count() == 1
    assert RecoveryAttempt.objects.get(transaction=owed).status == AttemptStatus.SCHEDULED


@pytest.mark.django_db
def test_a_payment_for_more_recovers_and_is_kept_as_a_mismatch(api_client, owed) -> None:
    data = post(api_client, body(amount=260000)).json()

    assert (data["effect"], data["transaction"]["recovered_amount"], data["payment_mismatch"]["recovered"]) == (
        "recovered",
        260000,
        True,
    )


@pytest.mark.django_db
def test_an_unknown_reference_is_404_and_stores_nothing(api_client, owed) -> None:
    before = state(owed)

    response = post(api_client, body(transaction_ref="order_404"))

    assert response.status_code == 404
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "transaction_not_found",
        "message": "No transaction with this reference.",
        "param": "transaction_ref",
    }
    assert state(owed) == before
    assert post(api_client, body()).status_code == 200, "the key was not used up"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED])
def test_a_closed_transaction_is_a_conflict_that_changes_nothing(api_client, owed, status: str) -> None:
    Transaction.objects.filter(pk=owed.pk).update(status=status)
    before = state(owed)

    response = post(api_client, body())

    assert response.status_code == 409
    assert error_of(response)["code"] == f"transaction_{status}"
    assert (
        error_of(response)["message"] == f"Transaction 'order_1042' was {status} before: the payment changes nothing."
    )
    assert state(owed) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "key", "code", "param"),
    [
        (body(), None, "idempotency_key_missing", "Idempotency-Key"),
        (body(), "has space", "invalid_idempotency_key", "Idempotency-Key"),
        (body(surprise=1), "k", "unknown_field", "surprise"),
        (body(amount=0), "k", "invalid_amount", "amount"),
        (body(amount="249900"), "k", "invalid_amount", "amount"),
        (body(currency="XXQ"), "k", "invalid_currency", "currency"),
        (body(transaction_ref=" "), "k", "missing_field", "transaction_ref"),
        (body(paid_at="2026-11-21T10:30:00"), "k", "invalid_datetime", "paid_at"),
        (body(paid_at="2026-11-21T06:06:00Z"), "k", "paid_at_in_future", "paid_at"),
        (body(note="x" * 501), "k", "too_long", "note"),
        (body(note="bell\u0007"), "k", "invalid_characters", "note"),
        ([body()], "k", "invalid_type", None),
    ],
)
def test_a_bad_request_is_400_and_changes_nothing(
    api_client, owed, payload: Any, key: str | None, code: str, param: str | None
) -> None:
    before = state(owed)

    with time_machine.travel(NOW, tick=False):
        response = post(api_client, payload, key=key)

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["param"]) == (code, param)
    assert state(owed) == before


@pytest.mark.django_db
def test_a_read_only_key_is_refused_and_changes_nothing(organization, owed) -> None:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, name='r', role=Role.ANALYST).plaintext}"
    )
    before = state(owed)

    response = post(client, body())

    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_role"
    assert state(owed) == before


@pytest.mark.django_db
def test_a_test_key_never_recovers_a_live_transaction(api_client, organization) -> None:
    live = record_failure(
        organization=organization, livemode=True, transaction_ref="order_1042", amount=249900, currency="INR"
    ).transaction

    response = post(api_client, body())

    live.refresh_from_db()
    assert response.status_code == 404
    assert live.status == TransactionStatus.FAILED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's advisory locks (set DATABASE_URL)")
def test_a_key_still_in_flight_is_refused_with_409(api_client, owed) -> None:
    with hold_idempotency_key(owed.organization, "paid-1"):
        response = post(api_client, body())

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_in_use"
    owed.refresh_from_db()
    assert owed.status == TransactionStatus.FAILED
    assert post(api_client, body()).status_code == 200
