"""Executing claimed attempts: a re-charge of the saved payment method, or an email with a
recovery link. Each attempt acts at most once, however often its task runs.

Attempts reach a worker `in_progress` (the dispatcher claimed them, retries.dispatch), a few per
task. The worker takes them in three steps:
1. Begin, in one transaction for the task's attempts: each must still be in progress and its
   transaction open (else the attempt is cancelled); the transactions become `recovering`; the
   tries are counted. A re-charge is claimed once more by writing its idempotency key, read and
   written under the row's lock: a second run of the task (delivered twice, or again after its
   worker died) finds the key written and leaves the attempt alone; if the first run never
   finishes, the sweeper asks the gateway what happened (retries.sweeping).
2. Act, outside any database transaction, so that a crash never rolls back what a gateway or the
   mail server did: the re-charges go to each gateway account together (the sandbox takes them in
   one call; Stripe and Razorpay one API request each), every charge carrying its attempt's
   deterministic key (Razorpay: the adapter looks up the attempt's order by that receipt before
   charging); the
   emails go together, their links and logs written a statement for all and the messages sent over
   one connection, once per attempt (messaging's NotificationLog is unique per transaction,
   attempt and channel).
3. Settle, in one transaction for the task's attempts, each outcome with the bookkeeping it causes
   (retries.outcomes), the next steps of all their transactions planned together at the end; if
   that transaction fails, each attempt is settled in its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction as db_transaction
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from messaging.services import EmailRequest, LinkRequest, recovery_emails_send, recovery_links_issue
from payments.exceptions import GatewayTransientError, PaymentsError
from payments.interface import ChargeResult
from payments.models import GatewayAccount
from payments.services import gateway_saved_method_charges
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.outcomes import (
    CHARGE_KEY_PREFIX,
    OPEN_STATUSES,
    Bookkeeping,
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


class Settle(Protocol):
    """How an attempt's outcome is written, with the rest of its `batch` (None: on its own)."""

    def __call__(self, *, batch: Bookkeeping | None) -> Executed: ...


def _begin(attempt_ids: Sequence[int]) -> tuple[list[RecoveryAttempt], dict[int, Executed]]:
    """Take the attempts up (see the module's step 1): those to act on, each with its transaction,
    and what became of the others."""
    now = timezone.now()
    done: dict[int, Executed] = {}
    with db_transaction.atomic():
        found = list(
            RecoveryAttempt.objects.select_for_update(of=("self", "transaction"))
            .select_related("transaction")
            # A task's attempts share a few organizations: each read once, apart, and not locked.
            .prefetch_related("transaction__organization")
            .filter(pk__any=attempt_ids, status=AttemptStatus.IN_PROGRESS)
            .order_by("pk")
        )
        ready: list[RecoveryAttempt] = []
        for attempt in found:
            txn = attempt.transaction
            if attempt.channel == Channel.AUTO_CHARGE and attempt.idempotency_key:
                done[attempt.pk] = Executed.TAKEN
            elif txn.status not in OPEN_STATUSES:
                done[attempt.pk] = attempt_cancel(attempt=attempt, reason=f"the transaction is {txn.status}")
            else:
                ready.append(attempt)
        opened = {attempt.transaction_id for attempt in ready if attempt.transaction.status == TransactionStatus.FAILED}
        if opened:
            Transaction.objects.filter(pk__any=opened, status=TransactionStatus.FAILED).update(
                status=TransactionStatus.RECOVERING, updated_at=now
            )
        # One more try for each; a re-charge claimed once more by its key (see the module's step 1).
        RecoveryAttempt.objects.filter(pk__any=[attempt.pk for attempt in ready]).update(
            tries=F("tries") + 1,
            updated_at=now,
            idempotency_key=Case(
                When(channel=Channel.AUTO_CHARGE, then=Concat(Value(CHARGE_KEY_PREFIX), F("public_id"))),
                default=F("idempotency_key"),
                output_field=CharField(),
            ),
        )
    for attempt in ready:
        attempt.tries += 1
        attempt.updated_at = now
        if attempt.transaction_id in opened:
            attempt.transaction.status = TransactionStatus.RECOVERING
        if attempt.channel == Channel.AUTO_CHARGE:
            attempt.idempotency_key = charge_key(attempt)
    ready_ids = {attempt.pk for attempt in ready}
    for attempt_id in attempt_ids:
        if attempt_id not in ready_ids:
            done.setdefault(attempt_id, Executed.TAKEN)
    return ready, done


@dataclass
class _Accounts:
    """Gateway accounts by organization, gateway and mode, looked up once per task."""

    found: dict[tuple[int, str, bool], GatewayAccount | None] = field(default_factory=dict)

    def of(self, txn: Transaction) -> GatewayAccount | None:
        key = (txn.organization_id, txn.gateway, txn.livemode)
        if key not in self.found:
            self.found[key] = charge_account(txn)
        return self.found[key]


