"""How an attempt ends, and what its end changes: shared by the worker that executes attempts
(retries.execution) and the sweeper that finishes the ones a worker left behind (retries.sweeping).

Every ending is a conditional update from `in_progress` (so only one of several runs ends it),
written in one database transaction with the bookkeeping it causes: a charge recovers the
transaction, a decline is recorded as a failure (which plans the next attempt), a message sent or
an attempt skipped plans the next one. A closed transaction is never planned again. Inside a
caller's transaction (a worker settling a batch at once) they add no savepoint of their own: an
error rolls the whole batch back, and the worker then settles its attempts one at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction as db_transaction
from django.utils import timezone

from accounts.models import Organization
from messaging.enums import NotificationStatus, SuppressionReason
from messaging.models import NotificationLog
from payments.enums import GatewayMode, PaymentStatus
from payments.interface import ChargeResult, CustomerDetails, PaymentReferences, SavedMethodCharge
from payments.models import GatewayAccount
from payments.selectors import gateway_account_for_org
from recovery.enums import EventSource, RecoveredBy, TransactionStatus
from recovery.exceptions import EventKeyReused, TransactionConflict
from recovery.gateway_events import retry_failure_key
from recovery.models import Transaction
from recovery.services import (
    FailureInput,
    PaymentFor,
    PaymentReceived,
    transaction_mark_recovered,
    transaction_record_failure,
    transaction_record_failures,
    transactions_mark_recovered,
)
from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt
from retries.planner.text import duration
from retries.scheduling import recovery_replan, recovery_replan_many
from tinko.money import Money
from tinko.rows import instance_values
from tinko.sql import update_rows

logger = logging.getLogger(__name__)

# Transactions an attempt may still act on; any other status cancels the attempt.
OPEN_STATUSES = frozenset({TransactionStatus.FAILED, TransactionStatus.RECOVERING})
ERROR_MAX_LENGTH = 500
# The gateway has taken the charge but not settled it: its webhook or the sweeper's next look will.
UNSETTLED_STATUSES = frozenset({PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION})


class Executed(StrEnum):
    """What one run of an attempt (by a worker or the sweeper) did."""

    CHARGED = "charged"
    DECLINED = "declined"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"  # back to scheduled: a passing error, or nothing had happened yet
    UNSETTLED = "unsettled"  # the gateway has the charge but has not settled it yet
    FAILED = "failed"  # a message whose send was interrupted: not sent again
    TAKEN = "taken"  # another run has it, or it is no longer in progress: nothing done


# A re-charge's idempotency key is this and the attempt's public id (Razorpay: its order's receipt,
# 40 characters at most): the same on every run of the attempt, never the same for two attempts.
CHARGE_KEY_PREFIX = "tinko_"


def charge_key(attempt: RecoveryAttempt) -> str:
    """The idempotency key of the attempt's re-charge."""
    return f"{CHARGE_KEY_PREFIX}{attempt.public_id}"


def charge_request(*, attempt: RecoveryAttempt, transaction: Transaction) -> SavedMethodCharge:
    """The attempt's re-charge of the transaction's saved method, the same on every run."""
    return SavedMethodCharge(
        amount=Money(transaction.amount, transaction.currency),
        gateway_customer_id=transaction.gateway_customer_id,
        gateway_payment_method_id=transaction.gateway_payment_method_id,
        idempotency_key=charge_key(attempt),
        description=f"Retry of {transaction.transaction_ref}"[:200],
        references=PaymentReferences(transaction_ref=transaction.transaction_ref, attempt_id=attempt.public_id),
        customer=CustomerDetails(
            email=transaction.customer_email or None,
            phone=transaction.customer_phone or None,
            name=transaction.customer_name or None,
        ),
    )


def charge_account(transaction: Transaction) -> GatewayAccount | None:
    """The organization's account at the transaction's gateway, in the transaction's mode."""
    mode = GatewayMode.LIVE if transaction.livemode else GatewayMode.TEST
    return gateway_account_for_org(organization=transaction.organization, provider=transaction.gateway, mode=mode)


