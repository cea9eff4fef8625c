"""POST /v1/events/payment_failed and POST /v1/events/batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import ApiKeyFactory, OrganizationFactory
from recovery.models import FailureEvent, Transaction
from retries.models import RecoveryAttempt
from tinko.idempotency import StoredResponse, idempotency_store
from tinko.models import IdempotencyKey
from tinko.tests.locks import hold_idempotency_key

URL = "/v1/events/payment_failed"
BATCH_URL = "/v1/events/batch"


def event(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_ref": "order_1042",
        "amount": 249900,
        "currency": "INR",
        "gateway": "stripe",
        "failure_code": "insufficient_funds",
        "failure_message": "Your card has insufficient funds.",
        "network_decline_code": "51",
        "payment_method_type": "card",
        "occurred_at": "2026-11-20T09:15:00+05:30",
        "customer": {"email": "Asha@Example.COM", "phone": "+91 98765-43210", "name": "Asha Rao"},
        "metadata": {"plan": "annual"},
    }
    body.update(overrides)
    return body


def post(client: APIClient, body: Any, key: str | None = "key-1") -> Any:
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def assert_nothing_recorded() -> None:
    assert not Transaction.objects.exists()
    assert not FailureEvent.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_failed_payment_is_recorded_and_classified(api_client, organization) -> None:
    # Received a quarter of an hour after it failed: its next step is planned from then, whatever
    # the date the test runs on (a failure 14 days old would be given up at once).
    with time_machine.travel(datetime(2026, 11, 20, 4, 0, tzinfo=UTC), tick=False):
        response = post(api_client, event())

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    body = response.json()
    txn = Transaction.objects.get()
    event_row = FailureEvent.objects.get()
    assert txn.organization == organization
    assert body["transaction"] == {
        "id": txn.public_id,
        "object": "transaction",
        "livemode": False,
        "transaction_ref": "order_1042",
        "amount": 249900,
        "currency": "INR",
        "gateway": "stripe",
        "payment_method_type": "card",
        "status": "failed",
        "category": "funds",
        "customer": {"email": "Asha@example.com", "phone": "+919876543210", "name": "Asha Rao"},
        "gateway_customer_id": None,
        "gateway_payment_method_id": None,
        "failure_count": 1,
        "first_failed_at": "2026-11-20T03:45:00Z",
        "last_failed_at": "2026-11-20T03:45:00Z",
        "recovered_amount": None,
        "recovered_at": None,
        "recovered_by": None,
        "recovery_note": None,
        "recovery_paused": False,
        "recovery_paused_at": None,
        "recovery_restarted_at": None,
        "metadata": {"plan": "annual"},
        "created_at": body["transaction"]["created_at"],
        "updated_at": body["transaction"]["updated_at"],
    }
    assert body["event"]["id"] == event_row.public_id
    assert body["event"]["transaction"] == txn.public_id
    assert body["event"]["network_decline_code"] == "51"
    assert body["event"]["network_advice_code"] is None
    assert body["classification"] == body["event"]["classification"]
    assert body["classification"]["rule"] == "stripe:insufficient_funds"
    assert body["classification"]["category"] == "funds"
    assert body["classification"]["retryable"] is True
    assert body["transaction_effect"] == "created"
    attempt = RecoveryAttempt.objects.get()
    assert (attempt.transaction, attempt.number, attempt.livemode) == (txn, 1, False)
    assert body["next_step"] == {
        "action": "email",
        "attempt": attempt.public_id,
        "number": 1,
        "scheduled_at": attempt.scheduled_at.isoformat().replace("+00:00", "Z"),
        "reasons": attempt.reasons,
    }
    assert attempt.reasons, "the planner says why"
    assert event_row.raw_payload == event()
    assert event_row.idempotency_key == "key-1"


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_response_byte_for_byte(api_client) -> None:
    first = post(api_client, event())
    # The same JSON, keys in another order and spaced differently.
    second = api_client.post(
        URL, json.dumps(dict(reversed(event().items())), indent=2), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )  # fmt: skip

    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert FailureEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_422(api_client) -> None:
    post(api_client, event())

    response = post(api_client, event(amount=1))

    assert response.status_code == 422
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "idempotency_key_reused",
        "message": "This idempotency key was already used for a different request; use a new key for a new request.",
        "param": "Idempotency-Key",
    }
    assert FailureEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's advisory locks (set DATABASE_URL)")
def test_a_key_still_in_flight_is_refused_with_409(api_client, organization) -> None:
    with hold_idempotency_key(organization, "key-1"):
        response = post(api_client, event())

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_in_use"
    assert not FailureEvent.objects.exists()
    assert post(api_client, event()).status_code == 201  # free once the first request's transaction ends


@pytest.mark.django_db
def test_keys_of_one_organization_mean_nothing_to_another(api_client, organization) -> None:
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION=f"Bearer {ApiKeyFactory.issue(organization=OrganizationFactory.create()).plaintext}"
    )

    mine = post(api_client, event())
    theirs = post(other, event(amount=5))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert Transaction.objects.count() == 2


@pytest.mark.django_db
def test_a_key_is_required(api_client) -> None:
    response = post(api_client, event(), key=None)

    assert response.status_code == 400
    assert error_of(response)["code"] == "idempotency_key_missing"
    assert error_of(response)["param"] == "Idempotency-Key"
    assert_nothing_recorded()


@pytest.mark.django_db
def test_a_refused_request_stores_nothing_so_its_key_can_be_used_again(api_client) -> None:
    refused = post(api_client, event(currency="XXY"))
    accepted = post(api_client, event())

    assert refused.status_code == 400
    assert accepted.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        (event(colour="blue"), "unknown_field", "colour"),
        (event(customer={"email": "a@b.co", "age": 3}), "unknown_field", "customer.age"),
        ({k: v for k, v in event().items() if k != "transaction_ref"}, "missing_field", "transaction_ref"),
        (event(transaction_ref="   "), "missing_field", "transaction_ref"),
        (event(transaction_ref="x" * 256), "too_long", "transaction_ref"),
        (event(transaction_ref="a\x00b"), "invalid_characters", "transaction_ref"),
        (event(amount=0), "invalid_amount", "amount"),
        (event(amount=-5), "invalid_amount", "amount"),
        (event(amount=19.99), "invalid_amount", "amount"),
        (event(amount="1999"), "invalid_amount", "amount"),
        (event(amount=True), "invalid_amount", "amount"),
        (event(amount=2**53), "invalid_amount", "amount"),
        (event(currency="XXY"), "invalid_currency", "currency"),
        (event(currency=None), "missing_field", "currency"),
        (event(gateway="Bad Gateway!"), "invalid_gateway", "gateway"),
        (event(payment_method_type="cash"), "invalid_choice", "payment_method_type"),
        (event(network_decline_code="5-1"), "invalid_code", "network_decline_code"),
        (event(network_advice_code="123456789"), "too_long", "network_advice_code"),
        (event(occurred_at="2026-11-20 09:15"), "invalid_datetime", "occurred_at"),
        (event(occurred_at="yesterday"), "invalid_datetime", "occurred_at"),
        (event(occurred_at=1732000000), "invalid_type", "occurred_at"),
        (event(customer={"email": "not-an-email"}), "invalid_email", "customer.email"),
        (event(customer={"phone": "0987654321"}), "invalid_phone", "customer.phone"),
        (event(customer="Asha"), "invalid_type", "customer"),
        (event(metadata={"n": 1}), "invalid_metadata", "metadata.n"),
        (event(metadata={f"k{i}": "v" for i in range(51)}), "metadata_too_large", "metadata"),
        (event(metadata={"k": "v" * 501}), "invalid_metadata", "metadata.k"),
        (event(failure_code="a", failure_reason="b"), "conflicting_fields", "failure_reason"),
        (event(failure_code="a", failure_reason=None), "conflicting_fields", "failure_reason"),
        (event(gateway=" stripe"), "invalid_gateway", "gateway"),
        (event(currency="Inr"), "invalid_currency", "currency"),
        (event(customer={"phone": "+91\t9876543210"}), "invalid_phone", "customer.phone"),
        ([event()], "invalid_type", None),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api_client, body, code, param) -> None:
    response = post(api_client, body)

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["param"]) == (code, param)
    assert error_of(response)["type"] == "invalid_request_error"
    assert_nothing_recorded()


@pytest.mark.django_db
def test_occurred_at_in_the_future_is_refused_but_clock_skew_is_not(api_client) -> None:
    skewed = (timezone.now() + timedelta(minutes=2)).isoformat()
    future = (timezone.now() + timedelta(hours=1)).isoformat()

    assert post(api_client, event(occurred_at=skewed), key="a").status_code == 201
    response = post(api_client, event(occurred_at=future), key="b")

    assert response.status_code == 400
    assert error_of(response)["code"] == "occurred_at_in_future"


@pytest.mark.django_db
def test_failure_reason_is_accepted_as_the_older_name_of_failure_code(api_client) -> None:
    body = event()
    body["failure_reason"] = body.pop("failure_code")

    response = post(api_client, body)

    assert response.status_code == 201
    assert response.json()["event"]["failure_code"] == "insufficient_funds"


@pytest.mark.django_db
def test_occurred_at_defaults_to_now(api_client) -> None:
    body = event()
    del body["occurred_at"]
    before = timezone.now()

    post(api_client, body)

    assert before <= FailureEvent.objects.get().occurred_at <= timezone.now()


@pytest.mark.django_db
def test_not_json_is_a_415_and_broken_json_a_400(api_client) -> None:
    form = api_client.post(URL, "amount=1", content_type="application/x-www-form-urlencoded", HTTP_IDEMPOTENCY_KEY="k")
    broken = api_client.post(URL, "{", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    assert form.status_code == 415
    assert error_of(form)["code"] == "unsupported_media_type"
    assert broken.status_code == 400
    assert error_of(broken)["code"] == "invalid_json"
    assert_nothing_recorded()


@pytest.mark.django_db
def test_a_repeat_failure_on_a_recovered_transaction_says_it_did_not_reopen_it(api_client) -> None:
    post(api_client, event(), key="a")
    Transaction.objects.update(status="recovered", recovered_amount=249900)

    response = post(api_client, event(failure_code="expired_card"), key="b")

    assert response.status_code == 201
    assert response.json()["transaction_effect"] == "not_reopened"
    assert response.json()["transaction"]["status"] == "recovered"
    assert FailureEvent.objects.count() == 2


@pytest.mark.django_db
def test_a_failure_disagreeing_with_its_transaction_is_a_409(api_client) -> None:
    post(api_client, event(), key="a")

    response = post(api_client, event(amount=100), key="b")

    assert response.status_code == 409
    assert (error_of(response)["code"], error_of(response)["param"]) == ("transaction_conflict", "amount")
    assert FailureEvent.objects.count() == 1
    assert not IdempotencyKey.objects.filter(key="b").exists()


@pytest.mark.django_db
def test_a_key_recorded_before_its_replay_window_ended_answers_200_with_the_first_event(api_client) -> None:
    first = post(api_client, event())
    IdempotencyKey.objects.all().delete()  # purged after 24 hours

    again = post(api_client, event())

    assert again.status_code == 200
    assert again.json()["event"]["id"] == first.json()["event"]["id"]
    assert again.json()["transaction_effect"] == "unchanged"
    assert FailureEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_key_reused_for_another_event_after_the_purge_is_refused_and_changes_nothing(api_client) -> None:
    first = post(api_client, event())
    IdempotencyKey.objects.all().delete()  # purged after 24 hours
    txn_before = Transaction.objects.values().get()

    again = post(api_client, event(transaction_ref="order_2000", amount=100))

    assert again.status_code == 422, again.content
    assert (error_of(again)["code"], error_of(again)["param"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert list(FailureEvent.objects.values_list("public_id", flat=True)) == [first.json()["event"]["id"]]
    assert Transaction.objects.values().get() == txn_before
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_batch_event_reusing_a_purged_key_for_another_event_is_refused_alone(api_client) -> None:
    post_batch(api_client, [{**event(), "idempotency_key": "evt-1"}])
    IdempotencyKey.objects.all().delete()

    response = post_batch(
        api_client,
        [
            {**event(transaction_ref="order_2000"), "idempotency_key": "evt-1"},
            {**event(), "idempotency_key": "evt-1b"},
        ],
    )

    results = response.json()["results"]
    assert [(result["status"], result["outcome"]) for result in results] == [(422, "error"), (201, "created")]
    assert results[0]["error"]["code"] == "idempotency_key_reused"
    assert FailureEvent.objects.count() == 2
    assert not Transaction.objects.filter(transaction_ref="order_2000").exists()


@pytest.mark.django_db
def test_without_an_api_key_nothing_is_recorded(anonymous_api_client) -> None:
    response = post(anonymous_api_client, event())

    assert response.status_code == 401
    assert_nothing_recorded()


# --- batch -------------------------------------------------------------------------------------


def post_batch(client: APIClient, events: Any) -> Any:
    return client.post(BATCH_URL, json.dumps({"events": events}), content_type="application/json")


@pytest.mark.django_db
def test_a_batch_answers_each_event_in_request_order(api_client, organization) -> None:
    idempotency_store(
        organization=organization,
        livemode=False,
        responses=[("done-other", "another request", StoredResponse(201, b"{}"))],
    )
    events = [
        event(idempotency_key="e-0", transaction_ref="t-0"),
        event(idempotency_key="e-1", transaction_ref="t-1", currency="JPY", amount=5000, gateway="other",
              failure_code=None, network_decline_code="05"),
        event(idempotency_key="e-2", transaction_ref="t-2", colour="blue"),
        event(idempotency_key="e-0", transaction_ref="t-0"),
        event(idempotency_key="e-0", transaction_ref="t-0", amount=1),
        event(idempotency_key="done-other", transaction_ref="t-4"),
        event(transaction_ref="t-5"),
        "not an event",
        event(idempotency_key="e-9", transaction_ref="t-0", amount=7),
    ]  # fmt: skip

    response = post_batch(api_client, events)

    assert response.status_code == 200
    body = response.json()
    outcomes = [
        (item["index"], item["status"], item["outcome"], (item["error"] or {}).get("code")) for item in body["results"]
    ]
    assert outcomes == [
        (0, 201, "created", None),
        (1, 201, "created", None),
        (2, 400, "error", "unknown_field"),
        (3, 201, "replayed", None),
        (4, 422, "error", "idempotency_key_reused"),
        (5, 422, "error", "idempotency_key_reused"),
        (6, 400, "error", "idempotency_key_missing"),
        (7, 400, "error", "invalid_type"),
        (8, 409, "error", "transaction_conflict"),
    ]
    assert body["summary"] == {"received": 9, "created": 2, "replayed": 1, "failed": 6}
    assert body["results"][3]["result"] == body["results"][0]["result"]
    first = body["results"][0]["result"]
    txn = Transaction.objects.get(transaction_ref="t-0")
    assert first == {
        "transaction": txn.public_id,
        "transaction_ref": "t-0",
        "event": FailureEvent.objects.get(idempotency_key="e-0").public_id,
        "transaction_effect": "created",
        "category": "funds",
        "retryable": True,
        "action": "retry_later",
        "cooldown_seconds": 86400,
        "rule": "stripe:insufficient_funds",
    }
    assert body["results"][1]["result"]["rule"] == "iso8583:05"
    assert Transaction.objects.filter(organization=organization).count() == 2
    assert FailureEvent.objects.count() == 2
    # The keys of events that failed stored nothing; those that succeeded keep their response.
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"e-0", "e-1", "done-other"}


@pytest.mark.django_db
def test_a_batch_sent_again_replays_every_event(api_client) -> None:
    events = [event(idempotency_key=f"e-{i}", transaction_ref=f"t-{i}") for i in range(5)]
    first = post_batch(api_client, events).json()

    again = post_batch(api_client, events).json()

    assert [item["outcome"] for item in again["results"]] == ["replayed"] * 5
    assert [item["result"] for item in again["results"]] == [item["result"] for item in first["results"]]
    assert FailureEvent.objects.count() == 5


@pytest.mark.django_db
def test_a_batch_key_and_a_single_event_key_are_different_requests(api_client) -> None:
    post(api_client, event(), key="shared")

    response = post_batch(api_client, [event(idempotency_key="shared")])

    assert response.json()["results"][0]["error"]["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_a_batch_takes_a_constant_number_of_queries(api_client) -> None:
    def events(tag: str, count: int) -> list[dict[str, Any]]:
        return [event(idempotency_key=f"{tag}-{i}", transaction_ref=f"{tag}-{i % 7}") for i in range(count)]

    assert post_batch(api_client, events("warm-up", 1)).status_code == 200  # rules are loaded once
    with CaptureQueriesContext(connection) as small:
        assert post_batch(api_client, events("small", 3)).status_code == 200
    with CaptureQueriesContext(connection) as large:
        assert post_batch(api_client, events("large", 400)).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)
    assert Transaction.objects.filter(transaction_ref__startswith="large").count() == 7
    assert FailureEvent.objects.filter(idempotency_key__startswith="large").count() == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"events": []}, "invalid_batch_size", "events"),
        ({"events": [event(idempotency_key=str(i)) for i in range(1001)]}, "invalid_batch_size", "events"),
        ({"events": "many"}, "invalid_type", "events"),
        ({"items": []}, "unknown_field", "items"),
        ([], "invalid_type", None),
    ],
)
def test_a_body_that_is_not_a_batch_is_a_400(api_client, body, code, param) -> None:
    response = api_client.post(BATCH_URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["param"]) == (code, param)
    assert_nothing_recorded()


@pytest.mark.django_db
def test_a_full_batch_of_1000_events_is_accepted(api_client) -> None:
    events = [event(idempotency_key=f"e-{i}", transaction_ref=f"t-{i}") for i in range(1000)]

    response = post_batch(api_client, events)

    assert response.status_code == 200
    assert response.json()["summary"] == {"received": 1000, "created": 1000, "replayed": 0, "failed": 0}
    assert FailureEvent.objects.count() == 1000


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's (set DATABASE_URL)"
)
def test_a_new_transactions_first_failure_is_written_by_one_statement(api_client, organization) -> None:
    post(api_client, event(transaction_ref="warm-up"), key="warm-up")  # rules are loaded once

    with CaptureQueriesContext(connection) as queries:
        created = post(api_client, event(transaction_ref="order-1"), key="k-1")
    with CaptureQueriesContext(connection) as general:
        again = post(api_client, event(transaction_ref="order-1", occurred_at="2026-05-01T10:00:00+00:00"), key="k-2")

    assert created.status_code == 201
    assert created.json()["transaction_effect"] == "created"
    writes = [
        query["sql"] for query in queries.captured_queries if query["sql"].startswith(("WITH", "INSERT", "UPDATE"))
    ]
    assert len(writes) == 1
    assert writes[0].startswith("WITH guard")
    # A second failure of that transaction takes the general path and updates it.
    assert again.status_code == 201
    assert again.json()["transaction_effect"] == "updated"
    assert len(general.captured_queries) > len(queries.captured_queries)
    txn = Transaction.objects.get(organization=organization, transaction_ref="order-1")
    assert txn.failure_count == 2
    stored = IdempotencyKey.objects.get(organization=organization, key="k-1")
    assert bytes(stored.response_body) == created.content


@pytest.mark.django_db
def test_a_batch_counts_each_event_against_the_event_rate(api_client, settings) -> None:
    settings.API_EVENT_RATE_LIMIT = "5/min"
    first = post_batch(api_client, [{**event(transaction_ref=f"o-{n}"), "idempotency_key": f"a{n}"} for n in range(3)])

    refused = post_batch(
        api_client, [{**event(transaction_ref=f"p-{n}"), "idempotency_key": f"b{n}"} for n in range(3)]
    )

    assert first.status_code == 200
    assert refused.status_code == 429, refused.content
    assert error_of(refused)["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1
    assert Transaction.objects.filter(transaction_ref__startswith="p-").count() == 0
    assert FailureEvent.objects.count() == 3


@pytest.mark.django_db
def test_the_saved_method_to_charge_again_is_kept_and_a_later_one_replaces_it(api_client) -> None:
    first = post(api_client, event(gateway_customer_id="cus_Qx7fTb2LmN4pR8", gateway_payment_method_id="pm_1Old"))
    assert first.status_code == 201
    assert (
        first.json()["transaction"]["gateway_customer_id"],
        first.json()["transaction"]["gateway_payment_method_id"],
    ) == (
        "cus_Qx7fTb2LmN4pR8",
        "pm_1Old",
    )
    post(api_client, event(occurred_at="2026-11-21T09:15:00+05:30", gateway_payment_method_id="pm_1New"), key="key-2")

    txn = Transaction.objects.get()
    assert (txn.gateway_customer_id, txn.gateway_payment_method_id) == ("cus_Qx7fTb2LmN4pR8", "pm_1New")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("gateway", "field", "value"),
    [
        ("stripe", "gateway_payment_method_id", "token_Abc12345678901"),
        ("STRIPE", "gateway_customer_id", "cust_Abc12345678901"),
        ("razorpay", "gateway_payment_method_id", "pm_1Abc"),
        ("razorpay", "gateway_customer_id", "cus_Abc"),
        ("sandbox", "gateway_payment_method_id", "pm_card_visa"),
        ("adyen", "gateway_payment_method_id", "has spaces"),
        ("adyen", "gateway_customer_id", "x" * 256),
    ],
)
def test_a_saved_method_id_of_the_wrong_shape_for_its_gateway_is_refused(api_client, gateway, field, value) -> None:
    response = post(api_client, event(gateway=gateway, **{field: value}))

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["param"]) == ("invalid_gateway_id", field)
    assert_nothing_recorded()


@pytest.mark.django_db
def test_any_gateway_tinko_does_not_know_may_name_its_own_ids(api_client) -> None:
    response = post(
        api_client, event(gateway="adyen", gateway_customer_id="shopper:42", gateway_payment_method_id="8415")
    )

    assert response.status_code == 201
