"""Sandbox signatures and the normalisation of every sandbox event."""

from datetime import UTC, datetime

import pytest

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.sandbox import webhooks
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, PaymentReferences
from payments.tests.factories import SANDBOX_WEBHOOK_SECRET
from payments.tests.payloads import fixture, fixture_bytes

NOW = datetime(2026, 1, 1, 0, 1, tzinfo=UTC)


def _header(body: bytes, secret: str = SANDBOX_WEBHOOK_SECRET, signed_at: int | None = None) -> dict[str, str]:
    signed_at = signed_at if signed_at is not None else int(NOW.timestamp())
    return {"Tinko-Sandbox-Signature": webhooks.signature_header(body=body, secret=secret, signed_at=signed_at)}


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"secret", b"1767225600.{}", hashlib.sha256).hexdigest()

    assert webhooks.signature_header(body=b"{}", secret="secret", signed_at=1767225600) == f"t=1767225600,v1={expected}"


def test_a_signed_sandbox_event_verifies() -> None:
    body = fixture_bytes("sandbox", "payment.failed.json")

    verified = webhooks.verify(body=body, headers=_header(body), secrets=(SANDBOX_WEBHOOK_SECRET,), now=NOW)

    assert (verified.event_id, verified.event_type, verified.livemode) == (
        "evt_sbx_7Gq2LmN4pR8sT1vW3xY5zA",
        "payment.failed",
        False,
    )


@pytest.mark.parametrize(
    ("body_suffix", "secret", "age", "reason"),
    [
        (b" ", SANDBOX_WEBHOOK_SECRET, 0, "signature_mismatch"),
        (b"", "sbx_whsec_other", 0, "signature_mismatch"),
        (b"", SANDBOX_WEBHOOK_SECRET, 301, "stale_timestamp"),
    ],
    ids=["tampered-body", "wrong-secret", "stale-timestamp"],
)
def test_bad_sandbox_deliveries_are_refused(body_suffix: bytes, secret: str, age: int, reason: str) -> None:
    body = fixture_bytes("sandbox", "payment.failed.json")
    headers = _header(body, secret, int(NOW.timestamp()) - age)

    with pytest.raises(WebhookVerificationError) as raised:
        webhooks.verify(body=body + body_suffix, headers=headers, secrets=(SANDBOX_WEBHOOK_SECRET,), now=NOW)

    assert raised.value.reason == reason


def _normalize(name: str) -> PaymentOutcome:
    payload = fixture("sandbox", name)
    outcome = webhooks.normalize(event_id=payload["id"], payload=payload)
    assert outcome is not None
    assert (outcome.provider, outcome.event_type, outcome.livemode, outcome.raw) == (
        "sandbox",
        payload["type"],
        False,
        payload,
    )
    return outcome


def test_payment_failed() -> None:
    outcome = _normalize("payment.failed.json")

    assert outcome == PaymentOutcome(
        provider="sandbox",
        event_id="evt_sbx_7Gq2LmN4pR8sT1vW3xY5zA",
        event_type="payment.failed",
        type=OutcomeType.PAYMENT_FAILED,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        livemode=False,
        references=PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1"),
        gateway_payment_id="sbxpay_4kF9hJ2mN6pQ8rS1tU3vW5",
        gateway_checkout_id="sbxcs_9aB3cD5eF7gH1iJ3kL5mN7",
        gateway_payment_method_id="sbx_pm_card_insufficient_funds",
        amount=49900,
        currency="INR",
        amount_refunded=0,
        failure=FailureDetails(
            code="card_declined",
            message="Your card has insufficient funds.",
            decline_code="insufficient_funds",
            advice_code="try_again_later",
            network_decline_code="51",
        ),
        payment_method_type="card",
        customer=CustomerDetails(email="asha@example.com", name="Asha Rao"),
        metadata={"tinko_transaction_ref": "order-1042", "tinko_link_id": "rec_5pQ1"},
        raw=fixture("sandbox", "payment.failed.json"),
    )


def test_payment_succeeded() -> None:
    outcome = _normalize("payment.succeeded.json")

    assert outcome.type == OutcomeType.PAYMENT_SUCCEEDED
    assert outcome.failure is None
    assert (outcome.gateway_customer_id, outcome.gateway_payment_method_id) == ("cus_sbx_asha", "sbx_pm_card_ok")
    assert outcome.customer == CustomerDetails(email="asha@example.com", phone="+919876543210", name="Asha Rao")


def test_checkout_expired() -> None:
    outcome = _normalize("checkout.expired.json")

    assert outcome.type == OutcomeType.CHECKOUT_EXPIRED
    assert outcome.gateway_checkout_id == "sbxcs_3cD5eF7gH9iJ1kL3mN5pQ7"
    assert (outcome.amount, outcome.currency) == (1500, "JPY")
    assert outcome.references == PaymentReferences(transaction_ref="order-2001", link_id="rec_7zZ9")


def test_refund_succeeded() -> None:
    outcome = _normalize("refund.succeeded.json")

    assert outcome.type == OutcomeType.REFUNDED
    assert outcome.gateway_refund_id == "sbxre_6pQ8rS1tU3vW5xY7zA9bC2"
    assert outcome.gateway_payment_id == "sbxpay_8nP2qR4sT6uV8wX1yZ3aB5"
    assert (outcome.amount, outcome.amount_refunded, outcome.currency) == (20000, 20000, "INR")
    assert outcome.references == PaymentReferences(transaction_ref="order-1042")


EVENT_FIXTURES = sorted(f"{event}.json" for event in webhooks.EVENT_HANDLERS)


@pytest.mark.parametrize("name", EVENT_FIXTURES)
def test_every_outcome_carries_the_events_envelope_in_test_mode(name: str) -> None:
    payload = {**fixture("sandbox", name), "livemode": True}

    outcome = webhooks.normalize(event_id="evt_sbx_fromTheInbox", payload=payload)

    assert outcome is not None
    assert (outcome.provider, outcome.event_id, outcome.event_type, outcome.livemode) == (
        "sandbox",
        "evt_sbx_fromTheInbox",
        payload["type"],
        False,
    )
    assert outcome.occurred_at == datetime.fromtimestamp(payload["created"], tz=UTC)
    assert outcome.raw == payload
    assert outcome.references == PaymentReferences.from_metadata(outcome.metadata)


def test_an_event_without_its_creation_time_is_malformed() -> None:
    payload = fixture("sandbox", "payment.failed.json")
    del payload["created"]

    with pytest.raises(ValueError, match="no `created` time"):
        webhooks.normalize(event_id=payload["id"], payload=payload)


def test_a_signed_body_without_an_event_id_is_malformed() -> None:
    body = b'{"type":"payment.failed","object":"event"}'

    with pytest.raises(WebhookVerificationError) as raised:
        webhooks.verify(body=body, headers=_header(body), secrets=(SANDBOX_WEBHOOK_SECRET,), now=NOW)

    assert raised.value.reason == "malformed_body"
