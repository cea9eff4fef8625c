"""The shared ending of every provider's verification and normalisation."""

import logging
from dataclasses import fields, replace
from datetime import UTC, datetime

import pytest

from payments.exceptions import WebhookVerificationError
from payments.gateways.events import EventEnvelope, PaymentFacts, outcome_from, webhook_verified
from payments.gateways.payloads import without_nul
from payments.interface import (
    CUSTOMER_NAME_MAX_LENGTH,
    CustomerDetails,
    FailureDetails,
    PaymentOutcome,
    PaymentReferences,
    VerifiedWebhook,
)

ENVELOPE = EventEnvelope(
    provider="stripe",
    event_id="evt_1",
    event_type="charge.failed",
    occurred_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
    livemode=True,
    raw={"id": "evt_1", "type": "charge.failed"},
)
FACTS = PaymentFacts(
    gateway_payment_id="pi_1",
    gateway_charge_id="ch_1",
    gateway_checkout_id="cs_1",
    gateway_order_id="in_1",
    gateway_customer_id="cus_1",
    gateway_payment_method_id="pm_1",
    gateway_refund_id="re_1",
    amount=4900,
    currency="USD",
    amount_refunded=900,
    failure=FailureDetails(code="card_declined", decline_code="insufficient_funds"),
    payment_method_type="card",
    customer=CustomerDetails(email="asha@example.com", phone="+919800000001", name="Asha"),
)


def test_every_field_of_an_outcome_comes_from_the_envelope_the_facts_or_the_normaliser() -> None:
    from_normaliser = {"type", "metadata", "references"}

    envelope_and_facts = {f.name for f in fields(EventEnvelope)} | {f.name for f in fields(PaymentFacts)}

    assert {f.name for f in fields(PaymentOutcome)} == envelope_and_facts | from_normaliser
    assert not envelope_and_facts & from_normaliser


def test_outcome_from_carries_every_field_by_name() -> None:
    metadata = {"tinko_transaction_ref": "order-1042", "tinko_attempt_id": "att_1", "plan": "annual"}

    outcome = outcome_from(ENVELOPE, outcome_type="payment_failed", metadata=metadata, facts=FACTS)

    assert outcome == PaymentOutcome(
        provider="stripe",
        event_id="evt_1",
        event_type="charge.failed",
        type="payment_failed",
        occurred_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        livemode=True,
        references=PaymentReferences(transaction_ref="order-1042", attempt_id="att_1"),
        gateway_payment_id="pi_1",
        gateway_charge_id="ch_1",
        gateway_checkout_id="cs_1",
        gateway_order_id="in_1",
        gateway_customer_id="cus_1",
        gateway_payment_method_id="pm_1",
        gateway_refund_id="re_1",
        amount=4900,
        currency="USD",
        amount_refunded=900,
        failure=FailureDetails(code="card_declined", decline_code="insufficient_funds"),
        payment_method_type="card",
        customer=CustomerDetails(email="asha@example.com", phone="+919800000001", name="Asha"),
        metadata=metadata,
        raw={"id": "evt_1", "type": "charge.failed"},
    )


def test_webhook_verified_returns_the_typed_delivery() -> None:
    event = {"id": "evt_1", "type": "charge.failed"}

    verified = webhook_verified(event=event, event_id="evt_1", event_type="charge.failed", livemode=None)

    assert verified == VerifiedWebhook(event_id="evt_1", event_type="charge.failed", payload=event, livemode=None)


@pytest.mark.parametrize(("event_id", "event_type"), [(None, "charge.failed"), ("evt_1", None), ("", "")])
def test_webhook_verified_refuses_an_event_without_id_or_type(event_id: str | None, event_type: str | None) -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        webhook_verified(event={}, event_id=event_id, event_type=event_type, livemode=False)

    assert raised.value.reason == "malformed_body"


def test_webhook_verified_strips_nul_characters_from_the_id_type_and_every_key_and_string() -> None:
    event = {"id": "evt_\u00001", "type": "charge.failed", "data": {"a\u0000": ["x\u0000y", 3, None, {"b": "\u0000"}]}}

    verified = webhook_verified(event=event, event_id="evt_\u00001", event_type="charge.\u0000failed", livemode=None)

    assert verified == VerifiedWebhook(
        event_id="evt_1",
        event_type="charge.failed",
        payload={"id": "evt_1", "type": "charge.failed", "data": {"a": ["xy", 3, None, {"b": ""}]}},
        livemode=None,
    )


def test_without_nul_leaves_a_clean_payload_equal() -> None:
    payload = {"id": "evt_1", "amount": 4900, "paid": False, "notes": [], "nested": {"name": "Asha"}}

    assert without_nul(payload) == payload


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (
            CustomerDetails(email="asha@example.com", phone="+1 (555) 010-0199", name="Asha"),
            CustomerDetails(email="asha@example.com", phone="+15550100199", name="Asha"),
        ),
        (
            CustomerDetails(email=f"{'a' * 250}@example.com", phone="+1 555 010 0199 ext. 123456789", name="N" * 300),
            CustomerDetails(email=None, phone=None, name="N" * CUSTOMER_NAME_MAX_LENGTH),
        ),
    ],
    ids=["fits", "too-long"],
)
def test_a_customer_longer_than_tinko_keeps_is_fitted_or_dropped_with_a_log_line(
    caplog: pytest.LogCaptureFixture, given: CustomerDetails, kept: CustomerDetails
) -> None:
    with caplog.at_level(logging.WARNING, logger="payments.gateways.events"):
        outcome = outcome_from(
            ENVELOPE, outcome_type="payment_failed", metadata={}, facts=replace(FACTS, customer=given)
        )

    assert outcome.customer == kept
    fitted = [
        (r.__dict__["field"], r.__dict__["action"])
        for r in caplog.records
        if r.getMessage() == "gateway_customer_field_fitted"
    ]
    assert fitted == ([] if given.name == "Asha" else [("email", "dropped"), ("phone", "dropped"), ("name", "cut")])
    assert "example.com" not in caplog.text, "the values themselves are never logged"
