"""Stripe-Signature verification and the normalisation of every handled Stripe event."""

from datetime import UTC, datetime

import pytest

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.stripe import webhooks
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, PaymentReferences
from payments.tests.factories import STRIPE_WEBHOOK_SECRET
from payments.tests.payloads import fixture, fixture_bytes, stripe_signature

NOW = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
SIGNED_AT = int(NOW.timestamp()) - 10
OLD_SECRET = "whsec_previousSecret0000"


def _verify(body: bytes, header: str | None, secrets: tuple[str, ...] = (STRIPE_WEBHOOK_SECRET,)):
    headers = {"Stripe-Signature": header} if header is not None else {}
    return webhooks.verify(body=body, headers=headers, secrets=secrets, now=NOW)


def test_a_delivery_signed_with_the_endpoint_secret_is_verified_and_parsed() -> None:
    body = fixture_bytes("stripe", "charge.failed.json")

    verified = _verify(body, stripe_signature(body, STRIPE_WEBHOOK_SECRET, SIGNED_AT))

    assert (verified.event_id, verified.event_type, verified.livemode) == (
        "evt_3QpChargeFailed01",
        "charge.failed",
        False,
    )
    assert verified.payload == fixture("stripe", "charge.failed.json")


@pytest.mark.parametrize(
    ("body_change", "secret", "signed_at", "reason"),
    [
        (b" ", STRIPE_WEBHOOK_SECRET, SIGNED_AT, "signature_mismatch"),  # tampered body
        (b"", "whsec_someoneElsesSecret01", SIGNED_AT, "signature_mismatch"),  # wrong secret
        (b"", STRIPE_WEBHOOK_SECRET, int(NOW.timestamp()) - 301, "stale_timestamp"),  # replayed later
    ],
    ids=["tampered-body", "wrong-secret", "stale-timestamp"],
)
def test_bad_deliveries_are_refused(body_change: bytes, secret: str, signed_at: int, reason: str) -> None:
    body = fixture_bytes("stripe", "charge.failed.json")
    header = stripe_signature(body, secret, signed_at)

    with pytest.raises(WebhookVerificationError) as raised:
        _verify(body + body_change, header)

    assert raised.value.reason == reason


def test_a_signature_exactly_at_the_tolerance_is_still_accepted() -> None:
    body = fixture_bytes("stripe", "charge.failed.json")

    verified = _verify(body, stripe_signature(body, STRIPE_WEBHOOK_SECRET, int(NOW.timestamp()) - 300))

    assert verified.event_id == "evt_3QpChargeFailed01"


@pytest.mark.parametrize(
    ("header", "reason"),
    [(None, "missing_signature"), ("v1=abc", "malformed_signature"), ("t=123", "malformed_signature")],
)
def test_missing_or_malformed_headers_are_refused(header: str | None, reason: str) -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        _verify(fixture_bytes("stripe", "charge.failed.json"), header)

    assert raised.value.reason == reason


def test_during_secret_rotation_any_of_several_v1_signatures_may_match() -> None:
    body = fixture_bytes("stripe", "charge.failed.json")
    old = stripe_signature(body, OLD_SECRET, SIGNED_AT)
    new = stripe_signature(body, STRIPE_WEBHOOK_SECRET, SIGNED_AT).split(",")[1]

    verified = _verify(body, f"{old},{new}")

    assert verified.event_id == "evt_3QpChargeFailed01"


def test_an_event_signed_with_our_previous_secret_is_accepted_while_it_is_kept() -> None:
    body = fixture_bytes("stripe", "charge.failed.json")

    verified = _verify(body, stripe_signature(body, OLD_SECRET, SIGNED_AT), (STRIPE_WEBHOOK_SECRET, OLD_SECRET))

    assert verified.event_id == "evt_3QpChargeFailed01"


def test_an_account_without_a_webhook_secret_refuses_everything() -> None:
    body = fixture_bytes("stripe", "charge.failed.json")

    with pytest.raises(WebhookVerificationError) as raised:
        _verify(body, stripe_signature(body, STRIPE_WEBHOOK_SECRET, SIGNED_AT), ())

    assert raised.value.reason == "no_webhook_secret"


