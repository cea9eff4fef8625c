"""X-Razorpay-Signature verification and the normalisation of every handled Razorpay event."""

from datetime import UTC, datetime

import pytest

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.razorpay import webhooks
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, PaymentReferences
from payments.tests.factories import RAZORPAY_WEBHOOK_SECRET
from payments.tests.payloads import fixture, fixture_bytes, razorpay_signature

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _headers(body: bytes, secret: str = RAZORPAY_WEBHOOK_SECRET, event_id: str | None = "evt_PqEvent0001"):
    headers = {"X-Razorpay-Signature": razorpay_signature(body, secret)}
    if event_id is not None:
        headers["X-Razorpay-Event-Id"] = event_id
    return headers


def test_a_delivery_signed_over_the_raw_body_is_verified_with_the_header_event_id() -> None:
    body = fixture_bytes("razorpay", "payment.failed.json")

    verified = webhooks.verify(body=body, headers=_headers(body), secrets=(RAZORPAY_WEBHOOK_SECRET,), now=NOW)

    assert (verified.event_id, verified.event_type) == ("evt_PqEvent0001", "payment.failed")
    assert verified.payload == fixture("razorpay", "payment.failed.json")


@pytest.mark.parametrize(
    ("tamper", "secret", "reason"),
    [
        (lambda body: body.replace(b"49900", b"49", 1), RAZORPAY_WEBHOOK_SECRET, "signature_mismatch"),
        (lambda body: body, "not-the-webhook-secret", "signature_mismatch"),
    ],
    ids=["tampered-body", "wrong-secret"],
)
def test_bad_signatures_are_refused(tamper, secret: str, reason: str) -> None:
    body = fixture_bytes("razorpay", "payment.failed.json")
    headers = _headers(body, secret)

    with pytest.raises(WebhookVerificationError) as raised:
        webhooks.verify(body=tamper(body), headers=headers, secrets=(RAZORPAY_WEBHOOK_SECRET,), now=NOW)

    assert raised.value.reason == reason


def test_reserialised_json_does_not_verify() -> None:
    import json

    body = fixture_bytes("razorpay", "payment.failed.json")
    headers = _headers(body)

    with pytest.raises(WebhookVerificationError):
        webhooks.verify(
            body=json.dumps(json.loads(body)).encode(), headers=headers, secrets=(RAZORPAY_WEBHOOK_SECRET,), now=NOW
        )


def test_retries_signed_with_the_old_secret_verify_after_rotation() -> None:
    body = fixture_bytes("razorpay", "payment.failed.json")

    verified = webhooks.verify(
        body=body, headers=_headers(body, "old-secret-0001"), secrets=("new-secret-0002", "old-secret-0001"), now=NOW
    )

    assert verified.event_id == "evt_PqEvent0001"


def test_a_delivery_without_an_event_id_is_refused() -> None:
    body = fixture_bytes("razorpay", "payment.failed.json")

    with pytest.raises(WebhookVerificationError) as raised:
        webhooks.verify(body=body, headers=_headers(body, event_id=None), secrets=(RAZORPAY_WEBHOOK_SECRET,), now=NOW)

    assert raised.value.reason == "missing_event_id"


def _normalize(name: str, livemode: bool = False) -> PaymentOutcome:
    payload = fixture("razorpay", name)
    outcome = webhooks.normalize(event_id="evt_PqEvent0001", payload=payload, livemode=livemode)
    assert outcome is not None
    assert (outcome.provider, outcome.event_id, outcome.event_type) == ("razorpay", "evt_PqEvent0001", payload["event"])
    assert outcome.raw == payload
    return outcome


def test_payment_failed() -> None:
    outcome = _normalize("payment.failed.json")

    assert outcome == PaymentOutcome(
        provider="razorpay",
        event_id="evt_PqEvent0001",
        event_type="payment.failed",
        type=OutcomeType.PAYMENT_FAILED,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        livemode=False,
        references=PaymentReferences(transaction_ref="order-1042", attempt_id="att_8cT2"),
        gateway_payment_id="pay_PqUpiFailed001",
        gateway_order_id="order_PqOrder00001",
        gateway_customer_id="cust_PqPayer0001",
        amount=49900,
        currency="INR",
        amount_refunded=0,
        failure=FailureDetails(
            code="BAD_REQUEST_ERROR",
            message="Payment failed due to insufficient balance in the customer's bank account.",
            decline_code="insufficient_funds",
            source="customer",
            step="payment_debit_request",
        ),
        payment_method_type="upi",
        customer=CustomerDetails(email="asha@example.com", phone="+919876543210"),
        metadata={"tinko_transaction_ref": "order-1042", "tinko_attempt_id": "att_8cT2"},
        raw=fixture("razorpay", "payment.failed.json"),
    )


