"""Once a transaction is settled (recovered by any path, cancelled, abandoned), its open checkouts
are closed at the gateway so nobody pays twice, and a payment made through one is recorded on its
checkout and its link, and gets a receipt."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from messaging.selectors import LINK_DEAD_TRANSACTION_STATUSES
from messaging.services import recovery_link_mark_used
from payments.enums import CheckoutStatus as GatewayCheckoutStatus
from payments.exceptions import GatewayTransientError, PaymentsError
from payments.registry import gateway_adapter
from payments.selectors import gateway_credentials
from portal.enums import LIVE_STATUSES, CheckoutStatus
from portal.models import PayerCheckout
from recovery.models import Transaction
from tinko.enqueue import task_enqueue_on_commit

logger = logging.getLogger(__name__)

RECEIPT_TASK = "portal.receipt_send"


@dataclass(frozen=True)
class Settled:
    closed: int = 0
    paid: int = 0
    left_open: int = 0


def _close(checkout: PayerCheckout) -> str | None:
    """Close one checkout at its gateway; the status it ends in, None when the gateway could not be
    reached (the sweeper tries again)."""
    now = timezone.now()
    if not checkout.gateway_checkout_id:
        # Never opened at the gateway (or its request is still on its way): nobody was sent to it.
        done = PayerCheckout.objects.filter(pk=checkout.pk, status__in=LIVE_STATUSES).update(
            status=CheckoutStatus.CLOSED, settled_at=now
        )
        return CheckoutStatus.CLOSED if done else None
    account = checkout.gateway_account
    try:
        state = gateway_adapter(account.provider).expire_checkout(
            credentials=gateway_credentials(account=account), checkout_id=checkout.gateway_checkout_id
        )
    except GatewayTransientError:
        return None
    except PaymentsError as exc:
        logger.warning("payer_checkout_close_refused", extra={"checkout_id": checkout.public_id, "error": str(exc)})
        return None
    status = CheckoutStatus.PAID if state.status == GatewayCheckoutStatus.COMPLETE else CheckoutStatus.CLOSED
    fields = {"status": status, "settled_at": now}
    if state.payment_id and status == CheckoutStatus.PAID:
        fields["gateway_payment_id"] = state.payment_id
    PayerCheckout.objects.filter(pk=checkout.pk, status__in=LIVE_STATUSES).update(**fields)
    return status


def payer_checkouts_settle(*, transaction: Transaction) -> Settled:
    """Close the open checkouts of a settled transaction; the one the payer paid becomes `paid`, its
    link used, and its receipt is sent. Does nothing for a transaction still open; safe to run again."""
    if transaction.status not in LINK_DEAD_TRANSACTION_STATUSES:
        return Settled()
    closed = paid = left_open = 0
    live = PayerCheckout.objects.select_related("gateway_account", "link").filter(
        transaction=transaction, status__in=LIVE_STATUSES
    )
    for checkout in live:
        status = _close(checkout)
        if status is None:
            left_open += 1
        elif status == CheckoutStatus.PAID:
            paid += 1
        else:
            closed += 1
    for checkout in PayerCheckout.objects.select_related("link").filter(
        transaction=transaction, status=CheckoutStatus.PAID, receipt_sent_at__isnull=True
    ):
        recovery_link_mark_used(link=checkout.link)
        task_enqueue_on_commit(RECEIPT_TASK, checkout.pk)
    if closed or paid or left_open:
        logger.info(
            "payer_checkouts_settled",
            extra={"transaction_id": transaction.public_id, "closed": closed, "paid": paid, "left_open": left_open},
        )
    return Settled(closed=closed, paid=paid, left_open=left_open)


def payer_checkouts_settle_many(*, transaction_ids: Sequence[int]) -> None:
    """`payer_checkouts_settle` for each of the transactions that has a checkout at all: most that a
    worker recovers never had one, and one query leaves them out."""
    with_checkouts = PayerCheckout.objects.filter(transaction_id__in=transaction_ids).values("transaction_id")
    for transaction in Transaction.objects.select_related("organization").filter(pk__in=with_checkouts):
        payer_checkouts_settle(transaction=transaction)


def payer_checkouts_to_settle(*, limit: int = 200) -> list[int]:
    """Transactions that are settled but still have checkouts open (a lost enqueue, a gateway that
    was down): the sweeper's work."""
    return list(
        PayerCheckout.objects.filter(
            status__in=LIVE_STATUSES, transaction__status__in=sorted(LINK_DEAD_TRANSACTION_STATUSES)
        )
        .values_list("transaction_id", flat=True)
        .distinct()[:limit]
    )
