"""Razorpay webhooks: the `X-Razorpay-Signature` check and the normalisation of each handled event."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from razorpay.errors import SignatureVerificationError
from razorpay.utility.utility import Utility

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.amounts import from_gateway_amount
from payments.gateways.events import EventEnvelope, PaymentFacts, outcome_from, webhook_verified
from payments.gateways.payloads import as_mapping, json_object, string_map, text, timestamp
from payments.gateways.razorpay import consts
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, VerifiedWebhook

PROVIDER = "razorpay"


def _signature_matches(body: str, signature: str, secret: str) -> bool:
    try:
        # hex HMAC-SHA256 of the raw body with the webhook secret, compared in constant time.
        Utility(None).verify_webhook_signature(body, signature, secret)
    except SignatureVerificationError:
        return False
    return True


def verify(*, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime) -> VerifiedWebhook:
    """Verify as Razorpay signs: HMAC of the raw body. Neither a timestamp nor X-Razorpay-Event-Id is
    signed, so the inbox deduplicates on the event id and, against a replay under a new id, on the body."""
    signature = headers.get(consts.SIGNATURE_HEADER, "")
    if not signature:
        raise WebhookVerificationError("missing_signature", "No X-Razorpay-Signature header.")
    if not signature.isascii():
        raise WebhookVerificationError("malformed_signature", "The signature header is not ASCII.")
    if not secrets:
        raise WebhookVerificationError("no_webhook_secret", "This account has no webhook secret yet.")
    try:
        text_body = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookVerificationError("malformed_body", "The body is not UTF-8.") from exc
    # Razorpay says to check retries of older events with the old secret after a rotation.
    if not any(_signature_matches(text_body, signature, secret) for secret in secrets):
        raise WebhookVerificationError("signature_mismatch", "No secret produces this signature.")
    event_id = headers.get(consts.EVENT_ID_HEADER, "").strip()
    if not event_id:
        raise WebhookVerificationError("missing_event_id", "No X-Razorpay-Event-Id header.")
    event = json_object(body)
    # Razorpay events carry no livemode flag; the account's mode is the only truth.
    return webhook_verified(event=event, event_id=event_id, event_type=text(event.get("event")), livemode=None)


def _envelope(event: Mapping[str, Any], event_id: str, livemode: bool) -> EventEnvelope:
    occurred_at = timestamp(event.get("created_at"))
    if occurred_at is None:
        raise ValueError("The event has no `created_at` time.")
    return EventEnvelope(
        provider=PROVIDER,
        event_id=event_id,
        event_type=str(event.get("event")),
        occurred_at=occurred_at,
        livemode=livemode,
        raw=event,
    )


def _entity(envelope: EventEnvelope, name: str) -> Mapping[str, Any]:
    return as_mapping(as_mapping(as_mapping(envelope.raw.get("payload")).get(name)).get("entity"))


def _money_fields(amount: Any, currency: Any) -> tuple[int | None, str | None]:
    if amount is None or not currency:
        return None, None
    money = from_gateway_amount(int(amount), str(currency), exponents=consts.CURRENCY_EXPONENTS)
    return money.amount, money.currency


def payment_facts(payment: Mapping[str, Any]) -> PaymentFacts:
    """What a Razorpay payment entity (from an event or the API) says about the payment."""
    amount, currency = _money_fields(payment.get("amount"), payment.get("currency"))
    refunded, _ = _money_fields(payment.get("amount_refunded"), payment.get("currency"))
    card = as_mapping(payment.get("card"))
    return PaymentFacts(
        gateway_payment_id=text(payment.get("id")),
        gateway_order_id=text(payment.get("order_id")),
        gateway_customer_id=text(payment.get("customer_id")),
        gateway_payment_method_id=text(payment.get("token_id")),
        amount=amount,
        currency=currency,
        amount_refunded=refunded,
        payment_method_type=text(payment.get("method")),
        customer=CustomerDetails(
            email=text(payment.get("email")), phone=text(payment.get("contact")), name=text(card.get("name"))
        ),
    )


def failure_from_payment(payment: Mapping[str, Any]) -> FailureDetails:
    return FailureDetails(
        code=text(payment.get("error_code")),
        message=text(payment.get("error_description")),
        decline_code=text(payment.get("error_reason")),
        source=text(payment.get("error_source")),
        step=text(payment.get("error_step")),
    )


def _payment_failed(envelope: EventEnvelope) -> PaymentOutcome:
    payment = _entity(envelope, "payment")
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_FAILED,
        metadata=string_map(payment.get("notes")),
        facts=replace(payment_facts(payment), failure=failure_from_payment(payment)),
    )


def _payment_captured(envelope: EventEnvelope) -> PaymentOutcome:
    payment = _entity(envelope, "payment")
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_SUCCEEDED,
        metadata=string_map(payment.get("notes")),
        facts=payment_facts(payment),
    )


def _order_paid(envelope: EventEnvelope) -> PaymentOutcome:
    payment, order = _entity(envelope, "payment"), _entity(envelope, "order")
    facts = payment_facts(payment)
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_SUCCEEDED,
        metadata={**string_map(order.get("notes")), **string_map(payment.get("notes"))},
        facts=replace(facts, gateway_order_id=text(order.get("id")) or facts.gateway_order_id),
    )


def _link_customer(link: Mapping[str, Any]) -> CustomerDetails:
    customer = as_mapping(link.get("customer"))
    return CustomerDetails(
        email=text(customer.get("email")), phone=text(customer.get("contact")), name=text(customer.get("name"))
    )


def _payment_link_paid(envelope: EventEnvelope) -> PaymentOutcome:
    link, payment = _entity(envelope, "payment_link"), _entity(envelope, "payment")
    facts = payment_facts(payment)
    link_customer = _link_customer(link)
    facts = replace(
        facts,
        customer=CustomerDetails(
            email=link_customer.email or facts.customer.email,
            phone=link_customer.phone or facts.customer.phone,
            name=link_customer.name or facts.customer.name,
        ),
        gateway_order_id=text(link.get("order_id")) or facts.gateway_order_id,
        gateway_checkout_id=text(link.get("id")),
    )
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_SUCCEEDED,
        metadata={**string_map(payment.get("notes")), **string_map(link.get("notes"))},
        facts=facts,
    )


def _payment_link_expired(envelope: EventEnvelope) -> PaymentOutcome:
    link = _entity(envelope, "payment_link")
    amount, currency = _money_fields(link.get("amount"), link.get("currency"))
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.CHECKOUT_EXPIRED,
        metadata=string_map(link.get("notes")),
        facts=PaymentFacts(
            gateway_checkout_id=text(link.get("id")),
            gateway_order_id=text(link.get("order_id")),
            amount=amount,
            currency=currency,
            customer=_link_customer(link),
        ),
    )


def _refund_processed(envelope: EventEnvelope) -> PaymentOutcome:
    refund, payment = _entity(envelope, "refund"), _entity(envelope, "payment")
    facts = payment_facts(payment)
    amount, currency = _money_fields(refund.get("amount"), refund.get("currency"))
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.REFUNDED,
        metadata={**string_map(payment.get("notes")), **string_map(refund.get("notes"))},
        facts=replace(
            facts,
            gateway_payment_id=text(refund.get("payment_id")) or facts.gateway_payment_id,
            amount=amount,
            currency=currency,
            gateway_refund_id=text(refund.get("id")),
        ),
    )


EVENT_HANDLERS: dict[str, Callable[[EventEnvelope], PaymentOutcome]] = {
    consts.EVENT_PAYMENT_FAILED: _payment_failed,
    consts.EVENT_PAYMENT_CAPTURED: _payment_captured,
    consts.EVENT_ORDER_PAID: _order_paid,
    consts.EVENT_PAYMENT_LINK_PAID: _payment_link_paid,
    consts.EVENT_PAYMENT_LINK_EXPIRED: _payment_link_expired,
    consts.EVENT_REFUND_PROCESSED: _refund_processed,
}


def normalize(*, event_id: str, payload: Mapping[str, Any], livemode: bool) -> PaymentOutcome | None:
    """The event as a PaymentOutcome, or None when its type is not one Tinko handles.

    Razorpay events carry no livemode flag; the account's mode stands in for it."""
    handler = EVENT_HANDLERS.get(str(payload.get("event")))
    return handler(_envelope(payload, event_id, livemode)) if handler else None
