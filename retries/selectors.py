"""Reads for retries: the policy the planner uses, what it reads of a transaction (its failures,
attempts and the payer's wishes), and a stored failure as the planner's decline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Organization
from messaging.models import ReminderOptOut
from recovery.enums import Action, Category
from recovery.models import FailureEvent, Transaction
from retries.defaults import DEFAULT_OVERRIDES, DEFAULT_POLICY, DEFAULT_POLICY_NAME
from retries.enums import COUNTED_ATTEMPT_STATUSES, Channel
from retries.models import RecoveryAttempt, RetryPolicy, RetryPolicyOverride
from retries.planner import Decline, History, PolicySnapshot


def default_policy_rows(*, organization: Organization | None = None) -> tuple[RetryPolicy, list[RetryPolicyOverride]]:
    """Tinko's default policy and its overrides as unsaved rows (for `organization` if given)."""
    policy = RetryPolicy(name=DEFAULT_POLICY_NAME, is_default=True, **DEFAULT_POLICY)
    if organization is not None:
        policy.organization = organization
    overrides = [
        RetryPolicyOverride(category=Category(category), **values) for category, values in DEFAULT_OVERRIDES.items()
    ]
    return policy, overrides


def retry_policy_default(*, organization: Organization) -> RetryPolicy | None:
    """The organization's default policy with its overrides, if it has one."""
    return (
        RetryPolicy.objects.for_org(organization)
        .filter(is_default=True)
        .prefetch_related(Prefetch("overrides", queryset=RetryPolicyOverride.objects.order_by("category")))
        .first()
    )


def retry_policy_list(*, organization: Organization) -> QuerySet[RetryPolicy]:
    """The organization's policies, the default first, each with its number of category overrides."""
    return (
        RetryPolicy.objects.for_org(organization)
        .annotate(override_count=Count("overrides"))
        .order_by("-is_default", "name")
    )


def retry_policy_snapshot(*, organization: Organization) -> PolicySnapshot:
    """What the planner uses for `organization`: its default policy, or Tinko's defaults when it
    has none (an organization made outside `organization_create`, e.g. by a fixture)."""
    policy = retry_policy_default(organization=organization)
    if policy is not None:
        return policy.snapshot()
    policy, overrides = default_policy_rows()
    return policy.snapshot(overrides=overrides)


@dataclass
class PlanningFacts:
    """What the database holds of one transaction that the planner reads: its failures (the latest
    in full), its attempts and whether the payer stopped reminders."""

    latest: FailureEvent | None = None
    declines: list[datetime] = field(default_factory=list)
    attempts: list[RecoveryAttempt] = field(default_factory=list)
    reminders_stopped: bool = False

    def history(self, transaction: Transaction) -> History:
        attempts = sorted(self.attempts, key=lambda attempt: attempt.number)
        restarted_at = transaction.recovery_restarted_at
        if restarted_at is None:
            return History(
                first_failed_at=transaction.first_failed_at,
                attempts=tuple(attempt.past() for attempt in attempts),
                card_declines=tuple(self.declines),
            )
        # A restarted recovery counts its attempts afresh, but its earlier re-charges still count
        # against the card networks' caps.
        earlier = sorted(
            attempt.scheduled_at
            for attempt in attempts
            if attempt.created_at < restarted_at
            and attempt.channel == Channel.AUTO_CHARGE
            and attempt.status in COUNTED_ATTEMPT_STATUSES
        )
        return History(
            first_failed_at=max(transaction.first_failed_at, restarted_at),
            attempts=tuple(attempt.past() for attempt in attempts if attempt.created_at >= restarted_at),
            card_declines=tuple(self.declines),
            other_reattempts=tuple(earlier),
            restarted=True,
        )

    @property
    def next_number(self) -> int:
        return max((attempt.number for attempt in self.attempts), default=0) + 1


_DECLINE_FIELDS = (
    "category",
    "retryable",
    "action",
    "occurred_at",
    "payment_method_type",
    "gateway",
    "rule",
    "cooldown_seconds",
    "alternatives",
    "failure_code",
    "network_decline_code",
    "network_advice_code",
    "advice_code",
)


def planning_facts(*, transaction_ids: Sequence[int]) -> dict[int, PlanningFacts]:
    """What the planner reads of each transaction, in three queries for them all."""
    known = {pk: PlanningFacts() for pk in transaction_ids}
    # What the planner reads of a failure (decline_of), not the gateway's payload and the rest.
    events = (
        FailureEvent.objects.filter(transaction_id__any=transaction_ids)
        .only("transaction_id", *_DECLINE_FIELDS)
        .order_by("occurred_at", "id")
    )
    for event in events:
        entry = known[event.transaction_id]
        entry.declines.append(event.occurred_at)
        entry.latest = event
    attempts = RecoveryAttempt.objects.filter(transaction_id__any=transaction_ids).only(
        "transaction_id", "number", "channel", "scheduled_at", "status", "created_at"
    )
    for attempt in attempts:
        known[attempt.transaction_id].attempts.append(attempt)
    stopped = ReminderOptOut.objects.filter(transaction_id__any=transaction_ids).values_list(
        "transaction_id", flat=True
    )
    for transaction_id in stopped:
        known[transaction_id].reminders_stopped = True
    return known


def decline_of(event: FailureEvent, *, card_network: str = "") -> Decline:
    """A stored failure event (the classifier's decision and the network's codes) as the planner reads it."""
    return Decline(
        category=Category(event.category),
        retryable=event.retryable,
        action=Action(event.action),
        occurred_at=event.occurred_at,
        payment_method_type=event.payment_method_type,
        gateway=event.gateway,
        rule=event.rule,
        cooldown_seconds=event.cooldown_seconds,
        alternatives=tuple(event.alternatives or ()),
        failure_code=event.failure_code,
        network_decline_code=event.network_decline_code,
        network_advice_code=event.network_advice_code,
        advice_code=event.advice_code,
        card_network=card_network.strip().lower(),
    )
