"""Executing claimed attempts: a re-charge of the saved payment method, or an email with a
recovery link. Each attempt acts at most once, however often its task runs.

An attempt reaches a worker `in_progress` (the dispatcher claimed it, retries.dispatch). For each:
1. Begin, in one transaction: the attempt must still be in progress and its transaction open
   (else the attempt is cancelled); the transaction becomes `recovering`; the try is counted. A
   re-charge is claimed once more by writing its idempotency key in a conditional update
   (`idempotency_key = ''`): a second run of the task (delivered twice, or again after its worker
   died) finds the key written and leaves the attempt alone; if the first run never finishes, the
   sweeper asks the gateway what happened (retries.sweeping).
2. Act, outside any database transaction, so that a crash never rolls back what the gateway or the
   mail server did: the gateway call carries the attempt's deterministic key (Razorpay: the adapter
   looks up the attempt's order by that receipt before charging); the email is sent once per
   attempt by messaging, whose NotificationLog is unique per transaction, attempt and channel.
3. Finish, in one transaction with the bookkeeping (retries.outcomes).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction as db_transaction
from django.db.models import F
from django.utils import timezone

from messaging.exceptions import TransactionClosed
from messaging.services import recovery_email_send, recovery_link_issue
from payments.exceptions import GatewayTransientError, PaymentsError
from payments.services import gateway_saved_method_charge
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.outcomes import (
    OPEN_STATUSES,
    Executed,
    attempt_cancel,
    attempt_charge_settle,
    attempt_email_settle,
    attempt_retry_later,
    attempt_skip,
    charge_account,
    charge_key,
    charge_request,
)
from retries.scheduling import policy_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Begun:
    attempt: RecoveryAttempt
    transaction: Transaction


def _begin(attempt_id: int) -> _Begun | Executed:
    """Take the attempt up (see the module's step 1): what to act on, or why there is nothing to do."""
    now = timezone.now()
    with db_transaction.atomic():
        attempt = (
            RecoveryAttempt.objects.select_for_update().filter(pk=attempt_id, status=AttemptStatus.IN_PROGRESS).first()
        )
        if attempt is None or (attempt.channel == Channel.AUTO_CHARGE and attempt.idempotency_key):
            return Executed.TAKEN
        txn = Transaction.objects.select_for_update().select_related("organization").get(pk=attempt.transaction_id)
        if txn.status not in OPEN_STATUSES:
            return attempt_cancel(attempt=attempt, reason=f"the transaction is {txn.status}")
        if txn.status == TransactionStatus.FAILED:
            Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.RECOVERING, updated_at=now)
            txn.status = TransactionStatus.RECOVERING
        key = charge_key(attempt) if attempt.channel == Channel.AUTO_CHARGE else ""
        RecoveryAttempt.objects.filter(pk=attempt.pk).update(tries=F("tries") + 1, idempotency_key=key, updated_at=now)
        attempt.tries, attempt.idempotency_key, attempt.updated_at = attempt.tries + 1, key, now
    return _Begun(attempt=attempt, transaction=txn)


def _recharge(attempt: RecoveryAttempt, txn: Transaction) -> Executed:
    if not txn.gateway_payment_method_id:
        return attempt_skip(attempt=attempt, transaction=txn, error="no saved payment method to re-charge")
    account = charge_account(txn)
    if account is None:
        mode = "live" if txn.livemode else "test"
        error = f"no {txn.gateway} gateway account is connected in {mode} mode"
        return attempt_skip(attempt=attempt, transaction=txn, error=error)
    try:
        result = gateway_saved_method_charge(account=account, request=charge_request(attempt=attempt, transaction=txn))
    except GatewayTransientError as exc:
        return attempt_retry_later(attempt=attempt, transaction=txn, error=str(exc))
    except PaymentsError as exc:
        # Refused as sent (bad keys, an unknown method, an amount the gateway cannot take): trying
        # the same request again cannot help.
        return attempt_skip(attempt=attempt, transaction=txn, error=f"{type(exc).__name__}: {exc}")
    return attempt_charge_settle(attempt=attempt, transaction=txn, result=result)


def _email(attempt: RecoveryAttempt, txn: Transaction) -> Executed:
    lifetime = policy_for(organization=txn.organization).link_lifetime
    try:
        issued = recovery_link_issue(transaction=txn, lifetime=lifetime, attempt_number=attempt.number)
    except TransactionClosed:
        return attempt_cancel(attempt=attempt, reason="the transaction closed before the email was sent")
    log = recovery_email_send(transaction=txn, link=issued.link)
    return attempt_email_settle(attempt=attempt, transaction=txn, log=log)


def attempt_execute(*, attempt_id: int) -> Executed:
    """Execute one claimed attempt (see the module's docstring); safe to call again for the same one."""
    begun = _begin(attempt_id)
    if isinstance(begun, Executed):
        return begun
    if begun.attempt.channel == Channel.AUTO_CHARGE:
        return _recharge(begun.attempt, begun.transaction)
    return _email(begun.attempt, begun.transaction)


def attempts_execute(*, attempt_ids: Sequence[int]) -> list[Executed | None]:
    """Execute claimed attempts in turn (one worker task's share). One that raises is logged and left
    in progress, for the sweeper; the others still run."""
    results: list[Executed | None] = []
    for attempt_id in attempt_ids:
        try:
            results.append(attempt_execute(attempt_id=attempt_id))
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # the sweeper finishes it; the rest of the batch must not wait for that
            logger.exception("attempt_execution_error", extra={"attempt_pk": attempt_id})
            results.append(None)
    return results
