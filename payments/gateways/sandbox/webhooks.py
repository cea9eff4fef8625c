"""Sandbox webhooks: signed like Stripe's (`t=…,v1=…`, HMAC-SHA256 over "t.body", 300 s), normalized
from the sandbox's Stripe-like event envelope."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.events import EventEnvelope, PaymentFacts, outcome_from, webhook_verified
from payments.gateways.payloads import (
    as_mapping,
    json_object,
    object_id,
    signed_at_check,
    signed_header_parts,
    string_map,
    text,
    timestamp,
)
from payments.gateways.sandbox import consts
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, VerifiedWebhook

PROVIDER = "sandbox"


def _signature(signed_at: int, body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), f"{signed_at}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, body: bytes, secret: str, signed_at: int) -> str:
    """The Tinko-Sandbox-Signature header value for `body`, signed at `signed_at` (unix seconds)."""
    return f"t={signed_at},v1={_signature(signed_at, body, secret)}"


def verify(*, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime) -> VerifiedWebhook:
    header = headers.get(consts.SIGNATURE_HEADER, "")
    if not header:
        raise WebhookVerificationError("missing_signature", f"No {consts.SIGNATURE_HEADER} header.")
    if not secrets:
        raise WebhookVerificationError("no_webhook_secret", "This account has no webhook secret.")
    signed_at, signatures = signed_header_parts(header)
    expected = [_signature(signed_at, body, secret) for secret in secrets]
    if not any(hmac.compare_digest(want, got) for want in expected for got in signatures):
        raise WebhookVerificationError("signature_mismatch", "No signature matches the body.")
    signed_at_check(signed_at=signed_at, now=now, tolerance_seconds=consts.SIGNATURE_TOLERANCE_SECONDS)
    event = json_object(body)
    # The sandbox has only a test mode, whatever a body says.
    return webhook_verified(
        event=event, event_id=text(event.get("id")), event_type=text(event.get("type")), livemode=False
    )


def _envelope(event: Mapping[str, Any], event_id: str) -> EventEnvelope:
    occurred_at = timestamp(event.get("created"))
    if occurred_at is None:
        raise ValueError("The event has no `created` time.")
    return EventEnvelope(
        provider=PROVIDER,
        event_id=event_id,
        event_type=str(event.get("type")),
        occurred_at=occurred_at,
        livemode=False,
        raw=event,
    )


def _data_object(envelope: EventEnvelope) -> Mapping[str, Any]:
    return as_mapping(as_mapping(envelope.raw.get("data")).get("object"))


def _customer(details: Any) -> CustomerDetails:
    details = as_mapping(details)
    return CustomerDetails(
        email=text(details.get("email")), phone=text(details.get("phone")), name=text(details.get("name"))
    )


def payment_facts(payment: Mapping[str, Any]) -> PaymentFacts:
    """What a sandbox payment object (from an event or the sandbox's API) says about the payment."""
    method = as_mapping(payment.get("payment_method"))
    return PaymentFacts(
        gateway_payment_id=text(payment.get("id")),
        gateway_checkout_id=text(payment.get("checkout")),
        gateway_customer_id=text(payment.get("customer")),
        gateway_payment_method_id=text(method.get("id")),
        amount=int(payment["amount"]),
        currency=str(payment["currency"]),
        amount_refunded=int(payment.get("amount_refunded") or 0),
        payment_method_type=text(method.get("type")),
        customer=_customer(payment.get("customer_details")),
    )


def failure_from(failure: Any) -> FailureDetails | None:
    failure = as_mapping(failure)
    if not failure:
        return None
    return FailureDetails(
        code=text(failure.get("code")),
        message=text(failure.get("message")),
        decline_code=text(failure.get("decline_code")),
        advice_code=text(failure.get("advice_code")),
        network_decline_code=text(failure.get("network_decline_code")),
        network_advice_code=text(failure.get("network_advice_code")),
    )


def _payment_event(outcome_type: str) -> Callable[[EventEnvelope], PaymentOutcome]:
    def normalize_payment(envelope: EventEnvelope) -> PaymentOutcome:
        payment = _data_object(envelope)
        return outcome_from(
            envelope,
            outcome_type=outcome_type,
            metadata=string_map(payment.get("metadata")),
            facts=replace(payment_facts(payment), failure=failure_from(payment.get("failure"))),
        )

    return normalize_payment


def _checkout_expired(envelope: EventEnvelope) -> PaymentOutcome:
    checkout = _data_object(envelope)
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.CHECKOUT_EXPIRED,
        metadata=string_map(checkout.get("metadata")),
        facts=PaymentFacts(
            gateway_checkout_id=text(checkout.get("id")),
            gateway_customer_id=text(checkout.get("customer")),
            amount=int(checkout["amount"]),
            currency=str(checkout["currency"]),
            customer=_customer(checkout.get("customer_details")),
        ),
    )


def _refund_succeeded(envelope: EventEnvelope) -> PaymentOutcome:
    refund = _data_object(envelope)
    payment = as_mapping(refund.get("payment"))
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.REFUNDED,
        metadata={**string_map(payment.get("metadata")), **string_map(refund.get("metadata"))},
        facts=replace(
            payment_facts(payment), amount=int(refund["amount"]), gateway_refund_id=object_id(refund.get("id"))
        ),
    )


EVENT_HANDLERS: dict[str, Callable[[EventEnvelope], PaymentOutcome]] = {
    consts.EVENT_PAYMENT_FAILED: _payment_event(OutcomeType.PAYMENT_FAILED),
    consts.EVENT_PAYMENT_SUCCEEDED: _payment_event(OutcomeType.PAYMENT_SUCCEEDED),
    consts.EVENT_CHECKOUT_EXPIRED: _checkout_expired,
    consts.EVENT_REFUND_SUCCEEDED: _refund_succeeded,
}


def normalize(*, event_id: str, payload: Mapping[str, Any]) -> PaymentOutcome | None:
    """The event as a PaymentOutcome, or None when its type is not one Tinko handles."""
    handler = EVENT_HANDLERS.get(str(payload.get("type")))
    return handler(_envelope(payload, event_id)) if handler else None
