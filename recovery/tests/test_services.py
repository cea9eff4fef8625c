from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import OrganizationFactory
from recovery.enums import Category, EventSource, TransactionEffect, TransactionStatus
from recovery.exceptions import TransactionConflict
from recovery.models import FailureEvent, Transaction
from recovery.services import (
    Customer,
    FailureRecorded,
    transaction_record_failure,
    transaction_record_failures,
)
from recovery.tests.factories import failure_input, record_failure

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_first_failure_creates_the_transaction_and_its_classified_event(organization) -> None:
    result = record_failure(
        organization=organization,
        transaction_ref="order-1",
        amount=249900,
        currency="inr",
        network_decline_code="51",
        occurred_at=T0,
        metadata={"plan": "annual"},
        raw_payload={"transaction_ref": "order-1"},
        idempotency_key="k-1",
    )

    txn = Transaction.objects.get()
    event = FailureEvent.objects.get()
    assert result.created is True
    assert result.transaction_effect == TransactionEffect.CREATED
    assert (txn.pk, event.pk) == (result.transaction.pk, result.event.pk)
    assert txn.organization == organization
    assert txn.public_id.startswith("txn_")
    assert (txn.transaction_ref, txn.amount, txn.currency, txn.gateway) == ("order-1", 249900, "INR", "stripe")
    assert (txn.status, txn.category, txn.failure_count) == (TransactionStatus.FAILED, Category.FUNDS, 1)
    assert (txn.first_failed_at, txn.last_failed_at) == (T0, T0)
    assert (txn.customer_email, txn.customer_phone, txn.customer_name) == (
        "payer@example.com",
        "+14155550100",
        "Pat Payer",
    )
    assert txn.metadata == {"plan": "annual"}
    assert event.public_id.startswith("fev_")
    assert event.transaction == txn
    assert (event.rule, event.category, event.retryable, event.action) == (
        "stripe:insufficient_funds",
        "funds",
        True,
        "retry_later",
    )
    assert event.alternatives == ["upi", "netbanking", "wallet", "card"]
    assert (event.failure_code, event.network_decline_code, event.idempotency_key) == (
        "insufficient_funds",
        "51",
        "k-1",
    )
    assert event.raw_payload == {"transaction_ref": "order-1"}
    assert event.source == EventSource.API


@pytest.mark.django_db
def test_another_failure_of_the_same_payment_is_a_new_event_on_the_same_transaction(organization) -> None:
    record_failure(organization=organization, transaction_ref="order-1", occurred_at=T0)

    later = record_failure(
        organization=organization,
        transaction_ref="order-1",
        occurred_at=T0 + timedelta(hours=2),
        gateway="razorpay",
        failure_code="payment_pending",
        payment_method_type="upi",
        customer=Customer(phone="+919876543210"),
        metadata={"attempt": "2"},
    )

    txn = Transaction.objects.get()
    assert later.transaction_effect == TransactionEffect.UPDATED
    assert FailureEvent.objects.filter(transaction=txn).count() == 2
    assert txn.failure_count == 2
    assert (txn.category, txn.gateway, txn.payment_method_type) == ("upi_pending", "razorpay", "upi")
    assert (txn.first_failed_at, txn.last_failed_at) == (T0, T0 + timedelta(hours=2))
    # Customer fields that came are updated; the others are kept. Metadata is replaced when sent.
    assert (txn.customer_email, txn.customer_phone) == ("payer@example.com", "+919876543210")
    assert txn.metadata == {"attempt": "2"}


@pytest.mark.django_db
def test_an_older_failure_arriving_late_does_not_rewrite_the_latest_state(organization) -> None:
    record_failure(organization=organization, transaction_ref="order-1", occurred_at=T0)

    record_failure(
        organization=organization,
        transaction_ref="order-1",
        occurred_at=T0 - timedelta(days=1),
        failure_code="expired_card",
    )

    txn = Transaction.objects.get()
    assert (txn.category, txn.failure_count) == ("funds", 2)
    assert (txn.first_failed_at, txn.last_failed_at) == (T0 - timedelta(days=1), T0)


@pytest.mark.django_db
def test_the_same_idempotency_key_records_nothing_twice(organization) -> None:
    first = record_failure(organization=organization, idempotency_key="stripe:evt_1")

    again = transaction_record_failure(
        organization=organization,
        livemode=False,
        failure=failure_input(transaction_ref=first.transaction.transaction_ref, idempotency_key="stripe:evt_1"),
    )

    assert again.created is False
    assert again.transaction_effect == TransactionEffect.UNCHANGED
    assert again.event.pk == first.event.pk
    assert again.classification == first.classification
    assert FailureEvent.objects.count() == 1
    assert Transaction.objects.get().failure_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED])
