"""A retry policy as the planner reads it: frozen, with its per-category rules and the network limits.

A snapshot is made once per policy and process and read on every ingested failure: what the
planner looks up on each plan (the rule of a category, a backoff's n-th delay) is worked out once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal

from recovery.enums import Category
from retries.enums import Channel, Schedule, ZoneSource

# Mastercard's Excessive Authorization Attempts rule: attempts after 10 declines of the same card
# within 24 hours are charged (declines-and-networks.md §2.2). A network rule, not a setting.
MAX_DECLINES_24_HOURS = 10
# Visa's excessive-reattempts cap (§2.1): 15 in 30 days, 20 in newer sources; a setting
# (RETRY_MAX_REATTEMPTS_30_DAYS) that defaults to the conservative value.
DEFAULT_MAX_REATTEMPTS_30_DAYS = 15


@dataclass(frozen=True, slots=True)
class Backoff:
    """The n-th attempt waits first_delay * multiplier ** (n - 1), at most max_delay."""

    first_delay: timedelta
    multiplier: Decimal
    max_delay: timedelta
    # Each delay as first worked out: attempt numbers stop at the policy's maximum.
    _delays: dict[int, timedelta] = field(default_factory=dict, init=False, repr=False, compare=False)

    def delay(self, attempt_number: int) -> timedelta:
        known = self._delays.get(attempt_number)
        if known is None:
            seconds = Decimal(self.first_delay.total_seconds()) * self.multiplier ** (attempt_number - 1)
            capped = min(seconds, Decimal(self.max_delay.total_seconds()))
            known = self._delays[attempt_number] = timedelta(seconds=int(capped))
        return known


@dataclass(frozen=True, slots=True)
class SendWindow:
    """Local hours [start, end) in which attempts may run; `weekdays_only` skips Saturday and Sunday."""

    start: time
    end: time
    weekdays_only: bool
    zone_source: ZoneSource


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """A policy's override for one decline category; None fields follow the policy."""

    category: Category
    schedule: Schedule = Schedule.BACKOFF
    allow_auto_charge: bool = True
    max_attempts: int | None = None
    backoff: Backoff | None = None
    pay_days: tuple[int, ...] = ()
    pay_day_time: time = time(9, 0)


@dataclass(frozen=True, slots=True)
class NetworkLimits:
    max_reattempts_30_days: int = DEFAULT_MAX_REATTEMPTS_30_DAYS
    max_declines_24_hours: int = MAX_DECLINES_24_HOURS


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    name: str
    max_attempts: int
    backoff: Backoff
    jitter_percent: int  # each backoff delay is up to this much longer, deterministically
    give_up_after: timedelta  # counted from the first failure
    window: SendWindow
    channels: tuple[Channel, ...]  # used in turn, attempt after attempt
    link_lifetime: timedelta
    allow_auto_charge: bool
    overrides: tuple[CategoryRule, ...] = ()
    limits: NetworkLimits = NetworkLimits()
    # Every category's rule: its first override, else the policy's own behaviour as a rule.
    _rules: dict[str, CategoryRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = {category.value: CategoryRule(category=category) for category in Category}
        for rule in reversed(self.overrides):
            rules[rule.category] = rule
        object.__setattr__(self, "_rules", rules)

    def rule_for(self, category: Category) -> CategoryRule:
        """The override for `category`, or the policy's own behaviour as a rule."""
        return self._rules.get(category) or CategoryRule(category=category)

    def max_attempts_for(self, category: Category) -> int:
        rule = self.rule_for(category)
        return rule.max_attempts if rule.max_attempts is not None else self.max_attempts

    def backoff_for(self, category: Category) -> Backoff:
        rule = self.rule_for(category)
        return rule.backoff if rule.backoff is not None else self.backoff
