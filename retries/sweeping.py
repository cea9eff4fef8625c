"""The sweeper of attempts left in progress: a worker died mid-way, or its task was lost.

An attempt in progress and untouched for RETRY_STUCK_AFTER_SECONDS is looked at once more, and
what happened is asked of whoever knows before anything is tried again:
- a re-charge whose key was never written never reached the gateway: it is scheduled again;
- one whose key was written may have: the gateway is asked (the stored payment, else the charge
  made under the attempt's key). Charged or declined, it ends as such; not found, it is scheduled
  again (the next run sends the same key); not settled yet, it is looked at again later, until
  RETRY_UNSETTLED_MAX_SECONDS after it began: then it fails and the next step is planned;
- an email's NotificationLog says whether it was sent; a send that began and never reported back
  is not sent again (at most once), and the next step is planned.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction as db_transaction
from django.utils import timezone

from messaging.enums import Channel as MessageChannel
from messaging.enums import NotificationStatus
from messaging.models import NotificationLog
from payments.exceptions import PaymentsError
from payments.interface import ChargeResult
from payments.services import gateway_payment_retrieve, gateway_saved_method_charge_find
from recovery.models import Transaction
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.outcomes import (
    OPEN_STATUSES,
    UNSETTLED_STATUSES,
    Executed,
    attempt_cancel,
    attempt_charge_settle,
    attempt_email_interrupted,
    attempt_email_settle,
    attempt_requeue,
    attempt_skip,
    attempt_unsettled_give_up,
    charge_account,
    charge_request,
)
from tinko.money import Money

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


def attempts_stuck(*, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Attempts in progress and untouched for RETRY_STUCK_AFTER_SECONDS, the oldest first."""
    cutoff = now - timedelta(seconds=settings.RETRY_STUCK_AFTER_SECONDS)
    return list(
        RecoveryAttempt.objects.filter(status=AttemptStatus.IN_PROGRESS, updated_at__lte=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def _touch(attempt: RecoveryAttempt, **fields: str) -> None:
    """Leave the attempt in progress, to be looked at again after RETRY_STUCK_AFTER_SECONDS."""
    RecoveryAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
        updated_at=timezone.now(), **fields
    )


def _ask_gateway(attempt: RecoveryAttempt, txn: Transaction) -> ChargeResult | Executed | None:
    """What the gateway knows of the attempt's charge (None: nothing); or, when it cannot be asked,
    the attempt left for a later look."""
    account = charge_account(txn)
    if account is None:
        logger.warning(
            "attempt_outcome_unknown", extra={"attempt_id": attempt.public_id, "error": "no gateway account"}
        )
        _touch(attempt, error="its gateway account is gone: the charge cannot be looked up")
        return Executed.UNSETTLED
    try:
        if attempt.gateway_payment_id:
            details = gateway_payment_retrieve(account=account, payment_id=attempt.gateway_payment_id)
            return ChargeResult(
                provider=details.provider,
                payment_id=details.payment_id,
                status=details.status,
                amount=details.amount or Money(txn.amount, txn.currency),
                failure=details.failure,
            )
        return gateway_saved_method_charge_find(
            account=account, request=charge_request(attempt=attempt, transaction=txn)
        )
    except PaymentsError as exc:
        logger.warning("attempt_outcome_unknown", extra={"attempt_id": attempt.public_id, "error": str(exc)})
        _touch(attempt, error=f"the gateway could not be asked: {exc}"[:500])
        return Executed.UNSETTLED


def _waited_too_long(attempt: RecoveryAttempt, found: ChargeResult | Executed | None, now: datetime) -> bool:
    """A charge still not settled (or that cannot be looked up) long after it began."""
    unsettled = found is Executed.UNSETTLED or (isinstance(found, ChargeResult) and found.status in UNSETTLED_STATUSES)
    began = attempt.started_at or attempt.created_at
    return unsettled and now - began >= timedelta(seconds=settings.RETRY_UNSETTLED_MAX_SECONDS)


def _recharge_recover(attempt: RecoveryAttempt, txn: Transaction, now: datetime) -> Executed:
    if not attempt.idempotency_key:
        if txn.status not in OPEN_STATUSES:
            return attempt_cancel(attempt=attempt, reason=f"the transaction is {txn.status}")
        return attempt_requeue(attempt=attempt, reason="its worker never took it up")
    found = _ask_gateway(attempt, txn)
    if _waited_too_long(attempt, found, now):
        return attempt_unsettled_give_up(
            attempt=attempt, transaction=txn, waited=now - (attempt.started_at or attempt.created_at)
        )
    if isinstance(found, Executed):
        return found
    if found is not None:
        return attempt_charge_settle(attempt=attempt, transaction=txn, result=found)
    if txn.status not in OPEN_STATUSES:
        return attempt_cancel(attempt=attempt, reason=f"the transaction is {txn.status}")
    if attempt.tries >= settings.RETRY_TRANSIENT_MAX_TRIES:
        return attempt_skip(attempt=attempt, transaction=txn, error=f"its worker stopped {attempt.tries} times")
    return attempt_requeue(attempt=attempt, reason="its worker stopped before the gateway had the charge")


def _email_recover(attempt: RecoveryAttempt, txn: Transaction) -> Executed:
    log = NotificationLog.objects.filter(
        transaction_id=txn.pk, attempt_number=attempt.number, channel=MessageChannel.EMAIL
    ).first()
    if log is None:
        if txn.status not in OPEN_STATUSES:
            return attempt_cancel(attempt=attempt, reason=f"the transaction is {txn.status}")
        return attempt_requeue(attempt=attempt, reason="its worker stopped before the email was sent")
    if log.status == NotificationStatus.PENDING:
        return attempt_email_interrupted(attempt=attempt, transaction=txn)
    return attempt_email_settle(attempt=attempt, transaction=txn, log=log)


def attempt_recover(*, attempt_id: int, now: datetime | None = None) -> Executed:
    """Finish or reschedule one attempt left in progress (see the module's docstring)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RETRY_STUCK_AFTER_SECONDS)
    with db_transaction.atomic():
        attempt = (
            RecoveryAttempt.objects.select_for_update()
            .filter(pk=attempt_id, status=AttemptStatus.IN_PROGRESS, updated_at__lte=cutoff)
            .first()
        )
        if attempt is None:
            return Executed.TAKEN
        # Whoever touches it next must find it touched now: a second sweeper leaves it alone.
        RecoveryAttempt.objects.filter(pk=attempt.pk).update(updated_at=timezone.now())
    txn = Transaction.objects.select_related("organization").get(pk=attempt.transaction_id)
    logger.info("attempt_stuck", extra={"attempt_id": attempt.public_id, "channel": attempt.channel})
    if attempt.channel == Channel.AUTO_CHARGE:
        return _recharge_recover(attempt, txn, now)
    return _email_recover(attempt, txn)


def attempts_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Recover every attempt stuck in progress (up to `limit` a run); counts by what became of them."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for attempt_id in attempts_stuck(now=now, limit=limit):
        executed = attempt_recover(attempt_id=attempt_id, now=now)
        counts[executed.value] = counts.get(executed.value, 0) + 1
    if counts:
        logger.info("attempts_swept", extra={"counts": counts})
    return counts
