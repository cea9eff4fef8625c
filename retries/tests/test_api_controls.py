"""POST /v1/transactions/{ref}/pause|resume|cancel|restart, POST /v1/recoveries/by_ref/{ref}/link, and
what GET /v1/transactions/{ref} says about a transaction's recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.services import api_key_create
from messaging.models import RecoveryLink
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from recovery.tests.factories import record_failure
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
ACTIONS = ("pause", "resume", "cancel", "restart")


def control(client: APIClient, ref: str, action: str) -> Any:
    return client.post(f"/v1/transactions/{ref}/{action}")


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


@pytest.fixture
def txn(organization) -> Transaction:
    with time_machine.travel(T0, tick=False):
        return record_failure(organization=organization, transaction_ref="order/1042", amount=2000).transaction


def rows(txn: Transaction) -> tuple[Any, ...]:
    row = Transaction.objects.get(pk=txn.pk)
    return (
        row.status,
        row.recovery_paused_at,
        row.recovery_restarted_at,
        row.updated_at,
        list(RecoveryAttempt.objects.filter(transaction=txn).order_by("number").values()),
        RecoveryLink.objects.filter(transaction=txn).count(),
    )


def test_pause_answers_the_transaction_with_its_attempts_and_a_second_pause_changes_nothing(api_client, txn) -> None:
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        first = control(api_client, "order/1042", "pause")
        second = control(api_client, "order/1042", "pause")

    assert first.status_code == 200
    data = first.json()
    assert (data["object"], data["action"], data["changed"], data["next_step"]) == (
        "recovery_control",
        "pause",
        True,
        None,
    )
    shown = data["transaction"]
    assert (shown["id"], shown["transaction_ref"], shown["status"]) == (txn.public_id, "order/1042", "failed")
    assert (shown["recovery_paused"], shown["recovery_paused_at"]) == (True, "2026-12-03T11:00:00Z")
    assert [(a["number"], a["status"], a["error"]) for a in shown["attempts"]] == [
        (1, "cancelled", "recovery paused by the merchant")
    ]
    assert second.status_code == 200
    assert second.json()["changed"] is False
    assert second.json()["transaction"] == shown


def test_resume_answers_the_next_step_the_planner_chose(api_client, txn) -> None:
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        control(api_client, "order/1042", "pause")
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        response = control(api_client, "order/1042", "resume")

    assert response.status_code == 200
    data = response.json()
    planned = RecoveryAttempt.objects.get(transaction=txn, status=AttemptStatus.SCHEDULED)
    assert data["changed"] is True
    assert data["next_step"]["action"] == "email"
    assert (data["next_step"]["attempt"], data["next_step"]["number"]) == (planned.public_id, 2)
    assert data["next_step"]["reasons"][0] == {
        "code": "control.resumed",
        "text": "recovery resumed by the merchant on Thu 3 Dec 12:00 UTC",
    }
    assert data["transaction"]["recovery_paused"] is False
    assert [a["status"] for a in data["transaction"]["attempts"]] == ["cancelled", "scheduled"]


def test_cancel_and_restart_answer_the_transaction_as_it_now_is(api_client, txn) -> None:
    cancelled = control(api_client, "order/1042", "cancel")
    assert (cancelled.status_code, cancelled.json()["transaction"]["status"]) == (200, "cancelled")

    other = record_failure(organization=txn.organization, transaction_ref="order-7").transaction
    Transaction.objects.filter(pk=other.pk).update(status=TransactionStatus.ABANDONED)
    restarted = control(api_client, "order-7", "restart")

    assert restarted.status_code == 200
    data = restarted.json()
    assert (data["changed"], data["transaction"]["status"]) == (True, "failed")
    assert data["transaction"]["recovery_restarted_at"] is not None
    assert data["next_step"]["reasons"][0]["code"] == "control.restarted"


@pytest.mark.parametrize(
    ("status", "action", "code"),
    [
        (TransactionStatus.RECOVERED, "pause", "transaction_recovered"),
        (TransactionStatus.RECOVERED, "resume", "transaction_recovered"),
        (TransactionStatus.RECOVERED, "cancel", "transaction_recovered"),
        (TransactionStatus.RECOVERED, "restart", "transaction_recovered"),
        (TransactionStatus.CANCELLED, "resume", "transaction_cancelled"),
        (TransactionStatus.ABANDONED, "pause", "transaction_abandoned"),
    ],
)
def test_a_conflict_is_409_with_its_code_and_changes_nothing(
    api_client, txn, status: str, action: str, code: str
) -> None:
    Transaction.objects.filter(pk=txn.pk).update(status=status)
    before = rows(txn)

    response = control(api_client, "order/1042", action)

    assert response.status_code == 409
    assert error_of(response)["type"] == "invalid_request_error"
    assert (error_of(response)["code"], error_of(response)["param"]) == (code, "transaction_ref")
    assert error_of(response)["message"].startswith("Transaction 'order/1042' ")
    assert rows(txn) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unknown_reference_is_404(api_client, txn, action: str) -> None:
    before = rows(txn)

    response = control(api_client, "order-404", action)

    assert response.status_code == 404
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "transaction_not_found",
        "message": "No transaction with this reference.",
        "param": "transaction_ref",
    }
    assert rows(txn) == before


@pytest.mark.parametrize(
    "path", [*(f"/v1/transactions/order/1042/{action}" for action in ACTIONS), "/v1/recoveries/by_ref/order/1042/link"]
)
def test_a_read_only_key_may_not_control_recovery_nor_take_links(organization, txn, path: str) -> None:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, name='r', role=Role.ANALYST).plaintext}"
    )
    before = rows(txn)

    response = client.post(path)

    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_role"
    assert rows(txn) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_control_is_a_post(api_client, txn, action: str) -> None:
    before = rows(txn)

    response = api_client.get(f"/v1/transactions/order/1042/{action}")

    assert response.status_code == 405
    assert rows(txn) == before


def test_a_merchant_takes_a_link_for_its_own_message(api_client, txn, settings) -> None:
    settings.PUBLIC_BASE_URL = "https://tinko.example.com"

    with time_machine.travel(T0, tick=False):
        response = api_client.post("/v1/recoveries/by_ref/order/1042/link")

    assert response.status_code == 201
    data = response.json()
    link = RecoveryLink.objects.get(transaction=txn)
    assert set(data) == {"object", "url", "expires_at"}
    assert data["object"] == "recovery_link"
    assert data["url"].startswith(f"https://tinko.example.com/pay/retry/{link.public_id}.")
    assert data["expires_at"] == "2026-12-06T10:00:00Z", "the Standard policy's 72 hours"
    assert api_client.get(data["url"].removeprefix("https://tinko.example.com")).status_code == 302


@pytest.mark.parametrize(
    "status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED, TransactionStatus.ABANDONED]
)
def test_no_link_for_a_closed_transaction(api_client, txn, status: str) -> None:
    Transaction.objects.filter(pk=txn.pk).update(status=status)

    response = api_client.post("/v1/recoveries/by_ref/order/1042/link")

    assert response.status_code == 409
    assert error_of(response)["code"] == f"transaction_{status}"
    assert not RecoveryLink.objects.exists()


def test_no_link_for_an_unknown_reference(api_client, txn) -> None:
    response = api_client.post("/v1/recoveries/by_ref/order-404/link")

    assert (response.status_code, error_of(response)["code"]) == (404, "transaction_not_found")
    assert not RecoveryLink.objects.exists()


def test_a_transaction_shows_its_attempts_with_the_planners_reasons_and_its_recovery_state(api_client, txn) -> None:
    first = RecoveryAttempt.objects.get(transaction=txn)
    started = T0 + timedelta(days=1)
    RecoveryAttempt.objects.filter(pk=first.pk).update(
        status=AttemptStatus.SENT, started_at=started, finished_at=started + timedelta(seconds=2)
    )
    charge = factories.attempt(
        transaction=txn,
        number=2,
        channel=Channel.AUTO_CHARGE,
        scheduled_at=T0 + timedelta(days=2),
        status=AttemptStatus.FAILED,
        gateway_payment_id="pi_Declined0001",
        error="declined: insufficient_funds",
        reasons=[{"code": "schedule.backoff", "text": "attempt 2 of 6: 2 days after the last attempt"}],
        started_at=T0 + timedelta(days=2),
        finished_at=T0 + timedelta(days=2, seconds=3),
    )

    data = api_client.get("/v1/transactions/order/1042").json()

    assert [attempt["id"] for attempt in data["attempts"]] == [first.public_id, charge.public_id]
    assert data["attempts"][0]["reasons"] == first.reasons
    assert data["attempts"][0]["reasons"], "the planner said why"
    assert data["attempts"][1] == {
        "id": charge.public_id,
        "object": "recovery_attempt",
        "number": 2,
        "channel": "auto_charge",
        "status": "failed",
        "scheduled_at": "2026-12-05T10:00:00Z",
        "started_at": "2026-12-05T10:00:00Z",
        "finished_at": "2026-12-05T10:00:03Z",
        "gateway_payment_id": "pi_Declined0001",
        "error": "declined: insufficient_funds",
        "reasons": [{"code": "schedule.backoff", "text": "attempt 2 of 6: 2 days after the last attempt"}],
    }
    assert {
        name: data[name] for name in ("recovered_by", "recovery_note", "recovery_paused", "recovery_restarted_at")
    } == {
        "recovered_by": None,
        "recovery_note": None,
        "recovery_paused": False,
        "recovery_restarted_at": None,
    }
