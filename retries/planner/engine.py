"""The retry planner: (policy, decline, history, now, time zone, context) → the next step, or stop.

Pure: no database, no clock, no I/O; the same inputs always give the same plan (jitter comes from
the context's seed). How a plan is made:
1. A payment whose outcome is not final (UPI pending, "wait for confirmation") is not retried:
   stop and wait for its final status, since a new attempt could debit twice.
2. Stop when the policy's attempts are used or its give-up time (from the first failure) passed.
3. The policy's channels take turns, attempt after attempt; a channel that may not be used now
   gives its turn to the next and says why, and so does one that must wait longer than the
   policy's maximum delay when another can go sooner. A re-charge must pass `law.recharge_verdict` (network
   law first, then India, then the decline, the policy and a gateway account to charge with) and
   waits for every earliest time it sets (Mastercard MAC 24-30, the decline's cooldown, the
   per-card caps). A payer channel needs an address and a payer who has not stopped reminders.
4. The time: backoff (with deterministic jitter) after the last attempt, or the category's next
   pay day in the morning for a re-charge; then moved to the send window's next opening in the
   payer's (or organization's) local time. A time past the give-up time is no time at all.
Every step carries its reasons in plain words, each with a stable code. Every channel's time is
worked out (it decides whose turn it is), but a channel that is allowed and not chosen says
nothing: its reasons are put into words only when the plan gives them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache, partial
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from recovery.enums import Action, Category
from retries.enums import COUNTED_ATTEMPT_STATUSES, Channel, Schedule, ZoneSource
from retries.planner.law import NotBefore, recharge_allowed, recharge_timing
from retries.planner.policy import PolicySnapshot
from retries.planner.text import channel_name, clock, duration, method_name, moment, ordinal
from retries.planner.types import (
    Decline,
    History,
    NextStep,
    PastAttempt,
    PlanContext,
    Reason,
    ReasonCode,
    Stop,
    StopKind,
)
from retries.planner.window import next_open, next_pay_day

# Two attempts of one payment are never closer than this, whatever a policy says.
MIN_GAP = timedelta(minutes=1)
_CONTACT_NAMES: dict[Channel, str] = {Channel.EMAIL: "email address"}
# How a time was reached: said with the step taken, not with a channel that could not be used.
_TIMING = frozenset({ReasonCode.BACKOFF, ReasonCode.PAY_DAY, ReasonCode.OUTSIDE_WINDOW, ReasonCode.LINK})
# Jitter shorter than this goes unsaid.
_SAID_JITTER = timedelta(minutes=1)
# What a prepared stop leaves unset.
_ANY_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
_UTC = ZoneInfo("UTC")


class _Unsaid(NamedTuple):
    """A reason whose words are put together only if the plan gives it."""

    code: ReasonCode
    words: Callable[[], str]


def _spoken(reasons: Iterable[Reason | _Unsaid]) -> tuple[Reason, ...]:
    return tuple(reason if isinstance(reason, Reason) else Reason(reason.code, reason.words()) for reason in reasons)


def jitter_fraction(seed: str, number: int) -> float:
    """A fraction in [0, 1) that depends only on the seed and the attempt number."""
    digest = hashlib.sha256(f"{seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def window_zone(policy: PolicySnapshot, context: PlanContext, organization_zone: ZoneInfo) -> ZoneInfo:
    if policy.window.zone_source == ZoneSource.PAYER and context.payer_time_zone is not None:
        return context.payer_time_zone
    return organization_zone


def _give_up_text(policy: PolicySnapshot, history: History) -> str:
    return f"{duration(policy.give_up_after)} after the {'restart' if history.restarted else 'first failure'}"


# The words of the reasons that a plan may leave unsaid: plain functions of values. A reason that
# held its planning (which keeps the backoff's reason) would make a cycle only the garbage
# collector frees, on every plan.


def _backoff_words(number: int, maximum: int, delay: timedelta, extra: timedelta, since: str) -> str:
    jitter = f" (+{duration(extra)} jitter)" if extra >= _SAID_JITTER else ""
    return f"attempt {number} of {maximum}: {duration(delay)} after {since}{jitter}"


def _since_words(after: datetime, attempts: tuple[PastAttempt, ...], failed_at: datetime, zone: ZoneInfo) -> str:
    """What the backoff counts from, in words: the last attempt or the failure when it is (to the
    minute) when they happened; otherwise the moment itself, as for a plan made later (after a
    skipped attempt, a resume or a restart) or a failure reported late."""
    counted = [attempt.at for attempt in attempts if attempt.status in COUNTED_ATTEMPT_STATUSES]
    if counted and after - max(counted) < MIN_GAP:
        return "the last attempt"
    if after - failed_at < MIN_GAP:
        return "the failure"
    return moment(after, zone)


def _moved_words(at: datetime, opened: datetime, zone: ZoneInfo, weekdays_only: bool) -> str:
    days = " on weekdays only" if weekdays_only else ""
    same_day = opened.astimezone(zone).date() == at.astimezone(zone).date()
    when = clock(opened, zone) if same_day else moment(opened, zone)
    return f"moved to {when}: outside the send window{days}"


def _pay_day_words(pay_days: tuple[int, ...], at: datetime, zone: ZoneInfo) -> str:
    return f"pay day ({_named_days(pay_days)}) in the morning: {moment(at, zone)}"


@lru_cache(maxsize=256)
def _named_days(pay_days: tuple[int, ...]) -> str:
    """`1st and 15th`: a policy's pay days, named once."""
    return " and ".join(ordinal(day) for day in sorted(pay_days))


