"""From a recorded failure to the next recovery attempt: the planner's inputs read from a
transaction, its answer written as a `RecoveryAttempt` (or the transaction given up).

Ingest plans a new transaction's first attempt in the transaction that records its failure
(`first_attempt_build`, no query: the policy comes from a per-process copy); every later
decision (another failure, a retry that declined, a resume or restart) goes through
`recovery_replan` (or `recovery_replan_many`, for a batch of transactions in a handful of
statements), which reads the transaction's history and replaces whatever was still scheduled.
A transaction the merchant paused gets nothing planned until it is resumed; one the merchant
restarted is planned as if its failures had begun at the restart, except that its earlier
re-charges still count against the card networks' caps. A transaction given up is `abandoned`
and its recovery links revoked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from accounts.models import Organization
from messaging.services import recovery_links_revoke_many
from payments.enums import GatewayMode
from payments.models import GatewayAccount
from recovery.enums import TransactionStatus
from recovery.models import FailureEvent, Transaction
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.planner import (
    Decline,
    History,
    NextStep,
    PlanContext,
    Planner,
    PolicySnapshot,
    Reason,
    ReasonCode,
    Stop,
    StopKind,
    plan,
)
from retries.planner.text import moment
from retries.planner.types import reasons_as_json
from retries.selectors import decline_of, planning_facts, retry_policy_snapshot
from tinko.ids import new_public_id
from tinko.local_cache import LocalCopy, SharedToken, WithoutRedis
from tinko.rows import instance_build, instance_relate, instances_insert

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


# Whether a re-charge has an account to go through is read on every plan too; connecting or
# disconnecting a gateway reaches every process as a policy change does.
GATEWAY_ACCOUNTS_TOKEN = SharedToken("retries:gateway_accounts:version", without_redis=WithoutRedis.DJANGO_CACHE)
_connected: LocalCopy[int, frozenset[tuple[str, bool]]] = LocalCopy(
    token=GATEWAY_ACCOUNTS_TOKEN,
    max_age=600.0,
    max_entries=4096,
    check_every=lambda: settings.RETRY_POLICIES_CHECK_SECONDS,
)


def gateway_accounts_changed() -> None:
    """Tell every process that an organization connected or disconnected a gateway account."""
    GATEWAY_ACCOUNTS_TOKEN.bump()


def _accounts_connected(organization_id: int) -> frozenset[tuple[str, bool]]:
    accounts = GatewayAccount.objects.filter(organization_id=organization_id).values_list("provider", "mode")
    return frozenset((provider, mode == GatewayMode.LIVE) for provider, mode in accounts)


def _connected_of(organization_id: int) -> frozenset[tuple[str, bool]]:
    """The organization's gateway accounts as (provider, livemode), from this process's copy."""
    return _connected.snapshot().get(organization_id, lambda: _accounts_connected(organization_id))


def gateway_connected(txn: Transaction) -> bool:
    """The transaction's organization has an account at its gateway in its mode (this process's copy)."""
    return (txn.gateway, txn.livemode) in _connected_of(txn.organization_id)


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


def plan_context(txn: Transaction, *, reminders_stopped: bool = False) -> PlanContext:
    """What the planner needs to know of the transaction beyond its decline (`reminders_stopped`:
    the payer asked for no more messages, which a new transaction cannot have done yet)."""
    return _context(txn, connected=gateway_connected(txn), reminders_stopped=reminders_stopped)


def _context(txn: Transaction, *, connected: bool, reminders_stopped: bool) -> PlanContext:
    reachable = {Channel.EMAIL} if txn.customer_email else set()
    if txn.gateway_payment_method_id:
        reachable.add(Channel.AUTO_CHARGE)
    return PlanContext(
        seed=txn.public_id,
        amount=txn.amount,
        currency=txn.currency,
        has_saved_method=bool(txn.gateway_payment_method_id),
        gateway_connected=connected,
        reachable=frozenset(reachable),
        reminders_stopped=reminders_stopped,
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


def attempts_insert(attempts: Sequence[RecoveryAttempt]) -> None:
    """Write new attempts in one statement and mark them saved."""
    instances_insert(attempts)


def first_attempt_build(*, txn: Transaction, decline: Decline, now: datetime) -> Planned:
    """The first attempt of a transaction that `decline` has just opened, in memory (not written).
    Its history is that one failure, so the planner needs no query."""
    (planned,) = first_attempts_build(opened=[(txn, decline)], now=now)
    return planned


def first_attempts_build(*, opened: Sequence[tuple[Transaction, Decline]], now: datetime) -> list[Planned]:
    """`first_attempt_build` for many new transactions (a batch), in order. Each organization's
    policy, time zone and gateway accounts are read once, and each plan is prepared once for all
    the transactions alike and finished for each (`retries.planner.Planner`: the same plans as
    one by one)."""
    planner = Planner()
    known: dict[int, tuple[PolicySnapshot, ZoneInfo, frozenset[tuple[str, bool]]]] = {}
    planned: list[Planned] = []
    for txn, decline in opened:
        facts = known.get(txn.organization_id)
        if facts is None:
            organization = txn.organization
            facts = known[txn.organization_id] = (
                policy_for(organization=organization),
                time_zone_of(organization),
                _connected_of(txn.organization_id),
            )
        policy, zone, connected = facts
        decided = planner.plan(
            policy=policy,
            decline=decline,
            history=History(first_failed_at=txn.first_failed_at, card_declines=(decline.occurred_at,)),
            now=now,
            time_zone=zone,
            context=_context(txn, connected=(txn.gateway, txn.livemode) in connected, reminders_stopped=False),
        )
        if isinstance(decided, Stop):
            planned.append(Planned(attempt=None, stop=decided))
        else:
            planned.append(Planned(attempt=_attempt(txn, decided, number=1, now=now)))
    return planned


def _cancel_scheduled(transaction_ids: Sequence[int], *, reason: str, now: datetime) -> int:
    if not transaction_ids:
        return 0
    return RecoveryAttempt.objects.filter(transaction_id__any=transaction_ids, status=AttemptStatus.SCHEDULED).update(
        status=AttemptStatus.CANCELLED, error=reason, finished_at=now, updated_at=now
    )


def attempts_cancel(*, transaction: Transaction, reason: str) -> int:
    """Cancel the transaction's attempts that have not started; how many were."""
    cancelled = _cancel_scheduled([transaction.pk], reason=reason, now=timezone.now())
    if cancelled:
        logger.info("attempts_cancelled", extra={"transaction_id": transaction.public_id, "count": cancelled})
    return cancelled


