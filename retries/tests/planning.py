"""Inputs for planner tests: Tinko's default policy as a snapshot, and a decline and a context
that any test changes with keyword arguments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from recovery.enums import Action, Category
from retries.enums import Channel, Schedule, ZoneSource
from retries.planner import (
    Backoff,
    CategoryRule,
    Decline,
    History,
    NetworkLimits,
    NextStep,
    PlanContext,
    PolicySnapshot,
    SendWindow,
    Stop,
    plan,
)

UTC_ZONE = ZoneInfo("UTC")
KOLKATA = ZoneInfo("Asia/Kolkata")
# Thursday 3 December 2026, 10:00 UTC (15:30 in Kolkata).
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def policy(**changes: Any) -> PolicySnapshot:
    """Tinko's default policy without overrides or jitter, in UTC, unless changed."""
    base = PolicySnapshot(
        name="Standard",
        max_attempts=6,
        backoff=Backoff(first_delay=timedelta(days=1), multiplier=Decimal("2"), max_delay=timedelta(days=4)),
        jitter_percent=0,
        give_up_after=timedelta(days=14),
        window=SendWindow(start=time(9), end=time(20), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION),
        channels=(Channel.AUTO_CHARGE, Channel.EMAIL),
        link_lifetime=timedelta(hours=72),
        allow_auto_charge=True,
        overrides=(),
        limits=NetworkLimits(),
    )
    return replace(base, **changes)


def override(category: Category, **values: Any) -> CategoryRule:
    return CategoryRule(category=category, **values)


FUNDS_ON_PAY_DAYS = override(Category.FUNDS, schedule=Schedule.PAY_DAYS, pay_days=(1, 15), pay_day_time=time(9))


def decline(**changes: Any) -> Decline:
    """A retryable Stripe card decline (do not honor, no cooldown) that happened at NOW."""
    values: dict[str, Any] = {
        "category": Category.ISSUER_DECLINE,
        "retryable": True,
        "action": Action.RETRY_LATER,
        "occurred_at": NOW,
        "payment_method_type": "card",
        "gateway": "stripe",
        "rule": "iso8583:05",
        "cooldown_seconds": 0,
        "alternatives": ("upi", "netbanking"),
        "failure_code": "do_not_honor",
        "network_decline_code": "05",
    }
    values.update(changes)
    return Decline(**values)


def context(**changes: Any) -> PlanContext:
    """A USD payment with a saved card and an email address."""
    values: dict[str, Any] = {
        "seed": "txn_test",
        "amount": 4999,
        "currency": "USD",
        "has_saved_method": True,
        "reachable": frozenset({Channel.EMAIL}),
    }
    values.update(changes)
    return PlanContext(**values)


def run(
    *,
    policy_: PolicySnapshot | None = None,
    decline_: Decline | None = None,
    history: History | None = None,
    now: datetime = NOW,
    zone: ZoneInfo = UTC_ZONE,
    context_: PlanContext | None = None,
) -> NextStep | Stop:
    return plan(
        policy=policy_ or policy(),
        decline=decline_ or decline(),
        history=history or History(first_failed_at=NOW),
        now=now,
        time_zone=zone,
        context=context_ or context(),
    )


def step(**kwargs: Any) -> NextStep:
    result = run(**kwargs)
    assert isinstance(result, NextStep), result
    return result


def stop(**kwargs: Any) -> Stop:
    result = run(**kwargs)
    assert isinstance(result, Stop), result
    return result


def codes(result: NextStep | Stop) -> list[str]:
    return [str(reason.code) for reason in result.reasons]


def texts(result: NextStep | Stop) -> list[str]:
    return [reason.text for reason in result.reasons]