def _finish(
    attempt: RecoveryAttempt, status: AttemptStatus, *, now: datetime, batch: Bookkeeping | None = None, **fields: Any
) -> bool:
    """Move the attempt from in_progress to `status` (now, or with the rest of the `batch`); False
    when another run already moved it."""
    if batch is not None:
        changed = batch.finish(attempt)
    else:
        changed = bool(
            RecoveryAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
                status=status, finished_at=now, updated_at=now, **fields
            )
        )
    if changed:
        attempt.status, attempt.finished_at, attempt.updated_at = status, now, now
        for name, value in fields.items():
            setattr(attempt, name, value)
    return changed


def _open_transaction(transaction: Transaction) -> Transaction | None:
    """The transaction, locked and as it is now, if an attempt may still act on it."""
    current = Transaction.objects.select_for_update(of=("self",)).select_related("organization").get(pk=transaction.pk)
    return current if current.status in OPEN_STATUSES else None


# What finishing an attempt writes on its row.
_FINISHED_FIELDS = ("status", "finished_at", "updated_at", "error", "gateway_payment_id")


class Bookkeeping:
    """Settling a worker's batch of attempts in one database transaction: `claim` locks those still
    in progress (the batch's alone until it commits, so each is finished without a statement of its
    own); `write`, at the batch's end, does what their outcomes caused in a few statements for all:
    the finished attempts written, the transactions that re-charges paid recovered, the declines
    recorded (which plans again), then the others' next steps planned."""

    def __init__(self, claimed: set[int]) -> None:
        self._claimed = claimed
        self._finished: list[RecoveryAttempt] = []
        self._payments: list[PaymentFor] = []
        self._declines: dict[tuple[int, bool], list[FailureInput]] = {}
        self._organizations: dict[int, Organization] = {}
        self._replans: set[int] = set()

    @classmethod
    def claim(cls, attempt_ids: Sequence[int]) -> Bookkeeping:
        """The bookkeeping of a batch of these attempts: those still in progress locked (call inside
        the batch's transaction)."""
        locked = RecoveryAttempt.objects.select_for_update().filter(
            pk__any=attempt_ids, status=AttemptStatus.IN_PROGRESS
        )
        return cls(set(locked.values_list("pk", flat=True)))

    def finish(self, attempt: RecoveryAttempt) -> bool:
        """Take the attempt's end into the batch (its fields are set by the caller): False when the
        batch did not claim it (another run has it)."""
        if attempt.pk not in self._claimed:
            return False
        self._claimed.discard(attempt.pk)
        self._finished.append(attempt)
        return True

    def recover(self, transaction: Transaction, payment: PaymentReceived) -> None:
        self._payments.append(
            PaymentFor(organization=transaction.organization, livemode=transaction.livemode, payment=payment)
        )

    def decline(self, transaction: Transaction, failure: FailureInput) -> None:
        self._organizations[transaction.organization_id] = transaction.organization
        self._declines.setdefault((transaction.organization_id, transaction.livemode), []).append(failure)

    def replan(self, transaction: Transaction) -> None:
        self._replans.add(transaction.pk)

    def write(self) -> None:
        update_rows(
            RecoveryAttempt,
            _FINISHED_FIELDS,
            [[attempt.pk, *instance_values(attempt, _FINISHED_FIELDS)] for attempt in self._finished],
        )
        self._finished = []
        if self._payments:
            transactions_mark_recovered(payments=self._payments)
            self._payments = []
        for (organization_id, livemode), failures in self._declines.items():
            organization = self._organizations[organization_id]
            recorded = transaction_record_failures(organization=organization, livemode=livemode, failures=failures)
            for result in recorded:
                if isinstance(result, TransactionConflict | EventKeyReused):
                    raise result
        self._declines.clear()
        if not self._replans:
            return
        # The organizations are read apart, once each: joined, each row would bring its organization's
        # columns along, and FOR UPDATE would lock the organization's row against its other workers.
        current = list(
            Transaction.objects.select_for_update()
            .prefetch_related("organization")
            .filter(pk__any=sorted(self._replans), status__in=sorted(OPEN_STATUSES))
            .order_by("pk")
        )
        self._replans.clear()
        if current:
            recovery_replan_many(transactions=current)


