"""Reads for retries: the policy the planner uses, a transaction's attempts as its history, and a
stored failure as the planner's decline."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Organization
from recovery.enums import Action, Category
from recovery.models import FailureEvent, Transaction
from retries.defaults import DEFAULT_OVERRIDES, DEFAULT_POLICY, DEFAULT_POLICY_NAME
from retries.enums import COUNTED_ATTEMPT_STATUSES, Channel
from retries.models import RecoveryAttempt, RetryPolicy, RetryPolicyOverride
from retries.planner import Decline, PastAttempt, PolicySnapshot


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


def attempt_history(*, transaction: Transaction, since: datetime | None = None) -> tuple[PastAttempt, ...]:
    """The transaction's attempts, oldest first, as the planner's history reads them; with `since`,
    only those planned from then on (a restarted recovery counts its attempts afresh)."""
    attempts = RecoveryAttempt.objects.filter(transaction=transaction).order_by("number")
    if since is not None:
        attempts = attempts.filter(created_at__gte=since)
    return tuple(attempt.past() for attempt in attempts.only("number", "channel", "scheduled_at", "status"))


def reattempts_before(*, transaction: Transaction, before: datetime) -> tuple[datetime, ...]:
    """When the transaction's re-charges planned before `before` ran (or were to run): a restarted
    recovery still counts them against the card networks' caps."""
    return tuple(
        RecoveryAttempt.objects.filter(
            transaction=transaction,
            created_at__lt=before,
            channel=Channel.AUTO_CHARGE,
            status__in=sorted(COUNTED_ATTEMPT_STATUSES),
        )
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
    )


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
