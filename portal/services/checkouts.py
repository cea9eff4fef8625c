"""Opening the gateway's hosted checkout for a payer, once per link and method, and learning how it ended.

A checkout is a row before the gateway is called (claimed by a unique constraint), and the gateway
call carries the row's idempotency key, so a reload, a double click or two servers at once open one
checkout. The gateway is called outside any database transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from messaging.models import RecoveryLink
from payments.enums import CheckoutStatus as GatewayCheckoutStatus
from payments.enums import PaymentStatus
from payments.exceptions import PaymentsError
from payments.interface import CheckoutRequest, CheckoutState, CustomerDetails, PaymentReferences
from payments.models import GatewayAccount
from payments.registry import gateway_adapter
from payments.selectors import gateway_credentials
from payments.services import gateway_checkout_create, gateway_payment_retrieve
from portal.enums import LIVE_STATUSES, CheckoutStatus
from portal.exceptions import CheckoutUnavailable
from portal.models import PayerCheckout
from recovery.models import Transaction
from recovery.services import PaymentReceived, transaction_mark_recovered
from tinko.money import Money

logger = logging.getLogger(__name__)

# A checkout about to run out is not handed to a payer who still has to type a card number.
_EXPIRY_MARGIN = timedelta(minutes=5)


def _key(link: RecoveryLink, method: str, generation: int) -> str:
    # ≤ 40 characters, so it is Razorpay's reference_id as it is: rlk_ id (26), method, generation.
    return f"{link.public_id}-{method}-{generation}"


def _absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _live(link: RecoveryLink, method: str) -> PayerCheckout | None:
    return (
        PayerCheckout.objects.select_related("gateway_account")
        .filter(link=link, method=method, status__in=LIVE_STATUSES)
        .first()
    )


def _claim(*, link: RecoveryLink, method: str, account: GatewayAccount, language: str, now: datetime) -> PayerCheckout:
    """The live checkout row for this link and method: the one there, or a new generation. Two
    requests at once insert one row; the other finds it."""
    for _ in range(3):
        current = _live(link, method)
        if current is not None:
            stale = current.status == CheckoutStatus.OPEN and (
                current.expires_at is not None and current.expires_at <= now + _EXPIRY_MARGIN
            )
            if not stale:
                return current
            # Stripe sessions live at most a day: open a fresh one rather than send the payer to a dead page.
            PayerCheckout.objects.filter(pk=current.pk, status=CheckoutStatus.OPEN).update(
                status=CheckoutStatus.EXPIRED, settled_at=now
            )
        last = PayerCheckout.objects.filter(link=link, method=method).aggregate(last=Max("generation"))["last"] or 0
        try:
            with db_transaction.atomic():
                return PayerCheckout.objects.create(
                    organization_id=link.organization_id,
                    livemode=link.livemode,
                    link=link,
                    transaction_id=link.transaction_id,
                    gateway_account=account,
                    method=method,
                    generation=last + 1,
                    language=language,
                    created_at=now,
                )
        except IntegrityError:
            continue  # another request claimed it first: take theirs
    raise CheckoutUnavailable("The checkout is being opened by another request.")


def _request(checkout: PayerCheckout, link: RecoveryLink, transaction: Transaction, now: datetime) -> CheckoutRequest:
    lifetime = timedelta(minutes=settings.PORTAL_CHECKOUT_MINUTES)
    description = transaction.metadata.get("description") if isinstance(transaction.metadata, dict) else None
    return CheckoutRequest(
        amount=Money(transaction.amount, transaction.currency),
        description=str(description or transaction.transaction_ref)[:200],
        idempotency_key=_key(link, checkout.method, checkout.generation),
        references=PaymentReferences(transaction_ref=transaction.transaction_ref, link_id=link.public_id),
        success_url=_absolute(reverse("portal:return", args=[link.public_id, checkout.public_id])),
        cancel_url=_absolute(reverse("portal:back", args=[link.public_id, checkout.public_id])),
        customer=CustomerDetails(
            email=transaction.customer_email or None,
            phone=transaction.customer_phone or None,
            name=transaction.customer_name or None,
        ),
        gateway_customer_id=transaction.gateway_customer_id
        if transaction.gateway == checkout.gateway_account.provider and transaction.gateway_customer_id
        else None,
        payment_method_types=(checkout.method,),
        expires_at=now + lifetime,
    )


def payer_checkout_open(*, link: RecoveryLink, method: str, account: GatewayAccount, language: str) -> PayerCheckout:
    """The hosted checkout for paying `link`'s transaction by `method`: the open one if there is one,
    else a new one at the gateway. Raises CheckoutUnavailable when the gateway cannot open it now."""
    now = timezone.now()
    checkout = _claim(link=link, method=method, account=account, language=language, now=now)
    if checkout.status == CheckoutStatus.OPEN:
        return checkout
    transaction = link.transaction
    try:
        session = gateway_checkout_create(
            account=checkout.gateway_account, request=_request(checkout, link, transaction, now)
        )
    except PaymentsError as exc:
        logger.warning(
            "payer_checkout_unavailable",
            extra={"org_id": link.organization_id, "checkout_id": checkout.public_id, "error": type(exc).__name__},
        )
        raise CheckoutUnavailable(str(exc)) from exc
    opened = timezone.now()
    PayerCheckout.objects.filter(pk=checkout.pk, status=CheckoutStatus.OPENING).update(
        status=CheckoutStatus.OPEN,
        gateway_checkout_id=session.checkout_id,
        url=session.url,
        expires_at=session.expires_at,
        opened_at=opened,
    )
    checkout.refresh_from_db()
    logger.info(
        "payer_checkout_opened",
        extra={
            "org_id": link.organization_id,
            "transaction_id": transaction.public_id,
            "checkout_id": checkout.public_id,
            "provider": checkout.gateway_account.provider,
            "method": method,
        },
    )
    return checkout


def _state(checkout: PayerCheckout) -> CheckoutState:
    account = checkout.gateway_account
    return gateway_adapter(account.provider).retrieve_checkout(
        credentials=gateway_credentials(account=account), checkout_id=checkout.gateway_checkout_id
    )


def payer_checkout_returned(*, checkout: PayerCheckout) -> bool:
    """The payer came back from the gateway's page; True the first time (the confirming clock starts)."""
    now = timezone.now()
    returned = PayerCheckout.objects.filter(pk=checkout.pk, returned_at__isnull=True).update(returned_at=now)
    if returned:
        checkout.returned_at = now
    return bool(returned)