def _replan(transaction: Transaction, batch: Bookkeeping | None) -> None:
    """Plan the transaction's next step, if it is still open: now (call inside the finishing
    transaction), or with the rest of the `batch`."""
    if batch is not None:
        batch.replan(transaction)
        return
    current = _open_transaction(transaction)
    if current is not None:
        recovery_replan(transaction=current)


def _log(attempt: RecoveryAttempt, executed: Executed, **extra: Any) -> Executed:
    logger.info(
        "attempt_executed",
        extra={"attempt_id": attempt.public_id, "channel": attempt.channel, "executed": executed.value, **extra},
    )
    return executed


def attempt_cancel(*, attempt: RecoveryAttempt, reason: str) -> Executed:
    """End an attempt that must not act (its transaction is closed)."""
    if not _finish(attempt, AttemptStatus.CANCELLED, now=timezone.now(), error=reason[:ERROR_MAX_LENGTH]):
        return Executed.TAKEN
    return _log(attempt, Executed.CANCELLED, reason=reason)


def attempt_skip(
    *, attempt: RecoveryAttempt, transaction: Transaction, error: str, batch: Bookkeeping | None = None
) -> Executed:
    """End an attempt that could not act (no gateway account, a refused request, no address, the payer
    said stop) and plan the next step (with the rest of the `batch`, if given)."""
    with db_transaction.atomic(savepoint=False):
        if not _finish(attempt, AttemptStatus.SKIPPED, now=timezone.now(), batch=batch, error=error[:ERROR_MAX_LENGTH]):
            return Executed.TAKEN
        _replan(transaction, batch)
    return _log(attempt, Executed.SKIPPED, error=error)


def attempt_requeue(*, attempt: RecoveryAttempt, reason: str, delay: timedelta = timedelta(0)) -> Executed:
    """Send an attempt that has not acted (or whose act may be repeated with its key) back to
    scheduled, due after `delay`; the dispatcher claims it again."""
    now = timezone.now()
    changed = RecoveryAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
        status=AttemptStatus.SCHEDULED,
        scheduled_at=now + delay,
        started_at=None,
        idempotency_key="",
        error=reason[:ERROR_MAX_LENGTH],
        updated_at=now,
    )
    if not changed:
        return Executed.TAKEN
    return _log(attempt, Executed.RESCHEDULED, reason=reason, delay_seconds=int(delay.total_seconds()))


def attempt_retry_later(
    *, attempt: RecoveryAttempt, transaction: Transaction, error: str, batch: Bookkeeping | None = None
) -> Executed:
    """A passing error (a gateway outage, a mail server asking to come back): try again a little
    later, the delay doubling each time, at most RETRY_TRANSIENT_MAX_TRIES tries in all; then skip."""
    if attempt.tries >= settings.RETRY_TRANSIENT_MAX_TRIES:
        error = f"{error} (gave up after {attempt.tries} tries)"
        return attempt_skip(attempt=attempt, transaction=transaction, error=error, batch=batch)
    delay = timedelta(seconds=settings.RETRY_TRANSIENT_DELAY_SECONDS * 2 ** max(attempt.tries - 1, 0))
    return attempt_requeue(attempt=attempt, reason=error, delay=delay)