def test_payment_captured_carries_the_token_for_later_recharges() -> None:
    outcome = _normalize("payment.captured.json", livemode=True)

    assert outcome.type == OutcomeType.PAYMENT_SUCCEEDED
    assert outcome.livemode is True
    assert (outcome.gateway_payment_id, outcome.gateway_order_id) == ("pay_PqCardOk00001", "order_PqOrder00002")
    assert (outcome.gateway_customer_id, outcome.gateway_payment_method_id) == ("cust_PqPayer0001", "token_PqToken0001")
    assert outcome.customer == CustomerDetails(email="asha@example.com", phone="+919876543210", name="Asha Rao")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1")
    assert outcome.failure is None


def test_order_paid_takes_references_from_the_order_when_the_payment_has_none() -> None:
    outcome = _normalize("order.paid.json")

    assert outcome.type == OutcomeType.PAYMENT_SUCCEEDED
    assert outcome.gateway_order_id == "order_PqOrder00002"
    assert outcome.gateway_payment_id == "pay_PqCardOk00001"
    assert outcome.references == PaymentReferences(transaction_ref="order-1042", attempt_id="att_9xY1")
    assert (outcome.amount, outcome.currency) == (49900, "INR")


def test_payment_link_paid() -> None:
    outcome = _normalize("payment_link.paid.json")

    assert outcome.type == OutcomeType.PAYMENT_SUCCEEDED
    assert outcome.gateway_checkout_id == "plink_PqLink000001"
    assert outcome.gateway_payment_id == "pay_PqLinkPaid0001"
    assert outcome.gateway_order_id == "order_PqLinkOrder01"
    assert outcome.payment_method_type == "upi"
    assert outcome.customer == CustomerDetails(email="asha@example.com", phone="+919876543210", name="Asha Rao")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1")


def test_payment_link_expired_in_a_three_decimal_currency() -> None:
    outcome = _normalize("payment_link.expired.json")

    assert outcome.type == OutcomeType.CHECKOUT_EXPIRED
    assert outcome.gateway_checkout_id == "plink_PqLink000002"
    assert (outcome.amount, outcome.currency) == (125500, "KWD")
    assert outcome.money is not None
    assert str(outcome.money) == "125.500 KWD"
    assert outcome.references == PaymentReferences(transaction_ref="order-3003", link_id="rec_3kW2")
    assert outcome.gateway_payment_id is None


def test_refund_processed() -> None:
    outcome = _normalize("refund.processed.json")

    assert outcome.type == OutcomeType.REFUNDED
    assert outcome.gateway_refund_id == "rfnd_PqRefund0001"
    assert outcome.gateway_payment_id == "pay_PqCardOk00001"
    assert (outcome.amount, outcome.amount_refunded, outcome.currency) == (20000, 20000, "INR")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042")
    assert outcome.metadata == {"tinko_transaction_ref": "order-1042", "reason": "partial return"}


def test_events_tinko_does_not_act_on_normalize_to_nothing() -> None:
    payload = fixture("razorpay", "payment.failed.json")
    payload["event"] = "payment.authorized"

    assert webhooks.normalize(event_id="evt_1", payload=payload, livemode=False) is None


EVENT_FIXTURES = sorted(f"{event}.json" for event in webhooks.EVENT_HANDLERS)


@pytest.mark.parametrize("livemode", [False, True])
@pytest.mark.parametrize("name", EVENT_FIXTURES)
def test_every_outcome_carries_the_envelope_with_the_accounts_mode(name: str, livemode: bool) -> None:
    payload = fixture("razorpay", name)

    outcome = webhooks.normalize(event_id="evt_fromTheHeader", payload=payload, livemode=livemode)

    assert outcome is not None
    assert (outcome.provider, outcome.event_id, outcome.event_type, outcome.livemode) == (
        "razorpay",
        "evt_fromTheHeader",
        payload["event"],
        livemode,
    )
    assert outcome.occurred_at == datetime.fromtimestamp(payload["created_at"], tz=UTC)
    assert outcome.raw == payload
    assert outcome.references == PaymentReferences.from_metadata(outcome.metadata)


def test_an_event_without_its_creation_time_is_malformed() -> None:
    payload = fixture("razorpay", "payment.failed.json")
    del payload["created_at"]

    with pytest.raises(ValueError, match="no `created_at` time"):
        webhooks.normalize(event_id="evt_PqEvent0001", payload=payload, livemode=False)


def test_a_signed_body_without_an_event_type_is_malformed() -> None:
    body = b'{"entity":"event","payload":{}}'

    with pytest.raises(WebhookVerificationError) as raised:
        webhooks.verify(body=body, headers=_headers(body), secrets=(RAZORPAY_WEBHOOK_SECRET,), now=NOW)

    assert raised.value.reason == "malformed_body"