@dataclass(frozen=True)
class BackFromGateway:
    """What the gateway says about a checkout the payer left unpaid: declined (with the reason) or not."""

    declined: bool
    decline_code: str = ""


def payer_checkout_back(*, checkout: PayerCheckout) -> BackFromGateway:
    """The payer left the gateway's page without paying: ask the gateway whether a payment was
    declined there, and record it so the page can say so and offer the other methods first."""
    if not checkout.gateway_checkout_id or checkout.status != CheckoutStatus.OPEN:
        return BackFromGateway(declined=False)
    try:
        state = _state(checkout)
    except PaymentsError:
        return BackFromGateway(declined=False)
    if state.failure is None:
        return BackFromGateway(declined=False)
    code = (state.failure.decline_code or state.failure.code or "")[:100]
    PayerCheckout.objects.filter(pk=checkout.pk).update(decline_code=code, declined_at=timezone.now())
    return BackFromGateway(declined=True, decline_code=code)


def payer_checkout_confirm_from_gateway(*, checkout: PayerCheckout) -> bool:
    """The webhook has not come: ask the gateway directly. A checkout it says is complete with a
    payment that succeeded recovers the transaction (the same service a webhook calls; a late
    webhook then changes nothing). True when the transaction is recovered now."""
    if not checkout.gateway_checkout_id:
        return False
    account = checkout.gateway_account
    try:
        state = _state(checkout)
        if state.status != GatewayCheckoutStatus.COMPLETE or not state.payment_id:
            return False
        payment = gateway_payment_retrieve(account=account, payment_id=state.payment_id)
    except PaymentsError as exc:
        logger.warning("payer_checkout_lookup_failed", extra={"checkout_id": checkout.public_id, "error": str(exc)})
        return False
    if payment.status != PaymentStatus.SUCCEEDED or payment.amount is None:
        return False
    transaction = checkout.transaction
    applied = transaction_mark_recovered(
        organization=transaction.organization,
        livemode=transaction.livemode,
        payment=PaymentReceived(
            transaction_ref=transaction.transaction_ref,
            amount=payment.amount.amount,
            currency=payment.amount.currency,
            paid_at=payment.created_at or timezone.now(),
            gateway=account.provider,
            gateway_payment_id=payment.payment_id,
        ),
    )
    logger.info(
        "payer_checkout_confirmed_from_gateway",
        extra={"checkout_id": checkout.public_id, "effect": applied.effect, "provider": account.provider},
    )
    return applied.recovered
