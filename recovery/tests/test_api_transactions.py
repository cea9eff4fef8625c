"""GET /v1/transactions, GET /v1/transactions/{transaction_ref}, POST /v1/classify."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from accounts.tests.factories import OrganizationFactory
from recovery.models import Transaction
from recovery.tests.factories import classifier_rule, record_failure

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def refs(response) -> list[str]:
    return [item["transaction_ref"] for item in response.json()["data"]]


@pytest.fixture
def five_transactions(organization) -> list[Transaction]:
    made = []
    shapes: list[dict[str, Any]] = [
        {"gateway": "stripe", "failure_code": "insufficient_funds"},
        {"gateway": "razorpay", "failure_code": "payment_pending", "payment_method_type": "upi", "currency": "INR"},
        {"gateway": "stripe", "failure_code": "lost_card"},
        {"gateway": "other", "network_decline_code": "51", "currency": "JPY"},
        {"gateway": "stripe", "failure_code": "expired_card"},
    ]
    for index, shape in enumerate(shapes):
        with time_machine.travel(T0 + timedelta(hours=index), tick=False):
            made.append(record_failure(organization=organization, transaction_ref=f"t-{index}", **shape).transaction)
    return made


@pytest.mark.django_db
def test_the_list_is_newest_first_and_pages_by_cursor(api_client, five_transactions) -> None:
    first = api_client.get("/v1/transactions", {"limit": 2})
    second = api_client.get("/v1/transactions", {"limit": 2, "cursor": first.json()["next_cursor"]})
    third = api_client.get("/v1/transactions", {"limit": 2, "cursor": second.json()["next_cursor"]})

    assert first.status_code == 200
    assert (refs(first), first.json()["has_more"]) == (["t-4", "t-3"], True)
    assert (refs(second), second.json()["has_more"]) == (["t-2", "t-1"], True)
    assert (refs(third), third.json()["has_more"], third.json()["next_cursor"]) == (["t-0"], False, None)
    assert first.json()["object"] == "list"
    assert first.json()["data"][0]["id"] == five_transactions[4].public_id


@pytest.mark.django_db
def test_transactions_created_in_the_same_instant_are_neither_lost_nor_repeated(api_client, organization) -> None:
    with time_machine.travel(T0, tick=False):
        for index in range(5):
            record_failure(organization=organization, transaction_ref=f"same-{index}")

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api_client.get("/v1/transactions", params).json()
        seen += [item["transaction_ref"] for item in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert sorted(seen) == [f"same-{index}" for index in range(5)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "funds"}, ["t-3", "t-0"]),
        ({"category": "do_not_retry"}, ["t-2"]),
        ({"status": "failed", "gateway": "stripe"}, ["t-4", "t-2", "t-0"]),
        ({"payment_method_type": "upi"}, ["t-1"]),
        ({"created_gte": "2026-11-01T13:00:00Z", "created_lt": "2026-11-01T15:00:00+00:00"}, ["t-2", "t-1"]),
        ({"status": "recovered"}, []),
    ],
)
def test_the_list_filters(api_client, five_transactions, params, expected) -> None:
    assert refs(api_client.get("/v1/transactions", params)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"status": "lost"}, "invalid_choice", "status"),
        ({"category": "x"}, "invalid_choice", "category"),
        ({"limit": "0"}, "invalid_limit", "limit"),
        ({"limit": "101"}, "invalid_limit", "limit"),
        ({"limit": "ten"}, "invalid_limit", "limit"),
        ({"limit": "²"}, "invalid_limit", "limit"),
        ({"gateway": "stripe "}, "invalid_gateway", "gateway"),
        ({"created_gte": "2026-11-01"}, "invalid_datetime", "created_gte"),
        ({"sort": "amount"}, "unknown_parameter", "sort"),
    ],
)
def test_bad_list_parameters_are_a_400(api_client, params, code, param) -> None:
    response = api_client.get("/v1/transactions", params)

    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == (code, param)


@pytest.mark.django_db
def test_a_cursor_this_api_did_not_return_names_no_page(api_client) -> None:
    response = api_client.get("/v1/transactions", {"cursor": "garbage!"})

    assert response.status_code == 404
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": "cursor_not_found",
        "message": "The cursor is not one this API returned.",
        "param": "cursor",
    }


@pytest.mark.django_db
def test_the_gateway_filter_takes_any_case(api_client, organization) -> None:
    record_failure(organization=organization, transaction_ref="t-1", gateway="stripe")

    response = api_client.get("/v1/transactions", {"gateway": "Stripe"})

    assert [txn["transaction_ref"] for txn in response.json()["data"]] == ["t-1"]


@pytest.mark.django_db
def test_another_organizations_transactions_are_invisible(api_client, organization) -> None:
    other = OrganizationFactory.create()
    record_failure(organization=other, transaction_ref="theirs")

    listed = api_client.get("/v1/transactions")
    detail = api_client.get("/v1/transactions/theirs")

    assert listed.json()["data"] == []
    assert detail.status_code == 404
    assert detail.json()["error"]["code"] == "transaction_not_found"


@pytest.mark.django_db
def test_the_detail_has_every_failure_newest_first(api_client, organization) -> None:
    record_failure(organization=organization, transaction_ref="order/7", occurred_at=T0, idempotency_key="a")
    record_failure(
        organization=organization,
        transaction_ref="order/7",
        occurred_at=T0 + timedelta(days=1),
        failure_code="expired_card",
        idempotency_key="b",
    )

    response = api_client.get("/v1/transactions/order/7")

    assert response.status_code == 200
    body = response.json()
    assert (body["transaction_ref"], body["failure_count"], body["category"]) == ("order/7", 2, "card_invalid")
    assert [event["failure_code"] for event in body["events"]] == ["expired_card", "insufficient_funds"]
    assert [event["classification"]["rule"] for event in body["events"]] == [
        "stripe:expired_card",
        "stripe:insufficient_funds",
    ]
    assert all(event["transaction"] == body["id"] for event in body["events"])


@pytest.mark.django_db
def test_classify_decides_without_recording_anything(api_client) -> None:
    response = api_client.post(
        "/v1/classify",
        json.dumps({"gateway": "other", "code": "U69", "payment_method_type": "upi"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "category": "auth_timeout",
        "retryable": True,
        "action": "retry_later",
        "recommendation": "Send the payer a link to try again and finish the approval step.",
        "alternatives": ["upi", "card", "netbanking", "wallet"],
        "cooldown_seconds": 900,
        "rule": "npci:U69",
        "explanation": "The payer did not approve the collect request before it expired.",
    }
    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_classify_uses_the_callers_overrides_and_network_law(api_client, organization) -> None:
    classifier_rule(organization=organization, slug="acme:funds", category="funds")

    def classify(body: dict) -> dict:
        return api_client.post("/v1/classify", json.dumps(body), content_type="application/json").json()

    assert classify({"gateway": "stripe", "code": "insufficient_funds"})["rule"] == "acme:funds"
    hard = classify({"gateway": "stripe", "code": "insufficient_funds", "network_advice_code": "03"})
    assert (hard["rule"], hard["retryable"]) == ("law:mastercard_mac:03", False)


@pytest.mark.django_db
def test_classify_refuses_unknown_fields(api_client) -> None:
    response = api_client.post("/v1/classify", json.dumps({"reason": "x"}), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "reason"
