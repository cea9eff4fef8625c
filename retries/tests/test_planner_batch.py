"""`Planner` (a batch's plans, each prepared once for the payments alike) gives every payment
exactly what `plan` gives it alone."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retries.enums import AttemptStatus, Channel
from retries.planner import Decline, History, PastAttempt, PlanContext, Planner, PolicySnapshot, plan
from retries.tests import planning
from retries.tests.test_planner_properties import NOW, ZONES, contexts, declines, moments, policies


def _minutes_before(moment: datetime, minutes: int) -> datetime:
    return moment + timedelta(minutes=minutes)


_STATUSES = [AttemptStatus.FAILED, AttemptStatus.SENT, AttemptStatus.CANCELLED]


@st.composite
def batches(draw: st.DrawFn) -> list[tuple[Decline, History, PlanContext]]:
    """Payments of one batch: a few shapes (decline, context, attempts), each shared by many
    payments that differ in their seed, when they failed and the card's other declines and
    re-charges, and sometimes in one more fact (an amount, an address, a code)."""
    shapes = draw(st.lists(st.tuples(declines(NOW), contexts()), min_size=1, max_size=4))
    payments: list[tuple[Decline, History, PlanContext]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=24))):
        decline, context = draw(st.sampled_from(shapes))
        occurred_at = draw(moments)
        first_failed_at = occurred_at - timedelta(minutes=draw(st.integers(min_value=0, max_value=20 * 24 * 60)))
        decline = replace(decline, occurred_at=occurred_at)
        context = replace(context, seed=draw(st.text(min_size=1, max_size=12)))
        match draw(st.sampled_from(["none", "amount", "reachable", "code", "saved"])):
            case "amount":
                context = replace(context, amount=draw(st.integers(min_value=1, max_value=5_00_000_00)))
            case "reachable":
                context = replace(context, reachable=frozenset() if context.reachable else frozenset({Channel.EMAIL}))
            case "code":
                decline = replace(decline, network_advice_code=draw(st.sampled_from(["", "03", "24", "30"])))
            case "saved":
                context = replace(context, has_saved_method=not context.has_saved_method)
        around = st.integers(min_value=-3 * 24 * 60, max_value=0).map(partial(_minutes_before, occurred_at))
        attempts = tuple(
            PastAttempt(number=number, channel=channel, at=at, status=status)
            for number, (channel, at, status) in enumerate(
                draw(
                    st.lists(st.tuples(st.sampled_from(list(Channel)), around, st.sampled_from(_STATUSES)), max_size=2)
                ),
                start=1,
            )
        )
        history = History(
            first_failed_at=first_failed_at,
            attempts=attempts,
            card_declines=(occurred_at, *draw(st.lists(around, max_size=12))),
            other_reattempts=tuple(draw(st.lists(around, max_size=16))),
        )
        payments.append((decline, history, context))
    return payments


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=policies(), payments=batches(), zone=st.sampled_from(ZONES).map(ZoneInfo), late=st.integers(0, 4320))
def test_a_batch_plans_each_payment_as_it_would_be_planned_alone(
    policy: PolicySnapshot, payments: list[tuple[Decline, History, PlanContext]], zone: ZoneInfo, late: int
) -> None:
    now = max(decline.occurred_at for decline, _, _ in payments) + timedelta(minutes=late)
    planner = Planner()
    for decline, history, context in payments:
        inputs = {"decline": decline, "history": history, "now": now, "time_zone": zone, "context": context}
        assert planner.plan(policy=policy, **inputs) == plan(policy=policy, **inputs)  # type: ignore[arg-type]


def test_only_the_time_and_the_seed_are_left_out_of_what_payments_share() -> None:
    decline, context = planning.decline(), planning.context(seed="txn_1")
    assert decline.timeless() == replace(decline, occurred_at=decline.timeless().occurred_at)
    assert [getattr(decline.timeless(), f.name) for f in fields(Decline) if f.name != "occurred_at"] == [
        getattr(decline, f.name) for f in fields(Decline) if f.name != "occurred_at"
    ]
    assert decline.timeless().occurred_at != NOW
    assert [getattr(context.unseeded(), f.name) for f in fields(PlanContext) if f.name != "seed"] == [
        getattr(context, f.name) for f in fields(PlanContext) if f.name != "seed"
    ]
    assert context.unseeded().seed == ""
