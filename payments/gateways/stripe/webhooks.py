"""Stripe webhooks: the `Stripe-Signature` check and the normalisation of each handled event."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import stripe

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.amounts import from_gateway_amount
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
from payments.gateways.stripe import consts
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, VerifiedWebhook

PROVIDER = "stripe"


def _signature_matches(payload: str, header: str, secret: str) -> bool:
    try:
        # The SDK computes HMAC-SHA256 over "{t}.{payload}" and compares every v1 in constant time;
        # tolerance=None because the age is checked below against our own clock.
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        return False
    return True


def verify(*, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime) -> VerifiedWebhook:
    """Verify a delivery as Stripe signs it: any v1 (several during secret rotation), at most 300 s old."""
    header = headers.get(consts.SIGNATURE_HEADER, "")
    if not header:
        raise WebhookVerificationError("missing_signature", "No Stripe-Signature header.")
    if not secrets:
        raise WebhookVerificationError("no_webhook_secret", "This account has no webhook secret yet.")
    signed_at, _ = signed_header_parts(header)
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookVerificationError("malformed_body", "The body is not UTF-8.") from exc
    if not any(_signature_matches(payload, header, secret) for secret in secrets):
        raise WebhookVerificationError("signature_mismatch", "No signature matches the body.")
    signed_at_check(signed_at=signed_at, now=now, tolerance_seconds=consts.SIGNATURE_TOLERANCE_SECONDS)
    event = json_object(body)
    livemode = event.get("livemode")
    return webhook_verified(
        event=event,
        event_id=text(event.get("id")),
        event_type=text(event.get("type")),
        livemode=livemode if isinstance(livemode, bool) else None,
    )


def failure_from_error(error: Mapping[str, Any]) -> FailureDetails:
    """A Stripe error object (`last_payment_error`, or the `error` of a 402) as FailureDetails."""
    return FailureDetails(
        code=text(error.get("code")),
        message=text(error.get("message")),
        decline_code=text(error.get("decline_code")),
        advice_code=text(error.get("advice_code")),
        network_decline_code=text(error.get("network_decline_code")),
        network_advice_code=text(error.get("network_advice_code")),
    )


def money_fields(amount: Any, currency: Any) -> tuple[int | None, str | None]:
    """Stripe's amount and lower-case currency as ISO minor units and code."""
    if amount is None or not currency:
        return None, None
    money = from_gateway_amount(int(amount), str(currency), exponents=consts.CURRENCY_EXPONENTS)
    return money.amount, money.currency


def _customer_from(*sources: Mapping[str, Any]) -> CustomerDetails:
    def first(key: str) -> str | None:
        return next((value for source in sources if (value := text(source.get(key)))), None)

    return CustomerDetails(email=first("email"), phone=first("phone"), name=first("name"))


def _single_method_type(payment_method_types: Any) -> str | None:
    if isinstance(payment_method_types, list) and len(payment_method_types) == 1:
        return text(payment_method_types[0])
    return None


def _envelope(event: Mapping[str, Any], event_id: str) -> EventEnvelope:
    occurred_at = timestamp(event.get("created"))
    if occurred_at is None:
        raise ValueError("The event has no `created` time.")
    return EventEnvelope(
        provider=PROVIDER,
        event_id=event_id,
        event_type=str(event.get("type")),
        occurred_at=occurred_at,
        livemode=bool(event.get("livemode")),
        raw=event,
    )


def _data_object(envelope: EventEnvelope) -> Mapping[str, Any]:
    return as_mapping(as_mapping(envelope.raw.get("data")).get("object"))


def payment_intent_facts(intent: Mapping[str, Any]) -> PaymentFacts:
    """What a PaymentIntent (from an event or the API) says about the payment."""
    error = as_mapping(intent.get("last_payment_error"))
    error_method = as_mapping(error.get("payment_method"))
    intent_method = as_mapping(intent.get("payment_method"))
    billing = as_mapping(error_method.get("billing_details") or intent_method.get("billing_details"))
    amount, currency = money_fields(intent.get("amount"), intent.get("currency"))
    return PaymentFacts(
        gateway_payment_id=text(intent.get("id")),
        gateway_charge_id=object_id(error.get("charge")) or object_id(intent.get("latest_charge")),
        gateway_customer_id=object_id(intent.get("customer")),
        gateway_payment_method_id=object_id(error.get("payment_method")) or object_id(intent.get("payment_method")),
        amount=amount,
        currency=currency,
        failure=failure_from_error(error) if error else None,
        payment_method_type=text(error_method.get("type"))
        or text(error.get("payment_method_type"))
        or text(intent_method.get("type"))
        or _single_method_type(intent.get("payment_method_types")),
        customer=_customer_from(billing, {"email": intent.get("receipt_email")}),
    )


