"""Calls to the sandbox gateway. Its "API" is Tinko's own database, so these are the sandbox's
server-side operations, each idempotent on the caller's key like Stripe's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payments.enums import SandboxPaymentStatus
from payments.exceptions import GatewayTerminalError
from payments.gateways.sandbox import consts
from payments.gateways.sandbox.gateway import event_emit, events_emit, payment_object
from payments.interface import CheckoutRequest, GatewayCredentials, RefundRequest, SavedMethodCharge
from payments.models import GatewayAccount, SandboxCheckout, SandboxPayment
from tinko.ids import new_public_id
from tinko.rows import instance_build, instances_insert

PROVIDER = "sandbox"


def account_get(credentials: GatewayCredentials) -> GatewayAccount:
    account = GatewayAccount.objects.filter(public_id=credentials.account_id, provider=PROVIDER).first()
    if account is None:
        raise GatewayTerminalError("No such sandbox account.", provider=PROVIDER, code="account_not_found")
    return account


def checkout_create(credentials: GatewayCredentials, request: CheckoutRequest) -> SandboxCheckout:
    account = account_get(credentials)
    existing = SandboxCheckout.objects.filter(gateway_account=account, idempotency_key=request.idempotency_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return SandboxCheckout.objects.create(
                organization_id=account.organization_id,
                gateway_account=account,
                amount=request.amount.amount,
                currency=request.amount.currency,
                description=request.description[:200],
                idempotency_key=request.idempotency_key,
                metadata={**request.metadata, **request.references.as_metadata()},
                customer_email=request.customer.email or "",
                customer_name=request.customer.name or "",
                customer_phone=request.customer.phone or "",
                gateway_customer_id=request.gateway_customer_id or "",
                payment_method_types=list(request.payment_method_types),
                success_url=request.success_url,
                cancel_url=request.cancel_url,
                expires_at=request.expires_at or timezone.now() + consts.CHECKOUT_LIFETIME,
            )
    except IntegrityError:
        # A concurrent call with the same key won the insert.
        return SandboxCheckout.objects.get(gateway_account=account, idempotency_key=request.idempotency_key)


def checkout_get(credentials: GatewayCredentials, checkout_id: str) -> SandboxCheckout:
    account = account_get(credentials)
    checkout = SandboxCheckout.objects.filter(gateway_account=account, public_id=checkout_id).first()
    if checkout is None:
        raise GatewayTerminalError(f"No such checkout: {checkout_id}", provider=PROVIDER, code="resource_missing")
    return checkout


def checkout_latest_payment(checkout: SandboxCheckout) -> SandboxPayment | None:
    """The payment the checkout took, else the latest it declined."""
    payments = checkout.payments.order_by("-created_at", "-pk")
    return payments.filter(status=SandboxPaymentStatus.SUCCEEDED).first() or payments.first()


def payment_get(credentials: GatewayCredentials, payment_id: str) -> SandboxPayment:
    payment = (
        SandboxPayment.objects.select_related("checkout")
        .filter(gateway_account__public_id=credentials.account_id, public_id=payment_id)
        .first()
    )
    if payment is None:
        raise GatewayTerminalError(f"No such payment: {payment_id}", provider=PROVIDER, code="resource_missing")
    return payment


def payment_find(credentials: GatewayCredentials, idempotency_key: str) -> SandboxPayment | None:
    """The payment an earlier charge under `idempotency_key` made, if any."""
    account = account_get(credentials)
    return SandboxPayment.objects.filter(gateway_account=account, idempotency_key=idempotency_key).first()


def payment_charge(credentials: GatewayCredentials, request: SavedMethodCharge) -> SandboxPayment:
    outcome = payments_charge(credentials, [request])[0]
    if isinstance(outcome, GatewayTerminalError):
        raise outcome
    return outcome


def _payment_build(account: GatewayAccount, request: SavedMethodCharge) -> SandboxPayment:
    """The payment a charge of the request makes: succeeded for sbx_pm_card_ok, else declined with
    the code the method names; GatewayTerminalError for a method the sandbox does not know."""
    method = request.gateway_payment_method_id
    decline = None
    if method != consts.PAYMENT_METHOD_OK:
        code = method.removeprefix(consts.PAYMENT_METHOD_PREFIX)
        if not method.startswith(consts.PAYMENT_METHOD_PREFIX) or code not in consts.DECLINES:
            raise GatewayTerminalError(f"No such payment method: {method}", provider=PROVIDER, code="resource_missing")
        decline = consts.DECLINES[code]
    return instance_build(
        SandboxPayment,
        organization_id=account.organization_id,
        gateway_account_id=account.pk,
        amount=request.amount.amount,
        currency=request.amount.currency,
        status=SandboxPaymentStatus.FAILED if decline else SandboxPaymentStatus.SUCCEEDED,
        payment_method_type="card",
        payment_method_id=method,
        gateway_customer_id=request.gateway_customer_id,
        failure_code=decline.failure_code if decline else "",
        decline_code=decline.decline_code if decline else "",
        failure_message=decline.message if decline else "",
        advice_code=(decline.advice_code or "") if decline else "",
        network_decline_code=(decline.network_decline_code or "") if decline else "",
        metadata={**request.metadata, **request.references.as_metadata()},
        customer_email=request.customer.email or "",
        customer_name=request.customer.name or "",
        customer_phone=request.customer.phone or "",
        idempotency_key=request.idempotency_key,
    )


def _charge_event_type(payment: SandboxPayment) -> str:
    failed = payment.status == SandboxPaymentStatus.FAILED
    return consts.EVENT_PAYMENT_FAILED if failed else consts.EVENT_PAYMENT_SUCCEEDED


@transaction.atomic
def payments_charge(
    credentials: GatewayCredentials, requests: Sequence[SavedMethodCharge]
) -> list[SandboxPayment | GatewayTerminalError]:
    """Charge saved methods, each at most once per idempotency key (a key seen before answers with
    its payment), in order; the new payments and their events are written a statement each."""
    account = account_get(credentials)
    payments = {
        payment.idempotency_key: payment
        for payment in SandboxPayment.objects.filter(
            gateway_account=account, idempotency_key__in={request.idempotency_key for request in requests}
        )
    }
    outcomes: list[SandboxPayment | GatewayTerminalError] = []
    made: list[SandboxPayment] = []
    for request in requests:
        if request.idempotency_key not in payments:
            try:
                payments[request.idempotency_key] = _payment_build(account, request)
            except GatewayTerminalError as refused:
                outcomes.append(refused)
                continue
            made.append(payments[request.idempotency_key])
        outcomes.append(payments[request.idempotency_key])
    instances_insert(made)
    events_emit(
        account=account,
        events=[(_charge_event_type(payment), payment_object(payment)) for payment in made],
    )
    return outcomes


@transaction.atomic
def refund_create(credentials: GatewayCredentials, request: RefundRequest) -> dict[str, Any]:
    account = account_get(credentials)
    payment = (
        SandboxPayment.objects.select_for_update().filter(gateway_account=account, public_id=request.payment_id).first()
    )
    if payment is None:
        raise GatewayTerminalError(f"No such payment: {request.payment_id}", provider=PROVIDER, code="resource_missing")
    for refund in payment.refunds:
        if refund["idempotency_key"] == request.idempotency_key:
            return dict(refund)
    if payment.status == SandboxPaymentStatus.FAILED:
        raise GatewayTerminalError("A failed payment cannot be refunded.", provider=PROVIDER, code="charge_failed")
    remaining = payment.amount - payment.amount_refunded
    amount = request.amount.amount if request.amount is not None else remaining
    if request.amount is not None and request.amount.currency != payment.currency:
        raise GatewayTerminalError("Refund currency differs from the payment's.", provider=PROVIDER, code="currency")
    if not 0 < amount <= remaining:
        raise GatewayTerminalError(
            f"Refund of {amount} exceeds the {remaining} left to refund.", provider=PROVIDER, code="amount_too_large"
        )
    refund = {
        "id": new_public_id("sbxre"),
        "object": "refund",
        "amount": amount,
        "currency": payment.currency,
        "status": "succeeded",
        "idempotency_key": request.idempotency_key,
        "metadata": dict(request.metadata),
        "created": int(timezone.now().timestamp()),
    }
    SandboxPayment.objects.filter(pk=payment.pk).update(
        amount_refunded=F("amount_refunded") + amount,
        refunds=[*payment.refunds, refund],
        status=SandboxPaymentStatus.REFUNDED if amount == remaining else payment.status,
    )
    payment.refresh_from_db()
    event_emit(
        account=account,
        event_type=consts.EVENT_REFUND_SUCCEEDED,
        data_object={**{k: v for k, v in refund.items() if k != "idempotency_key"}, "payment": payment_object(payment)},
    )
    return refund