def _normalize(name: str) -> PaymentOutcome:
    payload = fixture("stripe", name)
    outcome = webhooks.normalize(event_id=payload["id"], payload=payload)
    assert outcome is not None
    assert outcome.raw == payload
    assert outcome.provider == "stripe"
    assert outcome.event_type == payload["type"]
    assert outcome.livemode is False
    return outcome


def test_payment_intent_payment_failed() -> None:
    outcome = _normalize("payment_intent.payment_failed.json")

    assert outcome == PaymentOutcome(
        provider="stripe",
        event_id="evt_3QpFailedPi0001",
        event_type="payment_intent.payment_failed",
        type=OutcomeType.PAYMENT_FAILED,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        livemode=False,
        references=PaymentReferences(transaction_ref="order-1042", attempt_id="att_8cT2", link_id="rec_5pQ1"),
        gateway_payment_id="pi_3QpFailed0001",
        gateway_charge_id="ch_3QpFailedCharge01",
        gateway_customer_id="cus_Rq7Payer0001",
        gateway_payment_method_id="pm_1QpCard0001",
        amount=2000,
        currency="USD",
        failure=FailureDetails(
            code="card_declined",
            message="Your card has insufficient funds.",
            decline_code="insufficient_funds",
            advice_code="try_again_later",
            network_decline_code="51",
        ),
        payment_method_type="card",
        customer=CustomerDetails(email="asha@example.com", phone="+14155550100", name="Asha Rao"),
        metadata={"tinko_transaction_ref": "order-1042", "tinko_attempt_id": "att_8cT2", "tinko_link_id": "rec_5pQ1"},
        raw=fixture("stripe", "payment_intent.payment_failed.json"),
    )


def test_charge_failed_reads_the_decline_from_the_charge_outcome() -> None:
    outcome = _normalize("charge.failed.json")

    assert outcome.type == OutcomeType.PAYMENT_FAILED
    assert outcome.occurred_at == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert (outcome.gateway_payment_id, outcome.gateway_charge_id) == ("pi_3QpFailed0001", "ch_3QpFailedCharge01")
    assert outcome.failure == FailureDetails(
        code="card_declined",
        message="Your card has insufficient funds.",
        decline_code="insufficient_funds",
        advice_code="try_again_later",
        network_decline_code="51",
    )
    assert (outcome.amount, outcome.currency, outcome.payment_method_type) == (2000, "USD", "card")
    assert outcome.gateway_payment_method_id == "pm_1QpCard0001"
    assert outcome.customer == CustomerDetails(email="asha@example.com", name="Asha Rao")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042", attempt_id="att_8cT2")


def test_invoice_payment_failed_takes_references_from_the_subscription() -> None:
    outcome = _normalize("invoice.payment_failed.json")

    assert outcome.type == OutcomeType.PAYMENT_FAILED
    assert outcome.occurred_at == datetime(2026, 1, 2, tzinfo=UTC)
    assert outcome.gateway_order_id == "in_1QpInvoice0001"
    assert outcome.gateway_customer_id == "cus_Rq7Payer0002"
    assert (outcome.amount, outcome.currency) == (4900, "USD")
    assert outcome.customer == CustomerDetails(email="li.wei@example.com", name="Li Wei")
    assert outcome.references == PaymentReferences(transaction_ref="sub-77-2026-01")
    # Decline codes are not on invoices any more; the adapter fetches them (see test_adapter).
    assert outcome.failure is None


def test_checkout_session_completed_and_paid_is_a_success() -> None:
    outcome = _normalize("checkout.session.completed.json")

    assert outcome.type == OutcomeType.PAYMENT_SUCCEEDED
    assert outcome.gateway_checkout_id == "cs_test_a1QpCheckout0001"
    assert outcome.gateway_payment_id == "pi_3QpRecovered0001"
    assert (outcome.amount, outcome.currency, outcome.payment_method_type) == (2000, "USD", "card")
    assert outcome.customer == CustomerDetails(email="asha@example.com", name="Asha Rao")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1")
    assert outcome.failure is None


