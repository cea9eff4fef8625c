"""From a recorded failure to the next recovery attempt: the planner's inputs read from a
transaction, its answer written as a `RecoveryAttempt` (or the transaction given up).

Ingest plans a new transaction's first attempt in the transaction that records its failure
(`first_attempt_build`, no query: the policy comes from a per-process copy); every later
decision (another failure, a retry that declined, a resume or restart) goes through
`recovery_replan`, which reads the transaction's history and replaces whatever was still
scheduled. A transaction the merchant paused gets nothing planned until it is resumed; one the
merchant restarted is planned as if its failures had begun at the restart, except that its
earlier re-charges still count against the card networks' caps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accounts.models import Organization
from recovery.enums import TransactionStatus
from recovery.models import FailureEvent, Transaction
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.planner import (
    Decline,
    History,
    NextStep,
    PlanContext,
    PolicySnapshot,
    Reason,
    ReasonCode,
    Stop,
    StopKind,
    plan,
)
from retries.planner.text import moment
from retries.planner.types import reasons_as_json
from retries.selectors import attempt_history, decline_of, reattempts_before, retry_policy_snapshot
from tinko.ids import new_public_id
from tinko.local_cache import LocalCopy, SharedToken, WithoutRedis
from tinko.rows import instance_build, instance_relate

logger = logging.getLogger(__name__)

# Policies change rarely and are read on every ingested failure: each process keeps them, and a
# change reaches every process within RETRY_POLICIES_CHECK_SECONDS (as classifier rules do).
RETRY_POLICIES_TOKEN = SharedToken("retries:policies:version", without_redis=WithoutRedis.DJANGO_CACHE)
_policies: LocalCopy[int, PolicySnapshot] = LocalCopy(
    token=RETRY_POLICIES_TOKEN,
    max_age=600.0,
    max_entries=1024,
    check_every=lambda: settings.RETRY_POLICIES_CHECK_SECONDS,
)


def retry_policies_changed() -> None:
    """Tell every process that a policy changed (each reads it again within RETRY_POLICIES_CHECK_SECONDS)."""
    RETRY_POLICIES_TOKEN.bump()


def policy_for(*, organization: Organization) -> PolicySnapshot:
    """The organization's default policy as the planner reads it, from this process's copy."""
    return _policies.snapshot().get(organization.pk, lambda: retry_policy_snapshot(organization=organization))


@dataclass(frozen=True, slots=True)
class Planned:
    """What the planner decided for a transaction: the attempt it scheduled, or why there is none."""

    attempt: RecoveryAttempt | None
    stop: Stop | None = None

    def as_data(self) -> dict[str, Any]:
        """`next_step` as the API shows it."""
        if self.attempt is not None:
            return {
                "action": self.attempt.channel,
                "attempt": self.attempt.public_id,
                "number": self.attempt.number,
                "scheduled_at": self.attempt.scheduled_at,
                "reasons": self.attempt.reasons,
            }
        assert self.stop is not None
        return {
            "action": str(self.stop.kind),
            "attempt": None,
            "number": None,
            "scheduled_at": None,
            "reasons": reasons_as_json(self.stop.reasons),
        }


def time_zone_of(organization: Organization) -> ZoneInfo:
    """The organization's time zone, in which reasons say their times."""
    zone = organization.time_zone
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone or "UTC"))


def plan_context(txn: Transaction) -> PlanContext:
    """What the planner needs to know of the transaction beyond its decline."""
    reachable = {Channel.EMAIL} if txn.customer_email else set()
    if txn.gateway_payment_method_id:
        reachable.add(Channel.AUTO_CHARGE)
    return PlanContext(
        seed=txn.public_id,
        amount=txn.amount,
        currency=txn.currency,
        has_saved_method=bool(txn.gateway_payment_method_id),
        reachable=frozenset(reachable),
        issuer_country=str(txn.metadata.get("issuer_country", "")).upper() if txn.metadata else "",
        mandate_active=str(txn.metadata.get("mandate_active", "")).lower() == "true" if txn.metadata else False,
    )


def _attempt(txn: Transaction, step: NextStep, *, number: int, now: datetime) -> RecoveryAttempt:
    attempt = instance_build(
        RecoveryAttempt,
        organization_id=txn.organization_id,
        livemode=txn.livemode,
        public_id=new_public_id("att"),
        transaction_id=txn.pk,
        number=number,
        channel=step.channel,
        scheduled_at=step.at,
        status=AttemptStatus.SCHEDULED,
        reasons=reasons_as_json(step.reasons),
        created_at=now,
        updated_at=now,
    )
    instance_relate(attempt, "transaction", txn)
    return attempt


