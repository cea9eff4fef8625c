"""Properties of the planner over random policies, declines, histories and zones, checked along a
whole simulated recovery (every re-charge declined again, every email unanswered) until it stops:

- never inside quiet hours (checked in local time, independently of the planner);
- never past a cap (15-or-setting re-attempts in 30 days, 10 declines in 24 hours, per card);
- never a re-charge of a decline the law or the classifier forbids, nor one India forbids;
- times strictly increasing, none before the law's earliest times;
- always stops, and never plans past the give-up time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recovery.classifier.law import law_forbids_retry, mastercard_retry_after
from recovery.enums import NEVER_RETRYABLE_CATEGORIES, Action, Category
from retries.enums import PAYER_CHANNELS, AttemptStatus, Channel, PaymentPurpose, Schedule, ZoneSource
from retries.planner import (
    Backoff,
    CategoryRule,
    Decline,
    History,
    NetworkLimits,
    NextStep,
    PastAttempt,
    PlanContext,
    PolicySnapshot,
    SendWindow,
    Stop,
    india_issued,
    plan,
)

ZONES = [
    "UTC",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Sao_Paulo",
    "Pacific/Chatham",
]
DECLINE_CODES = ["", "05", "51", "04", "41", "43", "46", "57", "R1", "14", "91", "59", "54", "61"]
ADVICE_CODES = ["", "01", "02", "03", "21", "24", "25", "26", "27", "28", "29", "30"]
FAILURE_CODES = ["", "insufficient_funds", "do_not_honor", "do_not_try_again", "processing_error", "lost_card"]
SIMULATION_LIMIT = 40


def _minute_of_day(minute: int) -> time:
    return time(minute // 60, minute % 60)


@st.composite
def windows(draw: st.DrawFn) -> SendWindow:
    start = draw(st.integers(min_value=0, max_value=22 * 60))
    end = draw(st.integers(min_value=start + 60, max_value=23 * 60 + 59))
    return SendWindow(
        start=_minute_of_day(start),
        end=_minute_of_day(end),
        weekdays_only=draw(st.booleans()),
        zone_source=draw(st.sampled_from(list(ZoneSource))),
    )


@st.composite
def backoffs(draw: st.DrawFn) -> Backoff:
    first = timedelta(
        minutes=draw(st.integers(min_value=1, max_value=120) | st.integers(min_value=1, max_value=3 * 24 * 60))
    )
    longest = first + timedelta(minutes=draw(st.integers(min_value=0, max_value=10 * 24 * 60)))
    multiplier = Decimal(draw(st.integers(min_value=100, max_value=400))) / 100
    return Backoff(first_delay=first, multiplier=multiplier, max_delay=longest)


@st.composite
def category_rules(draw: st.DrawFn, category: Category) -> CategoryRule:
    if category == Category.UPI_PENDING:
        return CategoryRule(category=category, schedule=Schedule.WAIT_FOR_FINAL_STATUS, allow_auto_charge=False)
    pay_days = draw(st.lists(st.integers(min_value=1, max_value=31), min_size=1, max_size=4, unique=True))
    return CategoryRule(
        category=category,
        schedule=draw(st.sampled_from([Schedule.BACKOFF, Schedule.PAY_DAYS])),
        allow_auto_charge=draw(MOSTLY),
        max_attempts=draw(st.none() | st.integers(min_value=1, max_value=20)),
        backoff=draw(st.none() | backoffs()),
        pay_days=tuple(sorted(pay_days)),
        pay_day_time=_minute_of_day(draw(st.integers(min_value=0, max_value=24 * 60 - 1))),
    )


@st.composite
def policies(draw: st.DrawFn) -> PolicySnapshot:
    categories = draw(st.lists(st.sampled_from(list(Category)), unique=True, max_size=6))
    channels = draw(st.permutations([Channel.AUTO_CHARGE, Channel.EMAIL]))
    return PolicySnapshot(
        name="Random",
        max_attempts=draw(st.integers(min_value=1, max_value=20)),
        backoff=draw(backoffs()),
        jitter_percent=draw(st.integers(min_value=0, max_value=50)),
        give_up_after=timedelta(days=draw(st.integers(min_value=1, max_value=60))),
        window=draw(windows()),
        channels=tuple(channels[: draw(st.integers(min_value=1, max_value=2))]),
        link_lifetime=timedelta(hours=72),
        allow_auto_charge=draw(MOSTLY),
        overrides=tuple(draw(category_rules(category)) for category in categories),
        limits=NetworkLimits(max_reattempts_30_days=draw(st.integers(min_value=1, max_value=20))),
    )


NOW = datetime(2026, 3, 1, tzinfo=UTC)
moments = st.integers(min_value=0, max_value=400 * 24 * 60).map(lambda minutes: NOW + timedelta(minutes=minutes))


MOSTLY = st.sampled_from([True, True, True, False])
RETRYABLE_CATEGORIES = [Category.FUNDS, Category.ISSUER_DECLINE, Category.NETWORK, Category.AUTH_TIMEOUT]


@st.composite
def declines(draw: st.DrawFn, occurred_at: datetime) -> Decline:
    """Half of them as the classifier gives a retryable decline, half any combination at all (also
    ones the classifier never gives: the planner must hold anyway)."""
    if draw(st.booleans()):
        return Decline(
            category=draw(st.sampled_from(RETRYABLE_CATEGORIES)),
            retryable=True,
            action=Action.RETRY_LATER,
            occurred_at=occurred_at,
            payment_method_type=draw(st.sampled_from(["card", "upi"])),
            gateway=draw(st.sampled_from(["stripe", "razorpay"])),
            rule="random",
            cooldown_seconds=draw(st.sampled_from([0, 300, 3600, 86400])),
            failure_code=draw(st.sampled_from(["", "insufficient_funds", "do_not_honor"])),
            network_decline_code=draw(st.sampled_from(["", "05", "51", "91", "61"])),
            network_advice_code=draw(st.sampled_from(["", "02", "24", "25", "26", "27", "28", "29", "30"])),
            card_network=draw(st.sampled_from(["", "visa", "mastercard"])),
        )
    return Decline(
        category=draw(st.sampled_from(list(Category))),
        retryable=draw(st.booleans()),
        action=draw(st.sampled_from(list(Action))),
        occurred_at=occurred_at,
        payment_method_type=draw(st.sampled_from(["card", "upi", "netbanking", "wallet", "other"])),
        gateway=draw(st.sampled_from(["stripe", "razorpay", "sandbox", "other"])),
        rule="random",
        cooldown_seconds=draw(st.sampled_from([0, 300, 3600, 86400, 3 * 86400])),
        failure_code=draw(st.sampled_from(FAILURE_CODES)),
        network_decline_code=draw(st.sampled_from(DECLINE_CODES)),
        network_advice_code=draw(st.sampled_from(ADVICE_CODES)),
        advice_code=draw(st.sampled_from(["", "try_again_later", "do_not_try_again", "confirm_card_data"])),
        card_network=draw(st.sampled_from(["", "visa", "mastercard", "rupay"])),
    )


@st.composite
def contexts(draw: st.DrawFn) -> PlanContext:
    return PlanContext(
        seed=draw(st.text(min_size=1, max_size=12)),
        amount=draw(st.integers(min_value=1, max_value=20_000_00) | st.integers(min_value=1, max_value=5_00_000_00)),
        currency=draw(st.sampled_from(["INR", "USD", "EUR", "JPY"])),
        has_saved_method=draw(MOSTLY),
        gateway_connected=draw(MOSTLY),
        reminders_stopped=draw(st.booleans()),
        reachable=draw(st.sampled_from([frozenset(), frozenset({Channel.EMAIL}), frozenset({Channel.EMAIL})])),
        payer_time_zone=draw(st.none() | st.sampled_from(ZONES).map(ZoneInfo)),
        issuer_country=draw(st.sampled_from(["", "IN", "US", "GB"])),
        mandate_active=draw(MOSTLY),
        purpose=draw(st.sampled_from(list(PaymentPurpose))),
    )


@dataclass(frozen=True)
class Case:
    policy: PolicySnapshot
    decline: Decline
    context: PlanContext
    zone: ZoneInfo
    first_failed_at: datetime
    now: datetime
    card_declines: tuple[datetime, ...]
    other_reattempts: tuple[datetime, ...]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    first_failed_at = draw(moments)
    now = first_failed_at + timedelta(minutes=draw(st.integers(min_value=0, max_value=3 * 24 * 60)))
    # Past declines and re-charges of the card: spread over 40 days, or crowded into the last hours.
    span = draw(st.sampled_from([40 * 24 * 60, 2 * 24 * 60, 12 * 60]))
    around = st.integers(min_value=-span, max_value=0).map(lambda minutes: now + timedelta(minutes=minutes))
    return Case(
        policy=draw(policies()),
        decline=draw(declines(now)),
        context=draw(contexts()),
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        first_failed_at=first_failed_at,
        now=now,
        card_declines=(now, *draw(st.lists(around, max_size=24))),
        other_reattempts=tuple(draw(st.lists(around, max_size=22))),
    )


def _inside_window(at: datetime, window: SendWindow, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    return (not window.weekdays_only or local.isoweekday() <= 5) and window.start <= local.time() < window.end


def _recharge_forbidden(case: Case) -> bool:
    decline, context, policy = case.decline, case.context, case.policy
    law = law_forbids_retry(
        payment_method_type=decline.payment_method_type,
        code=decline.failure_code,
        advice_code=decline.advice_code,
        network_decline_code=decline.network_decline_code,
        network_advice_code=decline.network_advice_code,
    )
    india_refuses = india_issued(decline, context) and (
        not context.mandate_active
        or context.currency != "INR"
        or context.amount > (1_00_000_00 if context.purpose != PaymentPurpose.OTHER else 15_000_00)
    )
    return (
        law is not None
        or not decline.retryable
        or decline.category in NEVER_RETRYABLE_CATEGORIES
        or not policy.allow_auto_charge
        or not policy.rule_for(decline.category).allow_auto_charge
        or not context.has_saved_method
        or not context.gateway_connected
        or india_refuses
    )


def _simulate(case: Case) -> tuple[list[NextStep], Stop]:
    attempts: list[PastAttempt] = []
    steps: list[NextStep] = []
    card_declines = list(case.card_declines)
    now = case.now
    for _ in range(SIMULATION_LIMIT):
        history = History(
            first_failed_at=case.first_failed_at,
            attempts=tuple(attempts),
            card_declines=tuple(card_declines),
            other_reattempts=case.other_reattempts,
        )
        result = plan(
            policy=case.policy,
            decline=case.decline,
            history=history,
            now=now,
            time_zone=case.zone,
            context=case.context,
        )
        if isinstance(result, Stop):
            return steps, result
        steps.append(result)
        attempts.append(PastAttempt(len(attempts) + 1, result.channel, result.at, AttemptStatus.FAILED))
        if result.channel == Channel.AUTO_CHARGE:
            card_declines.append(result.at)
        now = result.at
    raise AssertionError(f"no stop after {SIMULATION_LIMIT} steps")


def _zone(case: Case) -> ZoneInfo:
    if case.policy.window.zone_source == ZoneSource.PAYER and case.context.payer_time_zone is not None:
        return case.context.payer_time_zone
    return case.zone


def _assert_lawful(case: Case) -> None:
    steps, stop = _simulate(case)

    give_up_at = case.first_failed_at + case.policy.give_up_after
    assert stop.reasons
    assert len(steps) <= case.policy.max_attempts_for(case.decline.category)
    if case.decline.category == Category.UPI_PENDING or case.decline.action == Action.WAIT_FOR_CONFIRMATION:
        assert steps == []
    previous = case.now
    recharges: list[datetime] = []
    for step in steps:
        assert step.at > previous or (step is steps[0] and step.at > case.now)
        assert step.at <= give_up_at
        assert _inside_window(step.at, case.policy.window, _zone(case))
        assert step.reasons
        previous = step.at
        if step.channel in PAYER_CHANNELS:
            assert step.channel in case.context.reachable
            assert not case.context.reminders_stopped, "a payer who said stop gets no message"
            continue
        assert not _recharge_forbidden(case)
        wait = mastercard_retry_after(case.decline.network_advice_code)
        assert step.at >= case.decline.occurred_at + timedelta(
            seconds=max(case.decline.cooldown_seconds, wait[1] if wait else 0)
        )
        recharges.append(step.at)
        in_30_days = [at for at in (*case.other_reattempts, *recharges) if step.at - timedelta(days=30) < at <= step.at]
        assert len(in_30_days) <= case.policy.limits.max_reattempts_30_days
        declined = [
            at for at in (*case.card_declines, *recharges[:-1]) if step.at - timedelta(hours=24) < at <= step.at
        ]
        assert len(declined) < case.policy.limits.max_declines_24_hours


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_every_plan_keeps_the_law_the_window_and_the_order(case: Case) -> None:
    _assert_lawful(case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_same_inputs_give_the_same_plan(case: Case) -> None:
    assert _simulate(case) == _simulate(case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), days=st.integers(min_value=0, max_value=90))
def test_nothing_is_planned_once_the_give_up_time_has_passed(case: Case, days: int) -> None:
    late = case.first_failed_at + case.policy.give_up_after + timedelta(days=days)
    history = History(first_failed_at=case.first_failed_at)

    result = plan(
        policy=case.policy,
        decline=replace(case.decline, occurred_at=late),
        history=history,
        now=late,
        time_zone=case.zone,
        context=case.context,
    )

    assert isinstance(result, Stop)


@st.composite
def crowded_cards(draw: st.DrawFn) -> Case:
    """Re-charges that the law allows, on a card declined and re-charged often in the last hours."""
    now = draw(moments)
    recent = st.integers(min_value=-36 * 60, max_value=0).map(lambda minutes: now + timedelta(minutes=minutes))
    first = timedelta(minutes=draw(st.integers(min_value=1, max_value=180)))
    policy = PolicySnapshot(
        name="Quick",
        max_attempts=20,
        backoff=Backoff(first_delay=first, multiplier=Decimal(1), max_delay=first),
        jitter_percent=draw(st.integers(min_value=0, max_value=50)),
        give_up_after=timedelta(days=draw(st.integers(min_value=1, max_value=40))),
        window=SendWindow(start=time(0), end=time(23, 59), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION),
        channels=(Channel.AUTO_CHARGE,),
        link_lifetime=timedelta(hours=72),
        allow_auto_charge=True,
        limits=NetworkLimits(max_reattempts_30_days=draw(st.integers(min_value=1, max_value=20))),
    )
    return Case(
        policy=policy,
        decline=Decline(
            category=Category.ISSUER_DECLINE,
            retryable=True,
            action=Action.RETRY_LATER,
            occurred_at=now,
            payment_method_type="card",
            gateway="stripe",
            network_decline_code="05",
        ),
        context=PlanContext(seed=draw(st.text(max_size=8)), amount=1000, currency="USD", has_saved_method=True),
        zone=ZoneInfo("UTC"),
        first_failed_at=now,
        now=now,
        card_declines=(now, *draw(st.lists(recent, max_size=20))),
        other_reattempts=tuple(draw(st.lists(recent, max_size=25))),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=crowded_cards())
def test_a_busy_card_is_never_recharged_past_a_cap(case: Case) -> None:
    _assert_lawful(case)
