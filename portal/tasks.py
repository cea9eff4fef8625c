"""Celery tasks of the payer portal: thin callers of portal.services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from messaging.exceptions import ChannelError
from portal.enums import CheckoutStatus
from portal.models import PayerCheckout
from portal.services import RECEIPT_TASK, payer_checkouts_settle_many, payer_checkouts_to_settle, payer_receipt_send
from tinko.enqueue import task_enqueue_each

SETTLE_TASK = "portal.checkouts_settle"
SWEEP_TASK = "portal.sweep_checkouts"
# A paid checkout whose receipt task was lost is sent again after this long.
RECEIPT_LOST_AFTER = timedelta(minutes=2)


@shared_task(name=SETTLE_TASK, ignore_result=True, soft_time_limit=120, time_limit=150)
def checkouts_settle_task(*transaction_ids: int) -> None:
    """Transactions were settled (TRANSACTION_SETTLED_TASKS): close their open checkouts."""
    payer_checkouts_settle_many(transaction_ids=transaction_ids)


@shared_task(
    name=RECEIPT_TASK,
    ignore_result=True,
    autoretry_for=(ChannelError,),
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def receipt_send_task(checkout_id: int) -> None:
    checkout = PayerCheckout.objects.select_related("transaction__organization").filter(pk=checkout_id).first()
    if checkout is not None:
        payer_receipt_send(checkout=checkout)


@shared_task(name=SWEEP_TASK, ignore_result=True, soft_time_limit=50, time_limit=60)
def checkouts_sweep_task() -> dict[str, int]:
    """Periodic: settle what a lost enqueue or a gateway outage left open, and send lost receipts."""
    transaction_ids = payer_checkouts_to_settle()
    task_enqueue_each(SETTLE_TASK, transaction_ids)
    receipts = list(
        PayerCheckout.objects.filter(
            status=CheckoutStatus.PAID,
            receipt_sent_at__isnull=True,
            settled_at__lte=timezone.now() - RECEIPT_LOST_AFTER,
        ).values_list("pk", flat=True)[:200]
    )
    task_enqueue_each(RECEIPT_TASK, receipts)
    return {"settle": len(transaction_ids), "receipts": len(receipts)}
