"""Thin calls to Stripe through the official SDK: one function per call, explicit timeouts,
Stripe's exception family translated into GatewayTransientError / GatewayTerminalError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import stripe
from django.conf import settings
from stripe.params import PaymentIntentCreateParams, RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from payments.exceptions import GatewayTerminalError, GatewayTransientError, PaymentDeclined
from payments.gateways.stripe import consts
from payments.gateways.stripe.webhooks import failure_from_error
from payments.interface import GatewayCredentials

PROVIDER = "stripe"
# How many of a customer's newest PaymentIntents a lookup reads (Stripe's largest page).
CUSTOMER_INTENTS_LIMIT = 100


@cache
def _http_client() -> stripe.HTTPClient:
    # One requests-based client per process: it keeps a session (and its connection pool) per thread.
    return stripe.RequestsClient(timeout=consts.TIMEOUT_SECONDS)


def _client(credentials: GatewayCredentials) -> stripe.StripeClient:
    return stripe.StripeClient(
        credentials.secret_key,
        stripe_version=consts.API_VERSION,
        base_addresses={"api": settings.PAYMENTS_STRIPE_API_BASE},
        max_network_retries=consts.MAX_NETWORK_RETRIES,
        http_client=_http_client(),
    )


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise GatewayTransientError(
            f"Stripe {operation}: {exc.user_message or type(exc).__name__}",
            provider=PROVIDER,
            code=exc.code or "",
            http_status=exc.http_status,
        ) from exc
    except stripe.StripeError as exc:
        raise GatewayTerminalError(
            f"Stripe {operation}: {exc.user_message or type(exc).__name__}",
            provider=PROVIDER,
            code=exc.code or "",
            http_status=exc.http_status,
        ) from exc


def account_retrieve(credentials: GatewayCredentials) -> dict[str, Any]:
    """GET /v1/account: the account the key belongs to (a harmless read)."""
    with _translated("account retrieve"):
        return _client(credentials).v1.accounts.retrieve_current().to_dict()


def checkout_session_create(
    credentials: GatewayCredentials, params: SessionCreateParams, *, idempotency_key: str
) -> dict[str, Any]:
    """POST /v1/checkout/sessions."""
    with _translated("checkout session create"):
        session = _client(credentials).v1.checkout.sessions.create(params, options={"idempotency_key": idempotency_key})
        return session.to_dict()


def checkout_session_retrieve(credentials: GatewayCredentials, session_id: str) -> dict[str, Any]:
    """GET /v1/checkout/sessions/:id with its PaymentIntent expanded (for a decline's reason)."""
    with _translated("checkout session retrieve"):
        session = _client(credentials).v1.checkout.sessions.retrieve(session_id, {"expand": ["payment_intent"]})
        return session.to_dict()


def checkout_session_expire(credentials: GatewayCredentials, session_id: str) -> dict[str, Any]:
    """POST /v1/checkout/sessions/:id/expire (only an open session can be expired)."""
    with _translated("checkout session expire"):
        return _client(credentials).v1.checkout.sessions.expire(session_id).to_dict()


def payment_intent_retrieve(credentials: GatewayCredentials, payment_intent_id: str) -> dict[str, Any]:
    """GET /v1/payment_intents/:id with the payment method expanded (for its type)."""
    with _translated("payment intent retrieve"):
        intent = _client(credentials).v1.payment_intents.retrieve(payment_intent_id, {"expand": ["payment_method"]})
        return intent.to_dict()


def charge_retrieve(credentials: GatewayCredentials, charge_id: str) -> dict[str, Any]:
    """GET /v1/charges/:id."""
    with _translated("charge retrieve"):
        return _client(credentials).v1.charges.retrieve(charge_id).to_dict()


def payment_intent_create(
    credentials: GatewayCredentials, params: PaymentIntentCreateParams, *, idempotency_key: str
) -> dict[str, Any]:
    """POST /v1/payment_intents (confirmed at once). A card decline raises PaymentDeclined."""
    try:
        with _translated("payment intent create"):
            intent = _client(credentials).v1.payment_intents.create(
                params, options={"idempotency_key": idempotency_key}
            )
            return intent.to_dict()
    except GatewayTerminalError as exc:
        cause = exc.__cause__
        if not isinstance(cause, stripe.CardError):
            raise
        body = cause.json_body if isinstance(cause.json_body, dict) else {}
        error = body.get("error") or {}
        declined_intent = error.get("payment_intent") or {}
        raise PaymentDeclined(
            str(exc), provider=PROVIDER, failure=failure_from_error(error), payment_id=declined_intent.get("id")
        ) from cause


def payment_intents_for_customer(credentials: GatewayCredentials, customer_id: str) -> list[dict[str, Any]]:
    """GET /v1/payment_intents?customer=…: the customer's latest PaymentIntents, newest first."""
    with _translated("payment intents list"):
        page = _client(credentials).v1.payment_intents.list({"customer": customer_id, "limit": CUSTOMER_INTENTS_LIMIT})
        return [intent.to_dict() for intent in page.data]


def refund_create(
    credentials: GatewayCredentials, params: RefundCreateParams, *, idempotency_key: str
) -> dict[str, Any]:
    """POST /v1/refunds."""
    with _translated("refund create"):
        return _client(credentials).v1.refunds.create(params, options={"idempotency_key": idempotency_key}).to_dict()


def invoice_payments_list(credentials: GatewayCredentials, invoice_id: str) -> list[dict[str, Any]]:
    """GET /v1/invoice_payments?invoice=…: since API 2025-03-31 the way from an invoice to its PaymentIntents."""
    with _translated("invoice payments list"):
        page = _client(credentials).v1.invoice_payments.list({"invoice": invoice_id, "limit": 10})
        return [item.to_dict() for item in page.data]
