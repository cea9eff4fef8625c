"""Razorpay webhooks: the `X-Razorpay-Signature` check and the normalisation of each handled event."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from razorpay.errors import SignatureVerificationError
from razorpay.utility.utility import Utility

from payments.enums import OutcomeType
from payments.exceptions import WebhookVerificationError
from payments.gateways.amounts import from_gateway_amount
from payments.gateways.payloads import as_mapping, json_object, string_map, text, timestamp
from payments.gateways.razorpay import consts
from payments.interface import CustomerDetails, FailureDetails, PaymentOutcome, PaymentReferences, VerifiedWebhook

PROVIDER = "razorpay"


def _signature_matches(body: str, signature: str, secret: str) -> bool:
    try:
        # hex HMAC-SHA256 of the raw body with the webhook secret, compared in constant time.
        Utility(None).verify_webhook_signature(body, signature, secret)
    except SignatureVerificationError:
        return False
    return True


def verify(*, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime) -> VerifiedWebhook:
    """Verify as Razorpay signs: HMAC of the raw body. There is no timestamp in the signature, so
    deduplication on X-Razorpay-Event-Id (the inbox's unique key) is the only replay defence."""
    signature = headers.get(consts.SIGNATURE_HEADER, "")
    if not signature:
        raise WebhookVerificationError("missing_signature", "No X-Razorpay-Signature header.")
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
    event_type = text(event.get("event"))
    if not event_type:
        raise WebhookVerificationError("malformed_body", "The event has no type.")
    # Razorpay events carry no livemode flag; the account's mode is the only truth.
    return VerifiedWebhook(event_id=event_id, event_type=event_type, payload=event, livemode=None)


def _entity(event: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return as_mapping(as_mapping(as_mapping(event.get("payload")).get(name)).get("entity"))


def _money_fields(amount: Any, currency: Any) -> tuple[int | None, str | None]:
    if amount is None or not currency:
        return None, None
    money = from_gateway_amount(int(amount), str(currency), exponents=consts.CURRENCY_EXPONENTS)
    return money.amount, money.currency


def payment_fields(payment: Mapping[str, Any]) -> dict[str, Any]:
    """What a Razorpay payment entity (from an event or the API) says about the payment."""
    amount, currency = _money_fields(payment.get("amount"), payment.get("currency"))
    refunded, _ = _money_fields(payment.get("amount_refunded"), payment.get("currency"))
    card = as_mapping(payment.get("card"))
    return {
        "gateway_payment_id": text(payment.get("id")),
        "gateway_order_id": text(payment.get("order_id")),
        "gateway_customer_id": text(payment.get("customer_id")),
        "gateway_payment_method_id": text(payment.get("token_id")),
        "amount": amount,
        "currency": currency,
        "amount_refunded": refunded,
        "payment_method_type": text(payment.get("method")),
        "customer": CustomerDetails(
            email=text(payment.get("email")), phone=text(payment.get("contact")), name=text(card.get("name"))
        ),
    }


def failure_from_payment(payment: Mapping[str, Any]) -> FailureDetails:
    return FailureDetails(
        code=text(payment.get("error_code")),
        message=text(payment.get("error_description")),
        decline_code=text(payment.get("error_reason")),
        source=text(payment.get("error_source")),
        step=text(payment.get("error_step")),
    )


def _base(
    event: Mapping[str, Any], event_id: str, outcome_type: str, metadata: dict[str, str], livemode: bool
) -> dict[str, Any]:
    occurred_at = timestamp(event.get("created_at"))
    if occurred_at is None:
        raise ValueError("The event has no `created_at` time.")
    return {
        "provider": PROVIDER,
        "event_id": event_id,
        "event_type": str(event.get("event")),
        "type": outcome_type,
        "occurred_at": occurred_at,
        "livemode": livemode,
        "metadata": metadata,
        "references": PaymentReferences.from_metadata(metadata),
        "raw": event,
    }


def _payment_failed(event: Mapping[str, Any], event_id: str, livemode: bool) -> PaymentOutcome:
    payment = _entity(event, "payment")
    metadata = string_map(payment.get("notes"))
    return PaymentOutcome(
        **_base(event, event_id, OutcomeType.PAYMENT_FAILED, metadata, livemode),
        **payment_fields(payment),
        failure=failure_from_payment(payment),
    )


def _payment_captured(event: Mapping[str, Any], event_id: str, livemode: bool) -> PaymentOutcome:
    payment = _entity(event, "payment")
    metadata = string_map(payment.get("notes"))
    return PaymentOutcome(
        **_base(event, event_id, OutcomeType.PAYMENT_SUCCEEDED, metadata, livemode), **payment_fields(payment)
    )


def _order_paid(event: Mapping[str, Any], event_id: str, livemode: bool) -> PaymentOutcome:
    payment, order = _entity(event, "payment"), _entity(event, "order")
    metadata = {**string_map(order.get("notes")), **string_map(payment.get("notes"))}
    fields = payment_fields(payment)
    fields["gateway_order_id"] = text(order.get("id")) or fields["gateway_order_id"]
    return PaymentOutcome(**_base(event, event_id, OutcomeType.PAYMENT_SUCCEEDED, metadata, livemode), **fields)


def _link_customer(link: Mapping[str, Any]) -> CustomerDetails:
    customer = as_mapping(link.get("customer"))
    return CustomerDetails(
        email=text(customer.get("email")), phone=text(customer.get("contact")), name=text(customer.get("name"))
    )


def _payment_link_paid(event: Mapping[str, Any], event_id: str, livemode: bool) -> PaymentOutcome:
    link, payment = _entity(event, "payment_link"), _entity(event, "payment")
    metadata = {**string_map(payment.get("notes")), **string_map(link.get("notes"))}
    fields = payment_fields(payment)
    link_customer = _link_customer(link)
    fields["customer"] = CustomerDetails(
        email=link_customer.email or fields["customer"].email,
        phone=link_customer.phone or fields["customer"].phone,
        name=link_customer.name or fields["customer"].name,
    )
    fields["gateway_order_id"] = text(link.get("order_id")) or fields["gateway_order_id"]
    return PaymentOutcome(
        **_base(event, event_id, OutcomeType.PAYMENT_SUCCEEDED, metadata, livemode),
        **fields,
        gateway_checkout_id=text(link.get("id")),
    )


def _payment_link_expired(event: Mapping[str, Any], event_id: str, livemode: bool) -> PaymentOutcome:
    link = _entity(event, "payment_link")
    metadata = string_map(link.get("notes"))
    amount, currency = _money_fields(link.get("amount"), link.get("currency"))
    return PaymentOutcome(
        **_base(event, event_id, OutcomeType.CHECKOUT_EXPIRED, metadata, livemode),
        gateway_checkout_id=text(link.get("id")),
        gateway_order_id=text(link.get("order_id")),
        amount=amount,
        currency=currency,
        customer=_link_customer(link),
    )


def _refund_processed(event: Mapping[str, Any], event_id: str, livemode: bool) -> PaymentOutcome:
    refund, payment = _entity(event, "refund"), _entity(event, "payment")
    metadata = {**string_map(payment.get("notes")), **string_map(refund.get("notes"))}
    fields = payment_fields(payment)
    fields["gateway_payment_id"] = text(refund.get("payment_id")) or fields["gateway_payment_id"]
    fields["amount"], fields["currency"] = _money_fields(refund.get("amount"), refund.get("currency"))
    return PaymentOutcome(
        **_base(event, event_id, OutcomeType.REFUNDED, metadata, livemode),
        **fields,
        gateway_refund_id=text(refund.get("id")),
    )


EVENT_HANDLERS: dict[str, Callable[[Mapping[str, Any], str, bool], PaymentOutcome]] = {
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
    return handler(payload, event_id, livemode) if handler else None