def test_a_failure_on_a_closed_transaction_is_recorded_but_does_not_reopen_it(organization, status) -> None:
    first = record_failure(organization=organization, transaction_ref="order-1", occurred_at=T0)
    Transaction.objects.filter(pk=first.transaction.pk).update(status=status, recovered_amount=1999)
    received = first.transaction.updated_at + timedelta(hours=2)

    with time_machine.travel(received, tick=False):
        result = record_failure(
            organization=organization,
            transaction_ref="order-1",
            occurred_at=T0 + timedelta(hours=1),
            failure_code="lost_card",
        )

    txn = Transaction.objects.get()
    assert result.created is True
    assert result.transaction_effect == TransactionEffect.NOT_REOPENED
    assert FailureEvent.objects.filter(transaction=txn).count() == 2
    assert result.event.category == "do_not_retry"
    assert (txn.status, txn.category, txn.failure_count, txn.last_failed_at) == (status, "funds", 1, T0)
    # Its new event is a change that whatever follows changed transactions (rollups) must see.
    assert txn.updated_at == received


@pytest.mark.django_db
def test_a_failure_reopens_an_abandoned_transaction(organization) -> None:
    first = record_failure(organization=organization, transaction_ref="order-1")
    Transaction.objects.filter(pk=first.transaction.pk).update(status=TransactionStatus.ABANDONED)

    result = record_failure(organization=organization, transaction_ref="order-1")

    assert result.transaction_effect == TransactionEffect.REOPENED
    assert Transaction.objects.get().status == TransactionStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("amount", 2000), ("currency", "EUR")])
def test_a_failure_that_disagrees_with_its_transaction_changes_nothing(organization, field, value) -> None:
    record_failure(organization=organization, transaction_ref="order-1")

    with pytest.raises(TransactionConflict) as raised:
        record_failure(organization=organization, transaction_ref="order-1", **{field: value})

    assert raised.value.field == field
    assert FailureEvent.objects.count() == 1
    assert Transaction.objects.get().failure_count == 1


@pytest.mark.django_db
def test_many_failures_are_recorded_in_input_order_with_a_constant_number_of_queries(organization) -> None:
    record_failure(organization=organization, transaction_ref="existing-1")
    record_failure(organization=organization, transaction_ref="existing-2")

    def batch(size: int, tag: str) -> list:
        failures = [failure_input(transaction_ref=f"{tag}-{index}") for index in range(size)]
        failures += [failure_input(transaction_ref="existing-1"), failure_input(transaction_ref="existing-2")]
        return failures

    with CaptureQueriesContext(connection) as small:
        transaction_record_failures(organization=organization, livemode=False, failures=batch(2, "small"))
    failures = batch(300, "large")
    with CaptureQueriesContext(connection) as large:
        outcomes = transaction_record_failures(organization=organization, livemode=False, failures=failures)
    results = [result for result in outcomes if isinstance(result, FailureRecorded)]

    assert len(results) == len(outcomes)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert [result.transaction.transaction_ref for result in results] == [f.transaction_ref for f in failures]
    assert [result.transaction_effect for result in results[-3:]] == [
        TransactionEffect.CREATED,
        TransactionEffect.UPDATED,
        TransactionEffect.UPDATED,
    ]
    assert Transaction.objects.count() == 2 + 2 + 300
    assert Transaction.objects.get(transaction_ref="existing-1").failure_count == 3


@pytest.mark.django_db
def test_two_failures_of_one_new_payment_in_one_call(organization) -> None:
    results = transaction_record_failures(
        organization=organization,
        livemode=False,
        failures=[
            failure_input(transaction_ref="order-1", occurred_at=T0),
            failure_input(
                transaction_ref="order-1", occurred_at=T0 + timedelta(minutes=5), failure_code="expired_card"
            ),
            failure_input(transaction_ref="order-1", amount=5),
        ],
    )

    txn = Transaction.objects.get()
    assert [getattr(result, "transaction_effect", None) for result in results[:2]] == [
        TransactionEffect.CREATED,
        TransactionEffect.UPDATED,
    ]
    assert isinstance(results[2], TransactionConflict)
    assert (txn.failure_count, txn.category) == (2, "card_invalid")
    assert FailureEvent.objects.filter(transaction=txn).count() == 2


