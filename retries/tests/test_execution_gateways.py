"""Re-charges through Stripe and Razorpay (their SDKs for real, against a local fake API): the
attempt's key reaches the gateway, and Razorpay's order is looked up before a token is charged."""

from __future__ import annotations

import pytest

from payments.tests.factories import GatewayAccountFactory
from payments.tests.payloads import fixture
from recovery.enums import TransactionStatus
from retries.enums import AttemptStatus, Channel
from retries.execution import attempt_execute, attempts_execute
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


def test_a_tasks_stripe_re_charges_go_out_several_at_once_each_under_its_own_key(
    organization, fake_gateway, settings
) -> None:
    settings.PAYMENTS_CHARGES_IN_FLIGHT = 3
    GatewayAccountFactory.stripe(organization=organization)
    attempts = [
        claimed(
            transaction=factories.transaction(
                organization=organization,
                amount=2000,
                currency="USD",
                gateway_customer_id=f"cus_Rq7Payer{number:04}",
                gateway_payment_method_id=f"pm_1QpCard{number:04}",
            ),
            channel=Channel.AUTO_CHARGE,
        )
        for number in range(6)
    ]
    intent = fixture("stripe", "api/payment_intent_succeeded.json")
    payment_ids = {f"pi_3QpOffSession{number:02}" for number in range(6)}
    for payment_id in sorted(payment_ids):
        fake_gateway.respond("POST", "/v1/payment_intents", {**intent, "id": payment_id})

    assert attempts_execute(attempt_ids=[attempt.pk for attempt in attempts]) == [Executed.CHARGED] * 6

    sent = fake_gateway.requests_to("POST", "/v1/payment_intents")
    assert sorted(request.header("Idempotency-Key") for request in sent) == sorted(
        f"tinko_{attempt.public_id}" for attempt in attempts
    )
    for attempt in attempts:
        attempt.refresh_from_db()
        [request] = [r for r in sent if r.form["metadata[tinko_attempt_id]"] == attempt.public_id]
        assert request.form["payment_method"] == attempt.transaction.gateway_payment_method_id
    assert {attempt.gateway_payment_id for attempt in attempts} == payment_ids
    assert {attempt.transaction.status for attempt in attempts} == {TransactionStatus.RECOVERED}


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
