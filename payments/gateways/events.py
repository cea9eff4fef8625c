"""The typed envelope every provider's webhooks module fills in, and the one ending that verification
and normalisation share: mypy sees every field of a PaymentOutcome set by name, none splatted from a dict."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from payments.exceptions import WebhookVerificationError
from payments.gateways.payloads import without_nul
from payments.interface import (
    CUSTOMER_EMAIL_MAX_LENGTH,
    CUSTOMER_NAME_MAX_LENGTH,
    CUSTOMER_PHONE_MAX_LENGTH,
    CustomerDetails,
    FailureDetails,
    PaymentOutcome,
    PaymentReferences,
    VerifiedWebhook,
)

logger = logging.getLogger(__name__)

# What people write around a phone number's digits; E.164 has none of it.
PHONE_FORMATTING = str.maketrans("", "", " -.()/")


@dataclass(frozen=True, kw_only=True)
class EventEnvelope:
    """What a verified event says about itself, whatever its type."""

    provider: str
    event_id: str
    event_type: str  # the gateway's own name, e.g. "charge.failed"
    occurred_at: datetime
    livemode: bool
    raw: Mapping[str, Any] = field(repr=False)  # the event as received; never log it


@dataclass(frozen=True, kw_only=True)
class PaymentFacts:
    """What an event's objects (payment, charge, checkout, refund, invoice) say about one payment.
    The same reading serves the adapters' calls that fetch a payment from the gateway's API."""

    gateway_payment_id: str | None = None
    gateway_charge_id: str | None = None
    gateway_checkout_id: str | None = None
    gateway_order_id: str | None = None
    gateway_customer_id: str | None = None
    gateway_payment_method_id: str | None = None
    gateway_refund_id: str | None = None
    amount: int | None = None  # minor units (ISO 4217)
    currency: str | None = None
    amount_refunded: int | None = None
    failure: FailureDetails | None = None
    payment_method_type: str | None = None
    customer: CustomerDetails = field(default_factory=CustomerDetails)


def webhook_verified(
    *, event: Mapping[str, Any], event_id: str | None, event_type: str | None, livemode: bool | None
) -> VerifiedWebhook:
    """The ending of every provider's verify(): a signed event without an id or a type is malformed."""
    event_id = event_id and without_nul(event_id)
    event_type = event_type and without_nul(event_type)
    if not event_id or not event_type:
        raise WebhookVerificationError("malformed_body", "The event has no id or type.")
    return VerifiedWebhook(event_id=event_id, event_type=event_type, payload=without_nul(event), livemode=livemode)


def _customer_fitted(customer: CustomerDetails, envelope: EventEnvelope) -> CustomerDetails:
    """The customer as Tinko can keep it: a phone without its formatting, a name cut to length, and an
    email or phone still too long dropped (a cut one would reach someone else). Logged, values never."""

    def fitted(field_name: str, action: str) -> None:
        logger.warning(
            "gateway_customer_field_fitted",
            extra={
                "provider": envelope.provider,
                "event_id": envelope.event_id,
                "field": field_name,
                "action": action,
            },
        )

    email, phone, name = customer.email, customer.phone, customer.name
    if email is not None and len(email) > CUSTOMER_EMAIL_MAX_LENGTH:
        email = None
        fitted("email", "dropped")
    if phone is not None:
        phone = phone.translate(PHONE_FORMATTING)
        if len(phone) > CUSTOMER_PHONE_MAX_LENGTH:
            phone = None
            fitted("phone", "dropped")
    if name is not None and len(name) > CUSTOMER_NAME_MAX_LENGTH:
        name = name[:CUSTOMER_NAME_MAX_LENGTH]
        fitted("name", "cut")
    return CustomerDetails(email=email, phone=phone or None, name=name)


def outcome_from(
    envelope: EventEnvelope, *, outcome_type: str, metadata: Mapping[str, str], facts: PaymentFacts
) -> PaymentOutcome:
    """The ending of every provider's normalisers: the envelope and the payment's facts as a PaymentOutcome."""
    return PaymentOutcome(
        provider=envelope.provider,
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        type=outcome_type,
        occurred_at=envelope.occurred_at,
        livemode=envelope.livemode,
        references=PaymentReferences.from_metadata(metadata),
        gateway_payment_id=facts.gateway_payment_id,
        gateway_charge_id=facts.gateway_charge_id,
        gateway_checkout_id=facts.gateway_checkout_id,
        gateway_order_id=facts.gateway_order_id,
        gateway_customer_id=facts.gateway_customer_id,
        gateway_payment_method_id=facts.gateway_payment_method_id,
        gateway_refund_id=facts.gateway_refund_id,
        amount=facts.amount,
        currency=facts.currency,
        amount_refunded=facts.amount_refunded,
        failure=facts.failure,
        payment_method_type=facts.payment_method_type,
        customer=_customer_fitted(facts.customer, envelope),
        metadata=dict(metadata),
        raw=envelope.raw,
    )
