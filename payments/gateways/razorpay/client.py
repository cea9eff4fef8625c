"""Thin calls to Razorpay through the official SDK: one function per call, an explicit timeout on
each, and Razorpay's exception family translated into GatewayTransientError / GatewayTerminalError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import razorpay
import requests
from django.conf import settings
from razorpay.errors import BadRequestError, GatewayError, ServerError

from payments.exceptions import GatewayTerminalError, GatewayTransientError
from payments.gateways.razorpay import consts
from payments.interface import GatewayCredentials

PROVIDER = "razorpay"
T = TypeVar("T")


class _StatusRecordingSession(requests.Session):
    """The SDK turns every error into an exception carrying only a message; the HTTP status it
    drops is what tells a rate limit (429) or an outage (5xx) from a refused request."""

    def __init__(self) -> None:
        super().__init__()
        self.last_status: int | None = None
        self.hooks["response"].append(self._remember_status)

    def _remember_status(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_status = response.status_code


def _call(credentials: GatewayCredentials, operation: str, call: Callable[[Any], T]) -> T:
    session = _StatusRecordingSession()
    sdk = razorpay.Client(
        session=session,
        auth=(credentials.key_id, credentials.secret_key),
        base_url=settings.PAYMENTS_RAZORPAY_API_BASE,
    )
    try:
        return call(sdk)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise GatewayTransientError(f"Razorpay {operation}: {type(exc).__name__}", provider=PROVIDER) from exc
    except (ServerError, GatewayError) as exc:
        raise GatewayTransientError(
            f"Razorpay {operation}: {exc}", provider=PROVIDER, http_status=session.last_status
        ) from exc
    except (BadRequestError, requests.RequestException, ValueError) as exc:
        status = session.last_status
        message = f"Razorpay {operation}: {exc}"
        if status is not None and (status == 429 or status >= 500):
            raise GatewayTransientError(message, provider=PROVIDER, http_status=status) from exc
        code = "authentication_failed" if status == 401 else "bad_request"
        raise GatewayTerminalError(message, provider=PROVIDER, code=code, http_status=status) from exc
    finally:
        session.close()


def _items(collection: Any) -> list[dict[str, Any]]:
    items = collection.get("items") if isinstance(collection, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def payments_list_one(credentials: GatewayCredentials) -> dict[str, Any]:
    """GET /v1/payments?count=1: a harmless read that proves the key pair works."""
    return _call(
        credentials, "payments list", lambda sdk: sdk.payment.all({"count": 1}, timeout=consts.TIMEOUT_SECONDS)
    )


def payment_link_create(credentials: GatewayCredentials, data: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/payment_links."""
    return _call(
        credentials, "payment link create", lambda sdk: sdk.payment_link.create(data, timeout=consts.TIMEOUT_SECONDS)
    )


def payment_links_with_reference(credentials: GatewayCredentials, reference_id: str) -> list[dict[str, Any]]:
    """GET /v1/payment_links?reference_id=… (this list comes under "payment_links", not "items")."""
    found = _call(
        credentials,
        "payment links list",
        lambda sdk: sdk.payment_link.all({"reference_id": reference_id}, timeout=consts.TIMEOUT_SECONDS),
    )
    return _items({"items": found.get("payment_links")} if isinstance(found, dict) else None)


def payment_link_fetch(credentials: GatewayCredentials, link_id: str) -> dict[str, Any]:
    """GET /v1/payment_links/:id (with the payments made on it)."""
    return _call(
        credentials,
        "payment link fetch",
        lambda sdk: sdk.payment_link.fetch(link_id, timeout=consts.TIMEOUT_SECONDS),
    )


def payment_link_cancel(credentials: GatewayCredentials, link_id: str) -> dict[str, Any]:
    """POST /v1/payment_links/:id/cancel (only a link not yet paid, expired or cancelled)."""
    return _call(
        credentials,
        "payment link cancel",
        lambda sdk: sdk.payment_link.cancel(link_id, timeout=consts.TIMEOUT_SECONDS),
    )


def payment_fetch(credentials: GatewayCredentials, payment_id: str) -> dict[str, Any]:
    """GET /v1/payments/:id."""
    return _call(
        credentials, "payment fetch", lambda sdk: sdk.payment.fetch(payment_id, timeout=consts.TIMEOUT_SECONDS)
    )


def orders_with_receipt(credentials: GatewayCredentials, receipt: str) -> list[dict[str, Any]]:
    """GET /v1/orders?receipt=…"""
    return _items(
        _call(
            credentials, "orders list", lambda sdk: sdk.order.all({"receipt": receipt}, timeout=consts.TIMEOUT_SECONDS)
        )
    )


def order_create(credentials: GatewayCredentials, data: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/orders."""
    return _call(credentials, "order create", lambda sdk: sdk.order.create(data, timeout=consts.TIMEOUT_SECONDS))


def order_payments(credentials: GatewayCredentials, order_id: str) -> list[dict[str, Any]]:
    """GET /v1/orders/:id/payments."""
    return _items(
        _call(credentials, "order payments", lambda sdk: sdk.order.payments(order_id, timeout=consts.TIMEOUT_SECONDS))
    )


def recurring_payment_create(credentials: GatewayCredentials, data: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/payments/create/recurring: charge a saved token against an order."""
    return _call(
        credentials,
        "recurring payment create",
        lambda sdk: sdk.payment.createRecurring(data, timeout=consts.TIMEOUT_SECONDS),
    )


def payment_refunds(credentials: GatewayCredentials, payment_id: str) -> list[dict[str, Any]]:
    """GET /v1/payments/:id/refunds."""
    return _items(
        _call(
            credentials,
            "refunds list",
            lambda sdk: sdk.payment.fetch_multiple_refund(payment_id, {"count": 100}, timeout=consts.TIMEOUT_SECONDS),
        )
    )


def refund_create(credentials: GatewayCredentials, payment_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/payments/:id/refund."""
    return _call(
        credentials,
        "refund create",
        lambda sdk: sdk.payment.refund(payment_id, data, timeout=consts.TIMEOUT_SECONDS),
    )