def _recharges(attempts: Sequence[RecoveryAttempt]) -> dict[int, Settle]:
    """Re-charge the attempts' saved methods, one gateway call per account for its share (each
    charge still carrying its attempt's key), and say how each settles."""
    accounts = _Accounts()
    settles: dict[int, Settle] = {}
    by_account: dict[int, tuple[GatewayAccount, list[RecoveryAttempt]]] = {}
    for attempt in attempts:
        txn = attempt.transaction
        if not txn.gateway_payment_method_id:
            error = "no saved payment method to re-charge"
        elif (account := accounts.of(txn)) is None:
            error = f"no {txn.gateway} gateway account is connected in {'live' if txn.livemode else 'test'} mode"
        else:
            by_account.setdefault(account.pk, (account, []))[1].append(attempt)
            continue
        settles[attempt.pk] = partial(attempt_skip, attempt=attempt, transaction=txn, error=error)
    for account, share in by_account.values():
        try:
            outcomes = gateway_saved_method_charges(
                account=account,
                requests=[charge_request(attempt=attempt, transaction=attempt.transaction) for attempt in share],
            )
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # the sweeper asks the gateway what happened; the other accounts' go on
            logger.exception("attempt_execution_error", extra={"attempt_ids": [attempt.public_id for attempt in share]})
            continue
        for attempt, outcome in zip(share, outcomes, strict=True):
            settles[attempt.pk] = _charge_settle(attempt, outcome)
    return settles


def _charge_settle(attempt: RecoveryAttempt, outcome: ChargeResult | PaymentsError) -> Settle:
    txn = attempt.transaction
    if isinstance(outcome, GatewayTransientError):
        return partial(attempt_retry_later, attempt=attempt, transaction=txn, error=str(outcome))
    if isinstance(outcome, PaymentsError):
        # Refused as sent (bad keys, an unknown method, an amount the gateway cannot take): trying
        # the same request again cannot help.
        refused = f"{type(outcome).__name__}: {outcome}"
        return partial(attempt_skip, attempt=attempt, transaction=txn, error=refused)
    return partial(attempt_charge_settle, attempt=attempt, transaction=txn, result=outcome)


def _cancel(attempt: RecoveryAttempt, *, reason: str) -> Settle:
    return lambda batch: attempt_cancel(attempt=attempt, reason=reason)


def _emails(attempts: Sequence[RecoveryAttempt]) -> dict[int, Settle]:
    """Send the attempts' emails together: a link for each, then the messages."""
    requests = [
        LinkRequest(
            transaction=attempt.transaction,
            lifetime=policy_for(organization=attempt.transaction.organization).link_lifetime,
            attempt_number=attempt.number,
        )
        for attempt in attempts
    ]
    settles: dict[int, Settle] = {}
    sendable: list[tuple[RecoveryAttempt, EmailRequest]] = []
    for attempt, issued in zip(attempts, recovery_links_issue(requests=requests), strict=True):
        if issued is None:
            settles[attempt.pk] = _cancel(attempt, reason="the transaction closed before the email was sent")
        else:
            sendable.append((attempt, EmailRequest(transaction=attempt.transaction, link=issued.link)))
    logs = recovery_emails_send(requests=[request for _, request in sendable]) if sendable else []
    for (attempt, _), log in zip(sendable, logs, strict=True):
        settles[attempt.pk] = partial(attempt_email_settle, attempt=attempt, transaction=attempt.transaction, log=log)
    return settles


def _settle(settles: dict[int, Settle]) -> dict[int, Executed | None]:
    """Write every outcome in one transaction, the recoveries and next steps they cause together at its
    end; if that fails, each in its own (one that still fails is logged and left in progress, for
    the sweeper)."""
    if not settles:
        return {}
    try:
        with db_transaction.atomic():
            batch = Bookkeeping.claim(list(settles))
            settled: dict[int, Executed | None] = {
                attempt_id: settle(batch=batch) for attempt_id, settle in settles.items()
            }
            batch.write()
            return settled
    except Exception:  # one attempt's bookkeeping must not hold up the others': settled one by one below
        logger.exception("attempts_settle_together_failed", extra={"count": len(settles)})
    results: dict[int, Executed | None] = {}
    for attempt_id, settle in settles.items():
        try:
            with db_transaction.atomic():
                results[attempt_id] = settle(batch=None)
        except Exception:
            logger.exception("attempt_settle_failed", extra={"attempt_pk": attempt_id})
            results[attempt_id] = None
    return results


def attempts_execute(*, attempt_ids: Sequence[int]) -> list[Executed | None]:
    """Execute claimed attempts (one worker task's share; see the module's docstring), in order:
    what each run did, None for one that raised (logged, and left in progress for the sweeper).
    Safe to call again for the same attempts."""
    ids = list(dict.fromkeys(attempt_ids))
    ready, done = _begin(ids)
    results: dict[int, Executed | None] = dict(done)
    charges = [attempt for attempt in ready if attempt.channel == Channel.AUTO_CHARGE]
    settles = _recharges(charges) if charges else {}
    results.update(dict.fromkeys((attempt.pk for attempt in charges if attempt.pk not in settles), None))
    emails = [attempt for attempt in ready if attempt.channel != Channel.AUTO_CHARGE]
    try:
        settles.update(_emails(emails) if emails else {})
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # the sweeper finds out from each message's log what was sent
        logger.exception("attempt_execution_error", extra={"attempt_ids": [attempt.public_id for attempt in emails]})
        results.update(dict.fromkeys((attempt.pk for attempt in emails), None))
    results.update(_settle(settles))
    return [results.get(attempt_id) for attempt_id in ids]


def attempt_execute(*, attempt_id: int) -> Executed | None:
    """Execute one claimed attempt."""
    return attempts_execute(attempt_ids=[attempt_id])[0]