def attempts_cancel_many(*, transaction_ids: Sequence[int], reason: str) -> int:
    """`attempts_cancel` for several transactions in one statement."""
    return _cancel_scheduled(transaction_ids, reason=reason, now=timezone.now())


def paused_stop(transaction: Transaction) -> Stop:
    """Why a paused transaction has nothing planned."""
    assert transaction.recovery_paused_at is not None
    when = moment(transaction.recovery_paused_at, time_zone_of(transaction.organization))
    text = f"recovery paused by the merchant on {when}: nothing is scheduled until it is resumed"
    return Stop((Reason(ReasonCode.PAUSED, text),), kind=StopKind.PAUSED)


def recovery_replan(
    *, transaction: Transaction, event: FailureEvent | None = None, because: tuple[Reason, ...] = ()
) -> Planned:
    """Decide again for an open transaction after its latest failure `event` (its newest if not
    given): the attempts still scheduled are cancelled and the next one is scheduled, or the
    transaction is given up (`abandoned`, its recovery links revoked); a paused transaction gets
    nothing. `because` (e.g. the merchant resumed) is said first among the reasons. Call it in the
    transaction that recorded the change."""
    events = {transaction.pk: event} if event is not None else {}
    return recovery_replan_many(transactions=[transaction], events=events, because=because)[transaction.pk]


def recovery_replan_many(
    *,
    transactions: Sequence[Transaction],
    events: Mapping[int, FailureEvent] | None = None,
    because: tuple[Reason, ...] = (),
) -> dict[int, Planned]:
    """`recovery_replan` for several open transactions at once (keyed by transaction id), in a
    fixed number of statements whatever their number."""
    now = timezone.now()
    events = events or {}
    paused = [txn for txn in transactions if txn.recovery_paused_at is not None]
    active = [txn for txn in transactions if txn.recovery_paused_at is None]
    _cancel_scheduled([txn.pk for txn in paused], reason="recovery is paused", now=now)
    _cancel_scheduled([txn.pk for txn in active], reason="replanned after a new decline", now=now)
    planned = {txn.pk: Planned(attempt=None, stop=paused_stop(txn)) for txn in paused}
    known = planning_facts(transaction_ids=[txn.pk for txn in active]) if active else {}
    abandoned: list[Transaction] = []
    new_attempts: list[RecoveryAttempt] = []
    for txn in active:
        entry = known[txn.pk]
        latest = events.get(txn.pk) or entry.latest
        if latest is None:
            raise ValueError(f"Transaction {txn.public_id} has no failure to plan from.")
        decided = plan(
            policy=policy_for(organization=txn.organization),
            decline=decline_of(latest),
            history=entry.history(txn),
            now=now,
            time_zone=time_zone_of(txn.organization),
            context=plan_context(txn, reminders_stopped=entry.reminders_stopped),
        )
        if isinstance(decided, Stop):
            if decided.kind == StopKind.GIVE_UP and txn.status in (
                TransactionStatus.FAILED,
                TransactionStatus.RECOVERING,
            ):
                abandoned.append(txn)
            planned[txn.pk] = Planned(attempt=None, stop=Stop((*because, *decided.reasons), kind=decided.kind))
            continue
        if because:
            decided = NextStep(channel=decided.channel, at=decided.at, reasons=(*because, *decided.reasons))
        attempt = _attempt(txn, decided, number=entry.next_number, now=now)
        new_attempts.append(attempt)
        planned[txn.pk] = Planned(attempt=attempt)
    attempts_insert(new_attempts)
    _abandon(abandoned, now=now)
    return planned


def _abandon(transactions: Sequence[Transaction], *, now: datetime) -> None:
    """Give the transactions up: nothing is left to try. Their links stop working for good, so that
    a restarted recovery sends new ones."""
    if not transactions:
        return
    Transaction.objects.filter(pk__any=[txn.pk for txn in transactions]).update(
        status=TransactionStatus.ABANDONED, updated_at=now
    )
    recovery_links_revoke_many(transaction_ids=[txn.pk for txn in transactions])
    for txn in transactions:
        txn.status = TransactionStatus.ABANDONED
        logger.info("transaction_abandoned", extra={"transaction_id": txn.public_id})
