"""Test and live data kept apart: a key or gateway account of one mode never reads or changes the other's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.enums import ApiKeyMode
from accounts.tests.factories import ApiKeyFactory
from payments.enums import GatewayMode, WebhookEventStatus
from payments.services import webhook_event_process
from payments.tests.factories import GatewayAccountFactory, inbox_event
from payments.tests.payloads import fixture
from recovery.enums import TransactionStatus
from recovery.models import FailureEvent, PaymentMismatch, Transaction
from recovery.tests.factories import record_failure
from tinko.models import IdempotencyKey

URL = "/v1/events/payment_failed"


def _client(organization: Any, mode: str) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {ApiKeyFactory.issue(organization=organization, mode=mode).plaintext}"
    )
    return client


@pytest.fixture
def test_client(organization) -> APIClient:
    return _client(organization, ApiKeyMode.TEST)


@pytest.fixture
def live_client(organization) -> APIClient:
    return _client(organization, ApiKeyMode.LIVE)


def _failure(**overrides: Any) -> dict[str, Any]:
    return {
        "transaction_ref": "order-7",
        "amount": 2000,
        "currency": "USD",
        "failure_code": "insufficient_funds",
    } | overrides


def _post(client: APIClient, body: dict[str, Any], key: str) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_test_key_and_a_live_key_write_apart_under_the_same_reference_and_key(test_client, live_client) -> None:
    test = _post(test_client, _failure(), key="k-1")
    # Another amount under the same key and reference: in live mode it is a different request entirely.
    live = _post(live_client, _failure(amount=5000), key="k-1")

    assert (test.status_code, live.status_code) == (201, 201)
    assert (test.json()["transaction"]["livemode"], live.json()["transaction"]["livemode"]) == (False, True)
    assert test.json()["event"]["livemode"] is False
    assert sorted(Transaction.objects.values_list("livemode", "amount")) == [(False, 2000), (True, 5000)]
    assert sorted(FailureEvent.objects.values_list("livemode", flat=True)) == [False, True]
    assert sorted(IdempotencyKey.objects.values_list("livemode", flat=True)) == [False, True]

    again = _post(test_client, _failure(), key="k-1")
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.content == test.content


@pytest.mark.django_db
def test_a_batch_writes_in_its_keys_mode(test_client, live_client) -> None:
    body = {"events": [_failure(idempotency_key="b-1")]}
    for client in (test_client, live_client):
        response = client.post("/v1/events/batch", json.dumps(body), content_type="application/json")
        assert response.json()["results"][0]["outcome"] == "created"

    assert sorted(Transaction.objects.values_list("livemode", flat=True)) == [False, True]


@pytest.mark.django_db
def test_each_key_lists_and_reads_only_its_own_modes_transactions(organization, test_client, live_client) -> None:
    record_failure(organization=organization, transaction_ref="only-test")
    record_failure(organization=organization, livemode=True, transaction_ref="only-live")

    assert [t["transaction_ref"] for t in test_client.get("/v1/transactions").json()["data"]] == ["only-test"]
    assert [t["transaction_ref"] for t in live_client.get("/v1/transactions").json()["data"]] == ["only-live"]
    assert test_client.get("/v1/transactions/only-live").status_code == 404
    assert live_client.get("/v1/transactions/only-test").status_code == 404
    assert live_client.get("/v1/transactions/only-live").json()["livemode"] is True


@pytest.fixture(autouse=True)
def _real_handler(settings):
    settings.PAYMENTS_OUTCOME_HANDLER = "recovery.gateway_events.payment_outcome_handle"


def _succeeded(account: Any, event_id: str = "evt_3QpSucceeded0001", **changes: Any) -> str:
    payload = fixture("stripe", "payment_intent.succeeded.json")
    payload["id"] = event_id
    payload["livemode"] = payload["data"]["object"]["livemode"] = account.mode == GatewayMode.LIVE
    payload["data"]["object"].update(changes)
    return webhook_event_process(webhook_event_id=inbox_event(account, payload).pk)


@pytest.mark.django_db
def test_a_test_mode_success_never_recovers_a_live_transaction(organization) -> None:
    live = record_failure(
        organization=organization, livemode=True, transaction_ref="order-1042", amount=2000
    ).transaction
    test_account = GatewayAccountFactory.stripe(organization=organization, mode=GatewayMode.TEST)

    assert _succeeded(test_account) == WebhookEventStatus.DONE

    live.refresh_from_db()
    assert live.status == TransactionStatus.FAILED


@pytest.mark.django_db
def test_a_live_success_recovers_the_live_transaction_only(organization) -> None:
    test = record_failure(organization=organization, transaction_ref="order-1042", amount=2000).transaction
    live = record_failure(
        organization=organization, livemode=True, transaction_ref="order-1042", amount=2000
    ).transaction
    live_account = GatewayAccountFactory.stripe(organization=organization, mode=GatewayMode.LIVE)

    _succeeded(live_account)

    test.refresh_from_db()
    live.refresh_from_db()
    assert (test.status, live.status) == (TransactionStatus.FAILED, TransactionStatus.RECOVERED)


@pytest.fixture
def owed(organization) -> Transaction:
    return record_failure(organization=organization, transaction_ref="order-1042", amount=2000).transaction


@pytest.fixture
def stripe_test(organization) -> Any:
    return GatewayAccountFactory.stripe(organization=organization)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amount": 1500, "amount_received": 1500}, "paid 1500 USD, less than the 2000 owed"),
        ({"currency": "eur"}, "paid in EUR, owed in USD"),
    ],
)
def test_a_payment_of_less_or_in_another_currency_is_flagged_and_leaves_the_transaction_open(
    owed, stripe_test, changes: dict[str, Any], reason: str
) -> None:
    assert _succeeded(stripe_test, **changes) == WebhookEventStatus.DONE
    _succeeded(stripe_test, "evt_3QpSucceeded0002", **changes)  # another event for the same payment

    owed.refresh_from_db()
    assert (owed.status, owed.recovered_amount) == (TransactionStatus.FAILED, None)
    mismatch = PaymentMismatch.objects.get()
    assert (mismatch.transaction, mismatch.recovered, mismatch.reason) == (owed, False, reason)
    assert (mismatch.gateway, mismatch.gateway_payment_id, mismatch.livemode) == (
        "stripe",
        "pi_3QpRecovered0001",
        False,
    )


@pytest.mark.django_db
def test_a_payment_of_more_recovers_and_is_flagged(owed, stripe_test, api_client) -> None:
    _succeeded(stripe_test, amount=2500, amount_received=2500)

    owed.refresh_from_db()
    assert (owed.status, owed.recovered_amount) == (TransactionStatus.RECOVERED, 2500)
    shown = api_client.get("/v1/transactions/order-1042").json()["payment_mismatches"]
    assert [(m["amount"], m["currency"], m["recovered"], m["reason"]) for m in shown] == [
        (2500, "USD", True, "paid 2500 USD, more than the 2000 owed")
    ]


@pytest.mark.django_db
def test_the_exact_payment_recovers_without_a_flag(owed, stripe_test) -> None:
    _succeeded(stripe_test)

    owed.refresh_from_db()
    assert (owed.status, owed.recovered_amount) == (TransactionStatus.RECOVERED, 2000)
    assert not PaymentMismatch.objects.exists()
