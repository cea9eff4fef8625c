"""Re-charges through Stripe and Razorpay (their SDKs for real, against a local fake API): the
attempt's key reaches the gateway, and Razorpay's order is looked up before a token is charged."""

from __future__ import annotations

import pytest

from payments.tests.factories import GatewayAccountFactory
from payments.tests.payloads import fixture
from recovery.enums import TransactionStatus
from retries.enums import AttemptStatus, Channel
from retries.execution import attempt_execute
from retries.outcomes import Executed
from retries.tests import factories
from retries.tests.running import claimed

pytestmark = pytest.mark.django_db


def test_a_stripe_re_charge_confirms_off_session_under_the_attempts_key(organization, fake_gateway) -> None:
    GatewayAccountFactory.stripe(organization=organization)
    txn = factories.transaction(
        organization=organization,
        amount=2000,
        currency="USD",
        gateway_customer_id="cus_Rq7Payer0001",
        gateway_payment_method_id="pm_1QpCard0001",
    )
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    fake_gateway.respond("POST", "/v1/payment_intents", fixture("stripe", "api/payment_intent_succeeded.json"))

    assert attempt_execute(attempt_id=attempt.pk) == Executed.CHARGED

    [request] = fake_gateway.requests_to("POST", "/v1/payment_intents")
    assert request.header("Idempotency-Key") == f"tinko_{attempt.public_id}"
    assert request.form["off_session"] == "true"
    assert request.form["metadata[tinko_attempt_id]"] == attempt.public_id
    assert request.form["metadata[tinko_transaction_ref]"] == txn.transaction_ref
    attempt.refresh_from_db()
    txn.refresh_from_db()
    assert (attempt.status, attempt.gateway_payment_id) == (AttemptStatus.CHARGED, "pi_3QpOffSession01")
    assert txn.status == TransactionStatus.RECOVERED


def test_a_stripe_outage_sends_the_attempt_back_with_its_key_kept_for_next_time(organization, fake_gateway) -> None:
    GatewayAccountFactory.stripe(organization=organization)
    txn = factories.transaction(
        organization=organization, gateway_customer_id="cus_Rq7Payer0001", gateway_payment_method_id="pm_1QpCard0001"
    )
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    fake_gateway.respond("POST", "/v1/payment_intents", {"error": {"type": "api_error", "message": "Down"}}, status=503)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.RESCHEDULED

    keys = {request.header("Idempotency-Key") for request in fake_gateway.requests_to("POST", "/v1/payment_intents")}
    assert keys == {f"tinko_{attempt.public_id}"}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SCHEDULED


def test_a_razorpay_re_charge_whose_order_was_already_paid_is_not_charged_again(organization, fake_gateway) -> None:
    """A worker that died after Razorpay charged the token: the next run finds the attempt's order."""
    GatewayAccountFactory.razorpay(organization=organization)
    txn = factories.transaction(
        organization=organization,
        amount=49900,
        currency="INR",
        gateway="razorpay",
        gateway_customer_id="cust_PqPayer0001",
        gateway_payment_method_id="token_PqToken0001",
    )
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    fake_gateway.respond("GET", "/v1/orders", fixture("razorpay", "api/orders_with_receipt.json"))
    fake_gateway.respond(
        "GET",
        "/v1/orders/order_PqAttempt0001/payments",
        {"entity": "collection", "count": 1, "items": [fixture("razorpay", "api/payment_captured.json")]},
    )

    assert attempt_execute(attempt_id=attempt.pk) == Executed.CHARGED

    [lookup] = fake_gateway.requests_to("GET", "/v1/orders")
    assert lookup.query == {"receipt": [f"tinko_{attempt.public_id}"]}
    assert fake_gateway.requests_to("POST", "/v1/payments/create/recurring") == []
    attempt.refresh_from_db()
    assert (attempt.status, attempt.gateway_payment_id) == (AttemptStatus.CHARGED, "pay_PqRecurring001")