def test_checkout_session_completed_but_unpaid_is_not_a_success_yet() -> None:
    payload = fixture("stripe", "checkout.session.completed.json")
    payload["data"]["object"]["payment_status"] = "unpaid"

    outcome = webhooks.normalize(event_id=payload["id"], payload=payload)

    assert outcome is not None
    assert outcome.type == OutcomeType.OTHER


def test_checkout_session_expired_in_a_zero_decimal_currency() -> None:
    outcome = _normalize("checkout.session.expired.json")

    assert outcome.type == OutcomeType.CHECKOUT_EXPIRED
    assert outcome.gateway_checkout_id == "cs_test_a1QpCheckout0002"
    assert outcome.gateway_payment_id is None
    assert (outcome.amount, outcome.currency) == (150000, "JPY")
    assert outcome.customer == CustomerDetails(email="kenji@example.com")
    assert outcome.references == PaymentReferences(transaction_ref="order-2001", link_id="rec_7zZ9")


def test_payment_intent_succeeded() -> None:
    outcome = _normalize("payment_intent.succeeded.json")

    assert outcome.type == OutcomeType.PAYMENT_SUCCEEDED
    assert outcome.occurred_at == datetime(2026, 1, 1, 0, 59, 59, tzinfo=UTC)
    assert (outcome.gateway_payment_id, outcome.gateway_charge_id) == ("pi_3QpRecovered0001", "ch_3QpRecoveredCh01")
    assert outcome.gateway_payment_method_id == "pm_1QpCard0002"
    assert (outcome.amount, outcome.currency) == (2000, "USD")
    assert outcome.customer == CustomerDetails(email="asha@example.com")
    assert outcome.failure is None


def test_charge_refunded_reports_this_refund_and_the_running_total() -> None:
    outcome = _normalize("charge.refunded.json")

    assert outcome.type == OutcomeType.REFUNDED
    assert outcome.gateway_payment_id == "pi_3QpRecovered0001"
    assert outcome.gateway_refund_id == "re_3QpRefund0002"
    assert (outcome.amount, outcome.amount_refunded, outcome.currency) == (1000, 1500, "USD")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042")


def test_events_tinko_does_not_act_on_normalize_to_nothing() -> None:
    payload = fixture("stripe", "charge.failed.json")
    payload["type"] = "customer.created"

    assert webhooks.normalize(event_id=payload["id"], payload=payload) is None


EVENT_FIXTURES = sorted(f"{event}.json" for event in webhooks.EVENT_HANDLERS)


@pytest.mark.parametrize("name", EVENT_FIXTURES)
def test_every_outcome_carries_the_events_envelope_and_references_from_its_metadata(name: str) -> None:
    payload = fixture("stripe", name)

    outcome = webhooks.normalize(event_id="evt_fromTheInbox", payload=payload)

    assert outcome is not None
    assert (outcome.provider, outcome.event_id, outcome.event_type, outcome.livemode) == (
        "stripe",
        "evt_fromTheInbox",
        payload["type"],
        payload["livemode"],
    )
    assert outcome.occurred_at == datetime.fromtimestamp(payload["created"], tz=UTC)
    assert outcome.raw == payload
    assert outcome.references == PaymentReferences.from_metadata(outcome.metadata)


def test_an_event_without_its_creation_time_is_malformed() -> None:
    payload = fixture("stripe", "charge.failed.json")
    del payload["created"]

    with pytest.raises(ValueError, match="no `created` time"):
        webhooks.normalize(event_id=payload["id"], payload=payload)


def test_a_signed_body_without_an_event_type_is_malformed() -> None:
    body = b'{"id":"evt_1","object":"event"}'

    with pytest.raises(WebhookVerificationError) as raised:
        _verify(body, stripe_signature(body, STRIPE_WEBHOOK_SECRET, SIGNED_AT))

    assert raised.value.reason == "malformed_body"