def first_attempt_build(*, txn: Transaction, decline: Decline, now: datetime) -> Planned:
    """The first attempt of a transaction that `decline` has just opened, in memory (not written).
    Its history is that one failure, so the planner needs no query."""
    policy = policy_for(organization=txn.organization)
    history = History(first_failed_at=txn.first_failed_at, card_declines=(decline.occurred_at,))
    decided = plan(
        policy=policy,
        decline=decline,
        history=history,
        now=now,
        time_zone=time_zone_of(txn.organization),
        context=plan_context(txn),
    )
    if isinstance(decided, Stop):
        return Planned(attempt=None, stop=decided)
    return Planned(attempt=_attempt(txn, decided, number=1, now=now))


def attempts_cancel(*, transaction: Transaction, reason: str) -> int:
    """Cancel the transaction's attempts that have not started; how many were."""
    now = timezone.now()
    cancelled = RecoveryAttempt.objects.filter(transaction=transaction, status=AttemptStatus.SCHEDULED).update(
        status=AttemptStatus.CANCELLED, error=reason, finished_at=now, updated_at=now
    )
    if cancelled:
        logger.info("attempts_cancelled", extra={"transaction_id": transaction.public_id, "count": cancelled})
    return cancelled


def paused_stop(transaction: Transaction) -> Stop:
    """Why a paused transaction has nothing planned."""
    assert transaction.recovery_paused_at is not None
    when = moment(transaction.recovery_paused_at, time_zone_of(transaction.organization))
    text = f"recovery paused by the merchant on {when}: nothing is scheduled until it is resumed"
    return Stop((Reason(ReasonCode.PAUSED, text),), kind=StopKind.PAUSED)


def _history(transaction: Transaction) -> History:
    declines = tuple(FailureEvent.objects.filter(transaction=transaction).values_list("occurred_at", flat=True))
    restarted_at = transaction.recovery_restarted_at
    if restarted_at is None:
        return History(
            first_failed_at=transaction.first_failed_at,
            attempts=attempt_history(transaction=transaction),
            card_declines=declines,
        )
    return History(
        first_failed_at=max(transaction.first_failed_at, restarted_at),
        attempts=attempt_history(transaction=transaction, since=restarted_at),
        card_declines=declines,
        other_reattempts=reattempts_before(transaction=transaction, before=restarted_at),
    )


def recovery_replan(
    *, transaction: Transaction, event: FailureEvent | None = None, because: tuple[Reason, ...] = ()
) -> Planned:
    """Decide again for an open transaction after its latest failure `event` (its newest if not
    given): the attempts still scheduled are cancelled and the next one is scheduled, or the
    transaction is given up (`abandoned`); a paused transaction gets nothing. `because` (e.g. the
    merchant resumed) is said first among the reasons. Call it in the transaction that recorded
    the change."""
    now = timezone.now()
    if transaction.recovery_paused_at is not None:
        attempts_cancel(transaction=transaction, reason="recovery is paused")
        return Planned(attempt=None, stop=paused_stop(transaction))
    latest = event or FailureEvent.objects.filter(transaction=transaction).order_by("-occurred_at", "-id").first()
    if latest is None:
        raise ValueError(f"Transaction {transaction.public_id} has no failure to plan from.")
    attempts_cancel(transaction=transaction, reason="replanned after a new decline")
    decided = plan(
        policy=policy_for(organization=transaction.organization),
        decline=decline_of(latest),
        history=_history(transaction),
        now=now,
        time_zone=time_zone_of(transaction.organization),
        context=plan_context(transaction),
    )
    if isinstance(decided, Stop):
        if decided.kind == StopKind.GIVE_UP and transaction.status in (
            TransactionStatus.FAILED,
            TransactionStatus.RECOVERING,
        ):
            Transaction.objects.filter(pk=transaction.pk).update(status=TransactionStatus.ABANDONED, updated_at=now)
            transaction.status = TransactionStatus.ABANDONED
            logger.info("transaction_abandoned", extra={"transaction_id": transaction.public_id})
        return Planned(attempt=None, stop=Stop((*because, *decided.reasons), kind=decided.kind))
    if because:
        decided = NextStep(channel=decided.channel, at=decided.at, reasons=(*because, *decided.reasons))
    number = (RecoveryAttempt.objects.filter(transaction=transaction).aggregate(n=Max("number"))["n"] or 0) + 1
    attempt = _attempt(transaction, decided, number=number, now=now)
    attempt.save(force_insert=True)
    return Planned(attempt=attempt)