def _payment_intent_failed(envelope: EventEnvelope) -> PaymentOutcome:
    intent = _data_object(envelope)
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_FAILED,
        metadata=string_map(intent.get("metadata")),
        facts=payment_intent_facts(intent),
    )


def _payment_intent_succeeded(envelope: EventEnvelope) -> PaymentOutcome:
    intent = _data_object(envelope)
    facts = replace(payment_intent_facts(intent), failure=None)
    received = intent.get("amount_received")
    if received:
        amount, currency = money_fields(received, intent.get("currency"))
        facts = replace(facts, amount=amount, currency=currency)
    return outcome_from(
        envelope, outcome_type=OutcomeType.PAYMENT_SUCCEEDED, metadata=string_map(intent.get("metadata")), facts=facts
    )


def _charge_facts(charge: Mapping[str, Any]) -> PaymentFacts:
    amount, currency = money_fields(charge.get("amount"), charge.get("currency"))
    details = as_mapping(charge.get("payment_method_details"))
    return PaymentFacts(
        gateway_payment_id=object_id(charge.get("payment_intent")) or text(charge.get("id")),
        gateway_charge_id=text(charge.get("id")),
        gateway_customer_id=object_id(charge.get("customer")),
        gateway_payment_method_id=text(charge.get("payment_method")),
        amount=amount,
        currency=currency,
        payment_method_type=text(details.get("type")),
        customer=_customer_from(as_mapping(charge.get("billing_details")), {"email": charge.get("receipt_email")}),
    )


def _charge_failed(envelope: EventEnvelope) -> PaymentOutcome:
    charge = _data_object(envelope)
    outcome = as_mapping(charge.get("outcome"))
    failure = FailureDetails(
        code=text(charge.get("failure_code")),
        message=text(charge.get("failure_message")),
        # On a Charge the issuer's decline code (or Radar's reason) is outcome.reason.
        decline_code=text(outcome.get("reason")),
        advice_code=text(outcome.get("advice_code")),
        network_decline_code=text(outcome.get("network_decline_code")),
        network_advice_code=text(outcome.get("network_advice_code")),
    )
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_FAILED,
        metadata=string_map(charge.get("metadata")),
        facts=replace(_charge_facts(charge), failure=failure),
    )


def _charge_refunded(envelope: EventEnvelope) -> PaymentOutcome:
    charge = _data_object(envelope)
    total_refunded = int(charge.get("amount_refunded") or 0)
    previous = as_mapping(as_mapping(envelope.raw.get("data")).get("previous_attributes"))
    # amount_refunded is cumulative; the previous value tells how much this refund was.
    this_refund = total_refunded - int(previous.get("amount_refunded") or 0)
    refunds = as_mapping(charge.get("refunds")).get("data")
    latest_refund = refunds[0] if isinstance(refunds, list) and refunds else None
    this_refund_amount, _ = money_fields(this_refund, charge.get("currency"))
    refunded_total, _ = money_fields(total_refunded, charge.get("currency"))
    facts = replace(
        _charge_facts(charge),
        amount=this_refund_amount,
        amount_refunded=refunded_total,
        gateway_refund_id=object_id(latest_refund),
    )
    return outcome_from(
        envelope, outcome_type=OutcomeType.REFUNDED, metadata=string_map(charge.get("metadata")), facts=facts
    )


def _invoice_payment_intent(invoice: Mapping[str, Any]) -> Mapping[str, Any] | str | None:
    """The latest PaymentIntent of an invoice, if the payload includes its payments (expanded or not)."""
    payments = as_mapping(invoice.get("payments")).get("data")
    if not isinstance(payments, list):
        return None
    for item in payments:
        payment = as_mapping(as_mapping(item).get("payment"))
        intent = payment.get("payment_intent")
        if intent:
            return intent if isinstance(intent, Mapping) else str(intent)
    return None