def attempt_charge_settle(
    *, attempt: RecoveryAttempt, transaction: Transaction, result: ChargeResult, batch: Bookkeeping | None = None
) -> Executed:
    """What the gateway said of the attempt's re-charge: charged (the transaction recovered, credited
    to the re-charge: now, or with the rest of the `batch`), declined (the decline recorded, which
    plans again), or not settled yet."""
    now = timezone.now()
    if result.status in UNSETTLED_STATUSES:
        RecoveryAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
            gateway_payment_id=result.payment_id, updated_at=now
        )
        return _log(attempt, Executed.UNSETTLED, payment_id=result.payment_id, status=result.status)
    if result.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        with db_transaction.atomic(savepoint=False):
            if not _finish(
                attempt, AttemptStatus.CHARGED, now=now, batch=batch, gateway_payment_id=result.payment_id, error=""
            ):
                return Executed.TAKEN
            payment = PaymentReceived(
                transaction_ref=transaction.transaction_ref,
                amount=result.amount.amount,
                currency=result.amount.currency,
                paid_at=now,
                gateway=result.provider,
                gateway_payment_id=result.payment_id,
                recovered_by=RecoveredBy.AUTO_CHARGE,
            )
            if batch is not None:
                batch.recover(transaction, payment)
            else:
                transaction_mark_recovered(
                    organization=transaction.organization, livemode=transaction.livemode, payment=payment
                )
        return _log(attempt, Executed.CHARGED, payment_id=result.payment_id)
    failure = result.failure
    message = (failure.message if failure else None) or f"the gateway declined the charge ({result.status})"
    with db_transaction.atomic(savepoint=False):
        if not _finish(
            attempt,
            AttemptStatus.FAILED,
            now=now,
            batch=batch,
            gateway_payment_id=result.payment_id,
            error=message[:ERROR_MAX_LENGTH],
        ):
            return Executed.TAKEN
        decline = FailureInput(
            transaction_ref=transaction.transaction_ref,
            amount=transaction.amount,
            currency=transaction.currency,
            occurred_at=now,
            gateway=transaction.gateway,
            # As for a gateway's webhook: the issuer's reason says more than the generic error code.
            failure_code=(failure and (failure.decline_code or failure.code)) or "",
            failure_message=message,
            network_decline_code=(failure and failure.network_decline_code) or "",
            network_advice_code=(failure and failure.network_advice_code) or "",
            advice_code=(failure and failure.advice_code) or "",
            payment_method_type=transaction.payment_method_type,
            raw_payload={"attempt": attempt.public_id, "gateway_payment_id": result.payment_id},
            idempotency_key=retry_failure_key(attempt.public_id),
            source=EventSource.RETRY,
        )
        if batch is not None:
            batch.decline(transaction, decline)
        else:
            transaction_record_failure(
                organization=transaction.organization, livemode=transaction.livemode, failure=decline
            )
    return _log(attempt, Executed.DECLINED, payment_id=result.payment_id)


def attempt_email_settle(
    *, attempt: RecoveryAttempt, transaction: Transaction, log: NotificationLog, batch: Bookkeeping | None = None
) -> Executed:
    """What became of the attempt's email: sent or not sent (skipped) plans the next step; a failed
    send is tried again later; a send still pending belongs to another run."""
    if log.status == NotificationStatus.SENT:
        with db_transaction.atomic(savepoint=False):
            if not _finish(attempt, AttemptStatus.SENT, now=timezone.now(), batch=batch, error=""):
                return Executed.TAKEN
            _replan(transaction, batch)
        return _log(attempt, Executed.SENT, notification_id=log.public_id)
    if log.status == NotificationStatus.SUPPRESSED:
        reason = SuppressionReason(log.error).label if log.error in SuppressionReason.values else log.error
        return attempt_skip(attempt=attempt, transaction=transaction, error=f"not sent: {reason}", batch=batch)
    if log.status == NotificationStatus.FAILED:
        error = f"email not sent: {log.error}"
        return attempt_retry_later(attempt=attempt, transaction=transaction, error=error, batch=batch)
    return Executed.TAKEN


def attempt_unsettled_give_up(*, attempt: RecoveryAttempt, transaction: Transaction, waited: timedelta) -> Executed:
    """A re-charge the gateway has not settled for RETRY_UNSETTLED_MAX_SECONDS: it fails and the next
    step is planned. Should it settle later after all, its webhook recovers the transaction."""
    error = f"the gateway had not settled the charge {duration(waited)} after it was made"
    with db_transaction.atomic(savepoint=False):
        if not _finish(attempt, AttemptStatus.FAILED, now=timezone.now(), error=error):
            return Executed.TAKEN
        _replan(transaction, None)
    return _log(attempt, Executed.FAILED, error=error)


def attempt_email_interrupted(*, attempt: RecoveryAttempt, transaction: Transaction) -> Executed:
    """An email whose send began and never reported back: it may have gone out, so it is never sent
    again; the attempt fails and the next step is planned."""
    error = "the send was interrupted: whether the email went out is unknown, so it is not sent again"
    with db_transaction.atomic(savepoint=False):
        if not _finish(attempt, AttemptStatus.FAILED, now=timezone.now(), error=error):
            return Executed.TAKEN
        _replan(transaction, None)
    return _log(attempt, Executed.FAILED, error=error)