@lru_cache(maxsize=256)
def _link_words(channel: Channel, lifetime: timedelta, alternatives: tuple[str, ...]) -> str:
    text = f"recovery link by {channel_name(channel)}, valid {duration(lifetime)}"
    if alternatives:
        text += f"; the payer may pay by {', '.join(method_name(method) for method in alternatives)}"
    return text


class _Turn(NamedTuple):
    """A channel's turn as prepared: the reasons it may not be used now (none if it may), and for a
    re-charge the notes said with it."""

    channel: Channel
    blocked: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = ()


class _Planning:
    """One payment's plan being finished: the prepared plan's inputs and what every channel's turn
    needs from them."""

    def __init__(
        self,
        *,
        policy: PolicySnapshot,
        decline: Decline,
        history: History,
        after: datetime,
        zone: ZoneInfo,
        context: PlanContext,
        number: int,
    ) -> None:
        self.policy, self.decline, self.history, self.context = policy, decline, history, context
        self.zone, self.number, self.after = zone, number, after
        self.give_up_at = history.first_failed_at + policy.give_up_after
        self._backoff: tuple[datetime, _Unsaid] | None = None

    def backoff(self) -> tuple[datetime, _Unsaid]:
        """The backoff's time after the last attempt (every channel that waits for it shares it)."""
        if self._backoff is None:
            policy, number, category = self.policy, self.number, self.decline.category
            delay = policy.backoff_for(category).delay(number)
            share = policy.jitter_percent / 100 * jitter_fraction(self.context.seed, number)
            extra = timedelta(seconds=int(delay.total_seconds() * share))
            since = _since_words(self.after, self.history.attempts, self.decline.occurred_at, self.zone)
            words = partial(_backoff_words, number, policy.max_attempts_for(category), delay, extra, since)
            self._backoff = max(self.after + delay + extra, self.after + MIN_GAP), _Unsaid(ReasonCode.BACKOFF, words)
        return self._backoff

    def settle(self, at: datetime, reasons: list[Reason | _Unsaid], what: str) -> datetime | None:
        """Move `at` into the send window; None (with the reason) when that is past the give-up time."""
        window = self.policy.window
        opened = next_open(at, window, self.zone)
        if opened != at:
            words = partial(_moved_words, at, opened, self.zone, window.weekdays_only)
            reasons.append(_Unsaid(ReasonCode.OUTSIDE_WINDOW, words))
        if opened > self.give_up_at:
            when, give_up = moment(opened, self.zone), _give_up_text(self.policy, self.history)
            text = f"no {what}: the next possible time, {when}, is past the give-up time ({give_up})"
            reasons.append(Reason(ReasonCode.PAST_GIVE_UP, text))
            return None
        return opened

    def recharge(self, notes: tuple[Reason, ...]) -> tuple[datetime | None, list[Reason | _Unsaid]]:
        """An allowed re-charge's time (`notes`: what is said with it)."""
        not_before = recharge_timing(policy=self.policy, decline=self.decline, history=self.history)
        rule = self.policy.rule_for(self.decline.category)
        missed: list[Reason | _Unsaid] = []
        if rule.schedule == Schedule.PAY_DAYS and rule.pay_days:
            at, reasons = self._on_pay_day(rule.pay_days, rule.pay_day_time, not_before)
            settled = self.settle(at, reasons, "re-charge") if at <= self.give_up_at else None
            if settled is not None:
                return settled, [*reasons, *notes]
            # Pay days are the better time, not the only one: none before the give-up time leaves
            # the backoff's.
            text = f"no pay day ({_named_days(rule.pay_days)}) morning before the give-up time: on the backoff"
            missed.append(Reason(ReasonCode.PAY_DAY, text))
        at, reasons = self._on_backoff(not_before)
        reasons = [*missed, *reasons]
        settled = self.settle(at, reasons, "re-charge")
        return settled, reasons + ([*notes] if settled is not None else [])

    def _on_pay_day(
        self, pay_days: tuple[int, ...], pay_day_time: time, not_before: Iterable[NotBefore]
    ) -> tuple[datetime, list[Reason | _Unsaid]]:
        soonest = self.after + MIN_GAP
        unbound = next_pay_day(soonest, pay_days, pay_day_time, self.zone)
        earliest = max([soonest, *(bound.at for bound in not_before)])
        at = unbound if earliest == soonest else next_pay_day(earliest, pay_days, pay_day_time, self.zone)
        reasons: list[Reason | _Unsaid] = [
            _Unsaid(ReasonCode.PAY_DAY, partial(_pay_day_words, pay_days, at, self.zone))
        ]
        # Only what pushed the re-charge past the first pay day is a reason.
        reasons.extend(bound.reason for bound in not_before if bound.at > unbound)
        return at, reasons

    def _on_backoff(self, not_before: Iterable[NotBefore]) -> tuple[datetime, list[Reason | _Unsaid]]:
        at, backoff = self.backoff()
        reasons: list[Reason | _Unsaid] = [backoff]
        for bound in sorted(not_before, key=lambda bound: bound.at):
            if bound.at > at:
                at = bound.at
                reasons.append(bound.reason)
        return at, reasons

    def reach_payer(self, channel: Channel) -> tuple[datetime | None, list[Reason | _Unsaid]]:
        """A payer channel's time (the payer can be reached on it: see `_payer_blocked`)."""
        at, backoff = self.backoff()
        reasons: list[Reason | _Unsaid] = [backoff]
        settled = self.settle(at, reasons, f"{channel_name(channel)} link")
        if settled is None:
            return None, reasons
        words = partial(_link_words, channel, self.policy.link_lifetime, self.decline.alternatives)
        return settled, [*reasons, _Unsaid(ReasonCode.LINK, words)]


