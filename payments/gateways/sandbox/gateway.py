"""The sandbox gateway's own side: what the payer does on its hosted checkout, the events that
follow, and their signed delivery to Tinko's webhook endpoint over HTTP, like a real gateway."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from payments.crypto import secret_decrypt
from payments.enums import SandboxCheckoutStatus, SandboxPaymentStatus
from payments.gateways.sandbox import consts
from payments.gateways.sandbox.webhooks import signature_header
from payments.models import GatewayAccount, SandboxCheckout, SandboxEvent, SandboxPayment
from payments.selectors import gateway_webhook_url
from tinko.enqueue import task_enqueue_on_commit
from tinko.ids import new_public_id
from tinko.rows import instance_build, instances_insert

logger = logging.getLogger(__name__)


def checkout_url(checkout: SandboxCheckout) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('payments:sandbox_checkout', args=[checkout.public_id])}"


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _customer_details(row: SandboxCheckout | SandboxPayment) -> dict[str, str | None]:
    return {
        "email": row.customer_email or None,
        "name": row.customer_name or None,
        "phone": row.customer_phone or None,
    }


def payment_object(payment: SandboxPayment) -> dict[str, Any]:
    """A payment as the sandbox's API and events show it (amounts in ISO minor units)."""
    failure = None
    if payment.failure_code:
        failure = {
            "code": payment.failure_code,
            "decline_code": payment.decline_code or None,
            "message": payment.failure_message,
            "advice_code": payment.advice_code or None,
            "network_decline_code": payment.network_decline_code or None,
            "network_advice_code": None,
        }
    return {
        "id": payment.public_id,
        "object": "payment",
        "amount": payment.amount,
        "currency": payment.currency,
        "amount_refunded": payment.amount_refunded,
        "status": payment.status,
        "checkout": payment.checkout.public_id if payment.checkout else None,
        "customer": payment.gateway_customer_id or None,
        "customer_details": _customer_details(payment),
        "payment_method": {"id": payment.payment_method_id or None, "type": payment.payment_method_type},
        "metadata": payment.metadata,
        "failure": failure,
        "created": _unix(payment.created_at),
    }


def checkout_object(checkout: SandboxCheckout) -> dict[str, Any]:
    return {
        "id": checkout.public_id,
        "object": "checkout",
        "amount": checkout.amount,
        "currency": checkout.currency,
        "status": checkout.status,
        "url": checkout_url(checkout),
        "customer": checkout.gateway_customer_id or None,
        "customer_details": _customer_details(checkout),
        "metadata": checkout.metadata,
        "expires_at": _unix(checkout.expires_at),
        "created": _unix(checkout.created_at),
    }


def event_emit(*, account: GatewayAccount, event_type: str, data_object: Mapping[str, Any]) -> SandboxEvent:
    """Record an event the sandbox owes Tinko and deliver it once the surrounding transaction commits."""
    return events_emit(account=account, events=[(event_type, data_object)])[0]


def events_emit(*, account: GatewayAccount, events: Sequence[tuple[str, Mapping[str, Any]]]) -> list[SandboxEvent]:
    """Record several events (type, data object) in one statement, delivered by one task once the
    surrounding transaction commits (each is still POSTed on its own, as a gateway would)."""
    now = timezone.now()
    created = int(now.timestamp())
    emitted = []
    for event_type, data_object in events:
        event_id = new_public_id("evt_sbx")
        body = json.dumps(
            {
                "id": event_id,
                "object": "event",
                "type": event_type,
                "created": created,
                "livemode": False,
                "data": {"object": dict(data_object)},
            },
            separators=(",", ":"),
        )
        emitted.append(
            instance_build(
                SandboxEvent,
                public_id=event_id,
                organization_id=account.organization_id,
                gateway_account_id=account.pk,
                event_type=event_type,
                body=body,
                created_at=now,
            )
        )
    instances_insert(emitted)
    if emitted:
        task_enqueue_on_commit(consts.DELIVER_EVENT_TASK, *(event.pk for event in emitted))
        # One line for the lot: a worker's batch of re-charges emits one event per charge.
        logger.info(
            "sandbox_events_emitted",
            extra={"org_id": account.organization_id, "event_ids": [event.public_id for event in emitted]},
        )
    return emitted