@pytest.mark.django_db
def test_a_batch_classifies_each_kind_of_decline_once_and_gives_every_failure_its_own(
    organization, monkeypatch
) -> None:
    from recovery.classifier import classify
    from recovery.selectors import classifier_ruleset_for
    from recovery.services import failures as failures_module

    asked = []

    def counting_classify(**kwargs):
        asked.append(kwargs["request"])
        return classify(**kwargs)

    monkeypatch.setattr(failures_module, "classify", counting_classify)
    codes = ["insufficient_funds", "expired_card", "insufficient_funds", "do_not_honor", "expired_card"] * 4
    failures = [
        failure_input(transaction_ref=f"order-{index}", failure_code=code, idempotency_key=f"k-{index}")
        for index, code in enumerate(codes)
    ]

    outcomes = transaction_record_failures(organization=organization, livemode=False, failures=failures)

    results = [outcome for outcome in outcomes if isinstance(outcome, FailureRecorded)]
    assert len(results) == len(failures)
    assert len(asked) == 3
    rules = classifier_ruleset_for(organization=organization)
    expected = [classify(rules=rules, request=failure.classifier_input()) for failure in failures]
    assert [result.classification for result in results] == expected
    assert len({decision.category for decision in expected}) == 3
    stored = dict(FailureEvent.objects.values_list("idempotency_key", "failure_code"))
    assert stored == {f"k-{index}": code for index, code in enumerate(codes)}


@pytest.mark.django_db
def test_the_same_reference_in_two_organizations_is_two_transactions(organization) -> None:
    other = OrganizationFactory.create()

    record_failure(organization=organization, transaction_ref="order-1", idempotency_key="same")
    record_failure(organization=other, transaction_ref="order-1", idempotency_key="same")

    assert Transaction.objects.filter(transaction_ref="order-1").count() == 2
    assert FailureEvent.objects.filter(idempotency_key="same").count() == 2


@pytest.mark.django_db
def test_a_raw_payload_with_nul_characters_is_stored_without_them(organization) -> None:
    record_failure(organization=organization, raw_payload={"note": "a\x00b", "nested": ["\x00"]})

    assert FailureEvent.objects.get().raw_payload == {"note": "ab", "nested": [""]}


@pytest.mark.django_db
def test_webhook_failures_come_through_the_same_service(organization) -> None:
    result = record_failure(
        organization=organization,
        gateway="Razorpay",
        failure_code="payment_collect_request_expired",
        payment_method_type="upi",
        currency="INR",
        source=EventSource.WEBHOOK,
        idempotency_key="razorpay:evt_9",
    )

    assert (result.event.source, result.event.gateway, result.event.rule) == (
        "webhook",
        "razorpay",
        "razorpay:payment_collect_request_expired",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"occurred_at": datetime(2026, 1, 1)}, "timezone-aware"),  # noqa: DTZ001
        ({"amount": 0}, "positive integer"),
        ({"amount": True}, "positive integer"),
        ({"gateway": "Bad Gateway!"}, "gateway"),
        ({"transaction_ref": ""}, "transaction_ref"),
        ({"network_decline_code": "123456789"}, "network_decline_code"),
        ({"payment_method_type": "cash"}, "cash"),
    ],
)
def test_failure_input_refuses_what_cannot_be_stored(overrides, message) -> None:
    with pytest.raises(ValueError, match=message):
        failure_input(**overrides)


def _values(instance: Transaction | FailureEvent) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.mark.django_db
def test_the_recorded_instances_hold_what_the_rows_hold_and_their_relations_cost_no_query(organization) -> None:
    result = record_failure(
        organization=organization, occurred_at=T0, metadata={"plan": "annual"}, raw_payload={"a": "b"}
    )

    assert _values(result.transaction) == _values(Transaction.objects.get())
    assert _values(result.event) == _values(FailureEvent.objects.get())
    # Marked saved, as bulk_create marks what it wrote: saving them again updates, never inserts.
    assert (result.transaction._state.adding, result.event._state.adding) == (False, False)
    assert (result.transaction._state.db, result.event._state.db) == ("default", "default")
    with CaptureQueriesContext(connection) as queries:
        assert result.transaction.organization is organization
        assert result.event.organization is organization
        assert result.event.transaction is result.transaction
    assert len(queries) == 0


@pytest.mark.django_db
def test_deleting_an_organization_deletes_its_ingested_rows(organization) -> None:
    from tinko.idempotency import StoredResponse, idempotency_store
    from tinko.models import IdempotencyKey

    other = OrganizationFactory.create()
    for org in (organization, other):
        record_failure(organization=org)
        idempotency_store(organization=org, livemode=False, responses=[("k", "f", StoredResponse(201, b"{}"))])

    organization.delete()

    # The organization keys of these tables have no database constraint: Django does the cascade.
    assert set(Transaction.objects.values_list("organization_id", flat=True)) == {other.pk}
    assert set(FailureEvent.objects.values_list("organization_id", flat=True)) == {other.pk}
    assert set(IdempotencyKey.objects.values_list("organization_id", flat=True)) == {other.pk}