def _invoice_payment_failed(envelope: EventEnvelope) -> PaymentOutcome:
    invoice = _data_object(envelope)
    parent = as_mapping(invoice.get("parent"))
    subscription_metadata = string_map(as_mapping(parent.get("subscription_details")).get("metadata"))
    amount, currency = money_fields(invoice.get("amount_due"), invoice.get("currency"))
    facts = PaymentFacts(
        gateway_payment_id=text(invoice.get("id")),
        gateway_order_id=text(invoice.get("id")),
        gateway_customer_id=object_id(invoice.get("customer")),
        amount=amount,
        currency=currency,
        customer=CustomerDetails(
            email=text(invoice.get("customer_email")),
            phone=text(invoice.get("customer_phone")),
            name=text(invoice.get("customer_name")),
        ),
    )
    intent = _invoice_payment_intent(invoice)
    if isinstance(intent, Mapping):
        intent_facts = payment_intent_facts(intent)
        facts = replace(
            facts,
            gateway_payment_id=intent_facts.gateway_payment_id,
            gateway_charge_id=intent_facts.gateway_charge_id,
            gateway_payment_method_id=intent_facts.gateway_payment_method_id,
            failure=intent_facts.failure,
            payment_method_type=intent_facts.payment_method_type,
        )
    elif isinstance(intent, str):
        facts = replace(facts, gateway_payment_id=intent)
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_FAILED,
        metadata={**subscription_metadata, **string_map(invoice.get("metadata"))},
        facts=facts,
    )


def _checkout_facts(session: Mapping[str, Any]) -> PaymentFacts:
    amount, currency = money_fields(session.get("amount_total"), session.get("currency"))
    return PaymentFacts(
        gateway_checkout_id=text(session.get("id")),
        gateway_payment_id=object_id(session.get("payment_intent")),
        gateway_customer_id=object_id(session.get("customer")),
        amount=amount,
        currency=currency,
        payment_method_type=_single_method_type(
            session.get("allowed_payment_method_types") or session.get("payment_method_types")
        ),
        customer=_customer_from(as_mapping(session.get("customer_details")), {"email": session.get("customer_email")}),
    )


def _checkout_completed(envelope: EventEnvelope) -> PaymentOutcome:
    session = _data_object(envelope)
    # Completed is not paid: delayed methods complete unpaid and settle later on the PaymentIntent.
    paid = session.get("payment_status") == consts.CHECKOUT_PAID
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.PAYMENT_SUCCEEDED if paid else OutcomeType.OTHER,
        metadata=string_map(session.get("metadata")),
        facts=_checkout_facts(session),
    )


def _checkout_expired(envelope: EventEnvelope) -> PaymentOutcome:
    session = _data_object(envelope)
    return outcome_from(
        envelope,
        outcome_type=OutcomeType.CHECKOUT_EXPIRED,
        metadata=string_map(session.get("metadata")),
        facts=_checkout_facts(session),
    )


EVENT_HANDLERS: dict[str, Callable[[EventEnvelope], PaymentOutcome]] = {
    consts.EVENT_PAYMENT_INTENT_FAILED: _payment_intent_failed,
    consts.EVENT_CHARGE_FAILED: _charge_failed,
    consts.EVENT_INVOICE_PAYMENT_FAILED: _invoice_payment_failed,
    consts.EVENT_CHECKOUT_COMPLETED: _checkout_completed,
    consts.EVENT_CHECKOUT_EXPIRED: _checkout_expired,
    consts.EVENT_PAYMENT_INTENT_SUCCEEDED: _payment_intent_succeeded,
    consts.EVENT_CHARGE_REFUNDED: _charge_refunded,
}


def normalize(*, event_id: str, payload: Mapping[str, Any]) -> PaymentOutcome | None:
    """The event as a PaymentOutcome, or None when its type is not one Tinko handles."""
    handler = EVENT_HANDLERS.get(str(payload.get("type")))
    return handler(_envelope(payload, event_id)) if handler else None
