"""The planner's timing and choices: per-category overrides, the policy's limits and channels, the
send window in the right zone (DST included), pay days and deterministic jitter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recovery.classifier import Classification
from recovery.enums import Action, Category
from retries.enums import AttemptStatus, Channel, Schedule, ZoneSource
from retries.planner import Backoff, Decline, History, PastAttempt, SendWindow, jitter_fraction, next_open, next_pay_day
from retries.tests.planning import (
    FUNDS_ON_PAY_DAYS,
    KOLKATA,
    NOW,
    codes,
    context,
    decline,
    override,
    policy,
    step,
    stop,
    texts,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def _attempts(*channels: Channel, start: datetime = NOW, gap: timedelta = timedelta(days=1)) -> tuple[PastAttempt, ...]:
    return tuple(
        PastAttempt(number=index + 1, channel=channel, at=start + gap * (index + 1), status=AttemptStatus.FAILED)
        for index, channel in enumerate(channels)
    )


# --- per-category overrides (issue 11) ---------------------------------------------------------


def test_network_failures_are_retried_in_minutes() -> None:
    minutes = Backoff(first_delay=timedelta(minutes=15), multiplier=Decimal("2"), max_delay=timedelta(hours=4))
    network = policy(overrides=(override(Category.NETWORK, backoff=minutes),))
    failure = decline(category=Category.NETWORK, network_decline_code="91")

    first = step(policy_=network, decline_=failure)
    history = History(first_failed_at=NOW, attempts=_attempts(Channel.AUTO_CHARGE, gap=timedelta(minutes=15)))
    second = step(policy_=network, decline_=failure, history=history, now=first.at)

    assert (first.channel, first.at) == (Channel.AUTO_CHARGE, NOW + timedelta(minutes=15))
    assert texts(first) == ["attempt 1 of 6: 15 minutes after the failure"]
    assert (second.channel, second.at) == (Channel.EMAIL, NOW + timedelta(minutes=45))
    assert texts(second)[0] == "attempt 2 of 6: 30 minutes after the last attempt"


def test_funds_are_recharged_on_a_pay_day_morning_and_the_payer_is_asked_meanwhile() -> None:
    funds = policy(overrides=(FUNDS_ON_PAY_DAYS,))
    short = decline(category=Category.FUNDS, network_decline_code="51", cooldown_seconds=86400)

    meanwhile = step(policy_=funds, decline_=short)
    recharge_only = step(policy_=replace(funds, channels=(Channel.AUTO_CHARGE,)), decline_=short)
    near_pay_day = step(policy_=funds, decline_=short, now=datetime(2026, 12, 13, 12, tzinfo=UTC))

    assert (meanwhile.channel, meanwhile.at) == (Channel.EMAIL, NOW + timedelta(days=1))
    assert texts(meanwhile)[0] == "re-charge not before Tue 15 Dec 09:00 UTC: email goes first"
    assert (recharge_only.channel, recharge_only.at) == (Channel.AUTO_CHARGE, datetime(2026, 12, 15, 9, tzinfo=UTC))
    assert texts(recharge_only) == ["pay day (1st and 15th) in the morning: Tue 15 Dec 09:00 UTC"]
    assert (near_pay_day.channel, near_pay_day.at) == (Channel.AUTO_CHARGE, datetime(2026, 12, 15, 9, tzinfo=UTC))


def test_a_cooldown_that_ends_in_a_pay_days_morning_is_kept_that_morning() -> None:
    recharge_only = policy(overrides=(FUNDS_ON_PAY_DAYS,), channels=(Channel.AUTO_CHARGE,))
    failed = datetime(2026, 11, 30, 9, 6, tzinfo=UTC)
    short = decline(category=Category.FUNDS, network_decline_code="51", cooldown_seconds=86400, occurred_at=failed)

    first = step(policy_=recharge_only, decline_=short, history=History(first_failed_at=failed), now=failed)

    assert (first.channel, first.at) == (Channel.AUTO_CHARGE, datetime(2026, 12, 1, 9, 6, tzinfo=UTC))
    assert texts(first) == [
        "pay day (1st and 15th) in the morning: Tue 1 Dec 09:06 UTC",
        "the decline asks to wait 1 day before a retry",
    ]


def test_with_no_pay_day_morning_before_the_give_up_time_funds_are_re_charged_on_the_backoff() -> None:
    recharge_only = policy(overrides=(FUNDS_ON_PAY_DAYS,), channels=(Channel.AUTO_CHARGE,), jitter_percent=0)
    failed = datetime(2026, 11, 30, 14, tzinfo=UTC)  # the 1st's morning is over when the cooldown ends
    short = decline(category=Category.FUNDS, network_decline_code="51", cooldown_seconds=86400, occurred_at=failed)

    first = step(policy_=recharge_only, decline_=short, history=History(first_failed_at=failed), now=failed)

    # The 15th's morning is past the give-up time, 14 days after the failure.
    assert (first.channel, first.at) == (Channel.AUTO_CHARGE, datetime(2026, 12, 1, 14, tzinfo=UTC))
    assert texts(first) == [
        "no pay day (1st and 15th) morning before the give-up time: on the backoff",
        "attempt 1 of 6: 1 day after the failure",
    ]


def test_a_pay_days_morning_lasts_three_hours_from_its_time() -> None:
    assert next_pay_day(datetime(2026, 12, 1, 11, 59, tzinfo=UTC), (1, 15), time(9), ZoneInfo("UTC")) == datetime(
        2026, 12, 1, 11, 59, tzinfo=UTC
    )
    assert next_pay_day(datetime(2026, 12, 1, 12, tzinfo=UTC), (1, 15), time(9), ZoneInfo("UTC")) == datetime(
        2026, 12, 15, 9, tzinfo=UTC
    )
    assert next_pay_day(datetime(2026, 12, 1, 8, tzinfo=UTC), (1, 15), time(9), KOLKATA) == datetime(
        2026, 12, 15, 3, 30, tzinfo=UTC
    ), "13:30 in Kolkata: that morning is over"


def test_a_pay_day_past_the_months_end_is_its_last_day() -> None:
    assert next_pay_day(datetime(2027, 2, 2, tzinfo=UTC), (31,), time(9), ZoneInfo("UTC")) == datetime(
        2027, 2, 28, 9, tzinfo=UTC
    )
    assert next_pay_day(datetime(2028, 2, 2, tzinfo=UTC), (30,), time(9), KOLKATA) == datetime(
        2028, 2, 29, 3, 30, tzinfo=UTC
    )


def test_fraud_is_never_recharged_without_the_payer_present() -> None:
    fraud = decline(category=Category.FRAUD_RISK, network_decline_code="59")
    guarded = policy(overrides=(override(Category.FRAUD_RISK, allow_auto_charge=False),))

    result = step(policy_=guarded, decline_=fraud)

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == "fraud_risk decline: never re-charged without the payer present"


def test_an_override_can_end_a_category_sooner() -> None:
    network = policy(overrides=(override(Category.NETWORK, max_attempts=2),))
    history = History(first_failed_at=NOW, attempts=_attempts(Channel.AUTO_CHARGE, Channel.EMAIL))

    result = stop(
        policy_=network, decline_=decline(category=Category.NETWORK), history=history, now=NOW + timedelta(days=2)
    )

    assert texts(result) == ["all 2 attempts used"]


def test_waiting_for_confirmation_is_not_retrying() -> None:
    result = stop(decline_=decline(category=Category.NETWORK, action=Action.WAIT_FOR_CONFIRMATION))

    assert (result.kind, codes(result)) == ("wait", ["decline.wait_for_final_status"])


# --- the policy -------------------------------------------------------------------------------


def test_with_automatic_recharge_off_only_the_payer_is_asked() -> None:
    result = step(policy_=policy(allow_auto_charge=False))

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == "automatic re-charge is off in the policy “Standard”"


def test_without_a_saved_method_or_an_address_there_is_nothing_to_try() -> None:
    no_method = step(context_=context(has_saved_method=False))
    nothing = stop(context_=context(has_saved_method=False, reachable=frozenset()))

    assert (no_method.channel, texts(no_method)[0]) == (Channel.EMAIL, "no saved payment method to re-charge")
    assert texts(nothing) == [
        "no saved payment method to re-charge",
        "no email address for the payer: no email",
        "no channel left to try",
    ]


def test_without_a_gateway_account_the_saved_method_is_not_re_charged() -> None:
    result = step(context_=context(gateway_connected=False))

    assert result.channel == Channel.EMAIL
    assert codes(result)[0] == "method.no_gateway_account"
    assert texts(result)[0] == "no gateway account connected to re-charge with"


def test_a_payer_who_stopped_reminders_gets_no_message_but_may_be_re_charged() -> None:
    recharge = step(
        context_=context(reminders_stopped=True),
        history=History(first_failed_at=NOW, attempts=_attempts(Channel.AUTO_CHARGE)),
    )
    nothing = stop(context_=context(reminders_stopped=True, has_saved_method=False))

    assert recharge.channel == Channel.AUTO_CHARGE
    assert "payer.reminders_stopped" in codes(recharge)
    assert texts(nothing) == [
        "no saved payment method to re-charge",
        "the payer stopped reminders: no more messages",
        "no channel left to try",
    ]


def test_channels_take_turns_and_the_delays_grow() -> None:
    history = History(first_failed_at=NOW, attempts=_attempts(Channel.AUTO_CHARGE, Channel.EMAIL))

    third = step(history=history, now=NOW + timedelta(days=2))

    assert (third.channel, third.at) == (Channel.AUTO_CHARGE, NOW + timedelta(days=6))
    assert texts(third) == ["attempt 3 of 6: 4 days after the last attempt"]


def test_the_policy_stops_when_its_attempts_are_used_or_its_time_is_up() -> None:
    six = History(first_failed_at=NOW, attempts=_attempts(*[Channel.EMAIL] * 6, gap=timedelta(hours=1)))
    cancelled = replace(six, attempts=tuple(replace(item, status=AttemptStatus.CANCELLED) for item in six.attempts))

    used = stop(history=six, now=NOW + timedelta(hours=7))
    late = stop(now=NOW + timedelta(days=14))
    too_late = stop(now=NOW + timedelta(days=13, hours=1))

    assert texts(used) == ["all 6 attempts used"]
    assert step(history=cancelled, now=NOW + timedelta(hours=7)).channel == Channel.AUTO_CHARGE
    assert texts(late) == ["gave up: 14 days after the first failure"]
    assert codes(too_late) == ["schedule.past_give_up", "schedule.past_give_up", "stop.no_channel"]
    assert texts(too_late)[0] == (
        "no re-charge: the next possible time, Thu 17 Dec 11:00 UTC, is past the give-up time "
        "(14 days after the first failure)"
    )


def test_a_category_follows_its_first_override_and_the_policy_without_one() -> None:
    first, second = override(Category.FUNDS, max_attempts=2), override(Category.FUNDS, max_attempts=9)
    snapshot = policy(overrides=(first, second))

    assert snapshot.rule_for(Category.FUNDS) is first
    assert snapshot.rule_for(Category.NETWORK) == override(Category.NETWORK)
    assert replace(snapshot, overrides=(second,)).rule_for(Category.FUNDS) is second


def test_a_backoff_that_remembers_its_delays_equals_a_fresh_one() -> None:
    used = Backoff(first_delay=timedelta(hours=1), multiplier=Decimal("1.5"), max_delay=timedelta(hours=3))
    fresh = replace(used)

    delays = [used.delay(number) for number in (1, 2, 3, 4, 2)]

    assert delays == [timedelta(hours=1), timedelta(hours=1.5), timedelta(hours=2.25), timedelta(hours=3), delays[1]]
    assert (used == fresh, hash(used) == hash(fresh)) == (True, True)


def test_the_backoff_says_what_it_counts_from() -> None:
    on_time = History(first_failed_at=NOW, attempts=_attempts(Channel.AUTO_CHARGE))
    ran_at = NOW + timedelta(days=1)
    skipped = History(
        first_failed_at=NOW,
        attempts=(PastAttempt(number=1, channel=Channel.AUTO_CHARGE, at=ran_at, status=AttemptStatus.SKIPPED),),
    )

    received_at_once = step(now=NOW + timedelta(seconds=30))
    reported_late = step(now=NOW + timedelta(hours=3))
    after_an_attempt = step(history=on_time, now=ran_at + timedelta(seconds=10))
    after_a_late_run = step(history=on_time, now=ran_at + timedelta(minutes=5))
    after_a_skip = step(history=skipped, now=ran_at)

    assert texts(received_at_once)[0] == "attempt 1 of 6: 1 day after the failure"
    assert texts(reported_late)[0] == "attempt 1 of 6: 1 day after Thu 3 Dec 13:00 UTC"
    assert texts(after_an_attempt)[0] == "attempt 2 of 6: 2 days after the last attempt"
    assert texts(after_a_late_run)[0] == "attempt 2 of 6: 2 days after Fri 4 Dec 10:05 UTC"
    # A skipped attempt does not count: the first is planned again, from when it was skipped.
    assert texts(after_a_skip)[0] == "attempt 1 of 6: 1 day after Fri 4 Dec 10:00 UTC"
    assert after_a_skip.at == ran_at + timedelta(days=1)


def test_the_give_up_time_is_said_to_count_from_a_restart() -> None:
    late = NOW + timedelta(days=14)

    first = stop(history=History(first_failed_at=NOW), now=late)
    restarted = stop(history=History(first_failed_at=NOW, restarted=True), now=late)

    assert texts(first) == ["gave up: 14 days after the first failure"]
    assert texts(restarted) == ["gave up: 14 days after the restart"]


# --- the send window (DST-safe, in the payer's or the organization's zone) ---------------------


def test_moments_of_one_local_day_each_get_their_own_opening_and_pay_day() -> None:
    # Searches are remembered per first local day: each moment still gets its own answer.
    window = SendWindow(start=time(9), end=time(17), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION)
    early, late = datetime(2026, 12, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, 12, tzinfo=UTC)  # 06:30, 17:30 IST

    assert next_open(early, window, KOLKATA) == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert next_open(late, window, KOLKATA) == datetime(2026, 12, 2, 3, 30, tzinfo=UTC)
    assert next_pay_day(early, (1, 15), time(9), KOLKATA) == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert next_pay_day(late, (1, 15), time(9), KOLKATA) == datetime(2026, 12, 15, 3, 30, tzinfo=UTC)


def test_a_time_outside_the_window_moves_to_its_opening_in_the_organizations_zone() -> None:
    # 10:00 UTC + 1 day = 15:30 in Kolkata on Friday; a 09:00-12:00 window opens again Saturday.
    mornings = policy(
        window=SendWindow(start=time(9), end=time(12), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION)
    )

    result = step(policy_=mornings, zone=KOLKATA)

    assert result.at == datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
    assert texts(result)[-1] == "moved to Sat 5 Dec 09:00 Asia/Kolkata: outside the send window"


def test_weekdays_only_skips_the_weekend() -> None:
    weekdays = policy(
        window=SendWindow(start=time(9), end=time(20), weekdays_only=True, zone_source=ZoneSource.ORGANIZATION)
    )
    friday_evening = datetime(2026, 12, 4, 21, tzinfo=UTC)

    result = step(policy_=weekdays, now=friday_evening, history=History(first_failed_at=friday_evening))

    assert result.at == datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert texts(result)[-1] == "moved to Mon 7 Dec 09:00 UTC: outside the send window on weekdays only"


def test_the_payers_zone_is_used_when_known_and_the_policy_says_so() -> None:
    payers = policy(window=replace(policy().window, zone_source=ZoneSource.PAYER))

    payer = step(policy_=payers, context_=context(payer_time_zone=NEW_YORK), zone=KOLKATA)
    unknown = step(policy_=payers, zone=KOLKATA)

    # 10:00 UTC is 05:00 in New York and 15:30 in Kolkata.
    assert payer.at == datetime(2026, 12, 4, 14, tzinfo=UTC)
    assert texts(payer)[-1] == "moved to 09:00 America/New_York: outside the send window"
    assert (unknown.at, texts(unknown)) == (NOW + timedelta(days=1), ["attempt 1 of 6: 1 day after the failure"])


def test_a_window_opening_in_a_spring_forward_gap_opens_at_the_first_real_minute() -> None:
    # 8 March 2026: New York clocks go from 02:00 to 03:00; 02:30 does not exist that day.
    window = SendWindow(start=time(2, 30), end=time(4), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION)
    night_before = datetime(2026, 3, 8, 5, tzinfo=UTC)  # 00:00 EST

    opened = next_open(night_before, window, NEW_YORK)

    assert opened == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert opened.astimezone(NEW_YORK).time() == time(3, 30)


def test_a_window_that_lies_wholly_in_the_gap_opens_the_next_day() -> None:
    window = SendWindow(start=time(2), end=time(2, 59), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION)

    opened = next_open(datetime(2026, 3, 8, 5, tzinfo=UTC), window, NEW_YORK)

    assert opened == datetime(2026, 3, 9, 6, tzinfo=UTC)  # 02:00 EDT on the 9th


def test_a_window_opening_in_the_repeated_hour_opens_at_its_first_occurrence() -> None:
    # 25 October 2026: London clocks go from 02:00 BST back to 01:00 GMT; 01:30 happens twice.
    window = SendWindow(start=time(1, 30), end=time(3), weekdays_only=False, zone_source=ZoneSource.ORGANIZATION)

    opened = next_open(datetime(2026, 10, 24, 22, tzinfo=UTC), window, LONDON)

    assert opened == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


# --- jitter --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["txn_a", "txn_b", "txn_c"])
def test_jitter_is_reproducible_from_the_seed_and_bounded(seed: str) -> None:
    jittery = policy(jitter_percent=50, window=replace(policy().window, start=time(0), end=time(23, 59)))

    first = step(policy_=jittery, context_=context(seed=seed))
    again = step(policy_=jittery, context_=context(seed=seed))

    assert first == again
    extra = first.at - (NOW + timedelta(days=1))
    assert timedelta(0) <= extra < timedelta(hours=12)
    assert extra == timedelta(seconds=int(86400 * 0.5 * jitter_fraction(seed, 1)))


def test_different_seeds_spread_the_same_failure() -> None:
    jittery = policy(jitter_percent=50, window=replace(policy().window, start=time(0), end=time(23, 59)))

    times = {step(policy_=jittery, context_=context(seed=f"txn_{index}")).at for index in range(20)}

    assert len(times) == 20


def test_a_pay_day_schedule_needs_no_jitter_and_says_the_days() -> None:
    funds = policy(
        channels=(Channel.AUTO_CHARGE,),
        overrides=(override(Category.FUNDS, schedule=Schedule.PAY_DAYS, pay_days=(7, 25), pay_day_time=time(10)),),
        jitter_percent=50,
    )

    result = step(policy_=funds, decline_=decline(category=Category.FUNDS))

    assert result.at == datetime(2026, 12, 7, 10, tzinfo=UTC)
    assert texts(result) == ["pay day (7th and 25th) in the morning: Mon 7 Dec 10:00 UTC"]


def test_a_classification_becomes_the_planners_decline() -> None:
    classification = Classification(
        category=Category.FUNDS,
        retryable=True,
        action=Action.RETRY_LATER,
        recommendation="Retry later.",
        alternatives=("upi",),
        cooldown_seconds=86400,
        rule="stripe:insufficient_funds",
        explanation="Not enough money.",
    )

    result = Decline.from_classification(
        classification,
        occurred_at=NOW,
        payment_method_type="card",
        gateway="stripe",
        failure_code="insufficient_funds",
        network_decline_code="51",
        network_advice_code="25",
        card_network=" Mastercard ",
    )

    assert result == decline(
        category=Category.FUNDS,
        rule="stripe:insufficient_funds",
        cooldown_seconds=86400,
        alternatives=("upi",),
        failure_code="insufficient_funds",
        network_decline_code="51",
        network_advice_code="25",
        card_network="mastercard",
    )