def event_deliver(*, event: SandboxEvent) -> bool:
    """POST the event, freshly signed, to the account's webhook URL; True once it was acknowledged."""
    if event.delivered_at is not None:
        return True
    account = event.gateway_account
    body = event.body.encode()
    secret = secret_decrypt(account.webhook_secret_ciphertext)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": consts.DELIVERY_USER_AGENT,
        consts.SIGNATURE_HEADER: signature_header(body=body, secret=secret, signed_at=int(timezone.now().timestamp())),
    }
    error = ""
    try:
        response = requests.post(
            gateway_webhook_url(account=account),
            data=body,
            headers=headers,
            timeout=consts.DELIVERY_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        if not 200 <= response.status_code < 300:
            error = f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        error = type(exc).__name__
    updates: dict[str, Any] = {"delivery_attempts": F("delivery_attempts") + 1, "last_delivery_error": error}
    if not error:
        updates["delivered_at"] = timezone.now()
    SandboxEvent.objects.filter(pk=event.pk).update(**updates)
    log = logger.info if not error else logger.warning
    log(
        "sandbox_event_delivered" if not error else "sandbox_event_delivery_failed",
        extra={"event_id": event.public_id, "provider": "sandbox", "error": error},
    )
    return not error


def _payment_create(
    *, checkout: SandboxCheckout, status: str, decline: consts.SandboxDecline | None = None
) -> SandboxPayment:
    return SandboxPayment.objects.create(
        organization_id=checkout.organization_id,
        gateway_account=checkout.gateway_account,
        checkout=checkout,
        amount=checkout.amount,
        currency=checkout.currency,
        status=status,
        # The method the checkout was opened for (the payer chose it on Tinko's page), else a card.
        payment_method_type=(checkout.payment_method_types or ["card"])[0],
        payment_method_id=consts.PAYMENT_METHOD_OK
        if decline is None
        else f"{consts.PAYMENT_METHOD_PREFIX}{decline.decline_code}",
        gateway_customer_id=checkout.gateway_customer_id,
        failure_code=decline.failure_code if decline else "",
        decline_code=decline.decline_code if decline else "",
        failure_message=decline.message if decline else "",
        advice_code=(decline.advice_code or "") if decline else "",
        network_decline_code=(decline.network_decline_code or "") if decline else "",
        metadata=checkout.metadata,
        customer_email=checkout.customer_email,
        customer_name=checkout.customer_name,
        customer_phone=checkout.customer_phone,
    )


def _claim_open(checkout: SandboxCheckout, *, new_status: str | None = None) -> bool:
    """Lock the checkout while it is open (so two clicks can't pay it twice); optionally close it."""
    locked = SandboxCheckout.objects.select_for_update().filter(pk=checkout.pk, status=SandboxCheckoutStatus.OPEN)
    if new_status is None:
        return locked.exists()
    now = timezone.now()
    return bool(locked.update(status=new_status, completed_at=now))


@transaction.atomic
def checkout_pay(*, checkout: SandboxCheckout) -> SandboxPayment | None:
    """The payer pays: a succeeded payment, the checkout complete, `payment.succeeded` sent."""
    if not _claim_open(checkout, new_status=SandboxCheckoutStatus.COMPLETE):
        return None
    payment = _payment_create(checkout=checkout, status=SandboxPaymentStatus.SUCCEEDED)
    event_emit(
        account=checkout.gateway_account, event_type=consts.EVENT_PAYMENT_SUCCEEDED, data_object=payment_object(payment)
    )
    checkout.refresh_from_db()
    return payment


@transaction.atomic
def checkout_decline(*, checkout: SandboxCheckout, decline_code: str) -> SandboxPayment | None:
    """The payer's card is declined with `decline_code`: a failed payment, `payment.failed` sent.
    The checkout stays open, as on a real hosted checkout, so the payer can try again."""
    decline = consts.DECLINES[decline_code]
    if not _claim_open(checkout):
        return None
    payment = _payment_create(checkout=checkout, status=SandboxPaymentStatus.FAILED, decline=decline)
    event_emit(
        account=checkout.gateway_account, event_type=consts.EVENT_PAYMENT_FAILED, data_object=payment_object(payment)
    )
    return payment


@transaction.atomic
def checkout_expire(*, checkout: SandboxCheckout) -> bool:
    """The checkout expires unpaid: `checkout.expired` sent. False if it was no longer open."""
    if not _claim_open(checkout, new_status=SandboxCheckoutStatus.EXPIRED):
        return False
    checkout.refresh_from_db()
    event_emit(
        account=checkout.gateway_account,
        event_type=consts.EVENT_CHECKOUT_EXPIRED,
        data_object=checkout_object(checkout),
    )
    return True


def checkouts_expire_due(*, now: datetime, limit: int = 200) -> int:
    """Expire open checkouts past their expires_at, as Stripe does after 24 hours."""
    expired = 0
    for checkout in SandboxCheckout.objects.select_related("gateway_account").filter(
        status=SandboxCheckoutStatus.OPEN, expires_at__lte=now
    )[:limit]:
        expired += checkout_expire(checkout=checkout)
    return expired


def events_undelivered(*, older_than: datetime, limit: int = 500) -> list[int]:
    """Events never acknowledged (a lost enqueue, Tinko down) and not yet given up on."""
    return list(
        SandboxEvent.objects.filter(
            delivered_at__isnull=True,
            created_at__lte=older_than,
            delivery_attempts__lt=consts.DELIVERY_MAX_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