def _payer_blocked(channel: Channel, context: PlanContext) -> tuple[Reason, ...]:
    if context.reminders_stopped:
        return (Reason(ReasonCode.REMINDERS_STOPPED, "the payer stopped reminders: no more messages"),)
    if channel not in context.reachable:
        name = _CONTACT_NAMES.get(channel, "address")
        return (Reason(ReasonCode.NO_CONTACT, f"no {name} for the payer: no {channel_name(channel)}"),)
    return ()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A plan as far as it goes without the payment's own seed and times: what the policy, the
    decline's codes, the attempts so far, the clock, the zone and the context (but for its seed)
    decide. `finish` completes it for one payment; `plan` is `prepare(...).finish(...)`, so a plan
    prepared once for many payments alike gives each exactly its own plan."""

    policy: PolicySnapshot
    now: datetime
    # Decided whatever the payment's seed and times (a payment to wait for, every attempt used).
    stop: Stop | None = None
    after: datetime = _ANY_MOMENT
    zone: ZoneInfo = _UTC
    number: int = 1
    turns: tuple[_Turn, ...] = ()
    # How long the policy ever waits between attempts, from `after`.
    longest: datetime = _ANY_MOMENT

    def finish(self, *, decline: Decline, history: History, context: PlanContext) -> NextStep | Stop:
        """The plan of the payment whose decline, history and context these are (the same as the
        prepared plan's but for when the decline happened, the history's times and the seed)."""
        if self.stop is not None:
            return self.stop
        policy = self.policy
        if self.now >= history.first_failed_at + policy.give_up_after:
            return Stop((Reason(ReasonCode.GAVE_UP, f"gave up: {_give_up_text(policy, history)}"),))
        planning = _Planning(
            policy=policy,
            decline=decline,
            history=history,
            after=self.after,
            zone=self.zone,
            context=context,
            number=self.number,
        )
        reasons: list[Reason | _Unsaid] = []
        allowed: list[tuple[Channel, datetime, list[Reason | _Unsaid]]] = []
        for turn in self.turns:
            if turn.blocked:
                reasons.extend(turn.blocked)
                continue
            channel = turn.channel
            if channel == Channel.AUTO_CHARGE:
                at, said = planning.recharge(turn.notes)
            else:
                at, said = planning.reach_payer(channel)
            if at is None:
                reasons.extend(reason for reason in said if reason.code not in _TIMING)
            else:
                allowed.append((channel, at, said))
        if not allowed:
            reasons.append(Reason(ReasonCode.NO_CHANNEL, "no channel left to try"))
            return Stop(_spoken(reasons))
        channel, at, said = allowed[0]
        # A channel that must wait longer than the policy ever waits between attempts (a pay day, a
        # Mastercard MAC 30) gives its turn to the earliest one that can go sooner.
        if at > self.longest:
            sooner = min(allowed, key=lambda candidate: candidate[1])
            if sooner[1] < at:
                first = channel_name(sooner[0])
                text = f"{channel_name(channel)} not before {moment(at, planning.zone)}: {first} goes first"
                reasons.append(Reason(ReasonCode.TURN_PASSED, text))
                channel, at, said = sooner
        return NextStep(channel=channel, at=at, reasons=_spoken([*reasons, *said]))


def prepare(
    *,
    policy: PolicySnapshot,
    decline: Decline,
    attempts: tuple[PastAttempt, ...],
    now: datetime,
    time_zone: ZoneInfo,
    context: PlanContext,
) -> Prepared:
    """The part of a plan that every payment shares whose decline is `decline` (whenever it
    happened: pass `decline.timeless()`), whose attempts are `attempts` and whose context is
    `context` (whatever its seed: pass `context.unseeded()`)."""
    if decline.category == Category.UPI_PENDING or decline.action == Action.WAIT_FOR_CONFIRMATION:
        text = "the payment is still pending: waiting for its final status, a new attempt could debit twice"
        return Prepared(policy, now, Stop((Reason(ReasonCode.WAIT_FOR_FINAL_STATUS, text),), kind=StopKind.WAIT))
    if policy.rule_for(decline.category).schedule == Schedule.WAIT_FOR_FINAL_STATUS:
        text = f"{decline.category} decline: the policy waits for the final status, no retry"
        return Prepared(policy, now, Stop((Reason(ReasonCode.WAIT_FOR_FINAL_STATUS, text),), kind=StopKind.WAIT))
    counted = [attempt.at for attempt in attempts if attempt.status in COUNTED_ATTEMPT_STATUSES]
    used = len(counted)
    maximum = policy.max_attempts_for(decline.category)
    if used >= maximum:
        return Prepared(policy, now, Stop((Reason(ReasonCode.ATTEMPTS_USED, f"all {maximum} attempts used"),)))
    after = max([now, *counted])
    turn = used % len(policy.channels) if policy.channels else 0
    turns: list[_Turn] = []
    for channel in (*policy.channels[turn:], *policy.channels[:turn]):
        if channel == Channel.AUTO_CHARGE:
            verdict = recharge_allowed(policy=policy, decline=decline, context=context)
            turns.append(_Turn(channel, blocked=verdict.blocked, notes=verdict.notes))
        else:
            turns.append(_Turn(channel, blocked=_payer_blocked(channel, context)))
    return Prepared(
        policy,
        now,
        after=after,
        zone=window_zone(policy, context, time_zone),
        number=used + 1,
        turns=tuple(turns),
        longest=after + policy.backoff_for(decline.category).max_delay * (1 + policy.jitter_percent / 100),
    )


def plan(
    *,
    policy: PolicySnapshot,
    decline: Decline,
    history: History,
    now: datetime,
    time_zone: ZoneInfo,
    context: PlanContext,
) -> NextStep | Stop:
    """The next attempt for a payment whose latest decline is `decline`, or why there is none.

    `time_zone` is the organization's; the policy may read its send window in the payer's.
    """
    prepared = prepare(
        policy=policy,
        decline=decline.timeless(),
        attempts=history.attempts,
        now=now,
        time_zone=time_zone,
        context=context.unseeded(),
    )
    return prepared.finish(decline=decline, history=history, context=context)


_decline_apart_from_time = attrgetter(*(field.name for field in fields(Decline) if field.name != "occurred_at"))
_context_apart_from_seed = attrgetter(*(field.name for field in fields(PlanContext) if field.name != "seed"))


class Planner:
    """`plan` for many payments at once (a batch of new failures): each plan is prepared once for
    every payment alike (see `Prepared`) and finished for each payment, which gives each exactly
    what `plan` gives it alone. Keep one for a batch: it remembers every plan it prepared."""

    def __init__(self) -> None:
        self._prepared: dict[tuple[object, ...], Prepared] = {}

    def plan(
        self,
        *,
        policy: PolicySnapshot,
        decline: Decline,
        history: History,
        now: datetime,
        time_zone: ZoneInfo,
        context: PlanContext,
    ) -> NextStep | Stop:
        """As `plan`."""
        attempts = history.attempts
        # What `prepare` reads, as plain tuples (quicker to make than the timeless decline and the
        # unseeded context, which are equal when these are); the policy by identity: the prepared
        # plan holds it, so its id is not reused meanwhile.
        shared = (_decline_apart_from_time(decline), _context_apart_from_seed(context))
        key = (id(policy), *shared, attempts, now, time_zone)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = prepare(
                policy=policy,
                decline=decline.timeless(),
                attempts=attempts,
                now=now,
                time_zone=time_zone,
                context=context.unseeded(),
            )
        return prepared.finish(decline=decline, history=history, context=context)
