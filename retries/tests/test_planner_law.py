"""The planner's network and Indian law, one example per rule, each citing where the rule is written.

References: /work/shared/reference/declines-and-networks.md (§2 card network retry rules) and
payer-messaging-and-portal.md (§1 India). Network law wins over every policy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from recovery.enums import Action, Category
from retries.enums import AttemptStatus, Channel, PaymentPurpose
from retries.planner import Backoff, History, NetworkLimits, PastAttempt, SendWindow
from retries.tests.planning import NOW, codes, context, decline, policy, step, stop, texts

# Every hour of the day, one-channel policies: the law's own times show unchanged.
ALL_DAY = SendWindow(start=time(0), end=time(23, 59), weekdays_only=False, zone_source=policy().window.zone_source)
QUICK = Backoff(first_delay=timedelta(minutes=10), multiplier=policy().backoff.multiplier, max_delay=timedelta(days=4))
RECHARGE_ONLY = policy(channels=(Channel.AUTO_CHARGE,), window=ALL_DAY, backoff=QUICK)
LINK = "recovery link by email, valid 3 days; the payer may pay by UPI, netbanking"
FIRST = "attempt 1 of 6: 1 day after the failure"


def test_a_retryable_decline_is_recharged_after_the_first_delay() -> None:
    result = step()

    assert (result.channel, result.at) == (Channel.AUTO_CHARGE, NOW + timedelta(days=1))
    assert texts(result) == [FIRST]


# --- never re-charge (declines-and-networks.md §2.1, §2.2, §1.1; §5 rule 1) -------------------


def test_visa_category_1_is_never_recharged_and_the_payer_gets_a_link() -> None:
    # §2.1: category 1 "issuer will never approve" (04 pick up card): no reattempt at all.
    lost = decline(category=Category.DO_NOT_RETRY, retryable=False, network_decline_code="04", failure_code="")

    result = step(decline_=lost)

    assert (result.channel, result.at) == (Channel.EMAIL, NOW + timedelta(days=1))
    assert texts(result) == ["Visa category 1 (code 04): never retry", FIRST, LINK]
    assert codes(result) == ["law.visa_category_1", "schedule.backoff", "channel.link"]


def test_the_law_wins_even_over_a_decline_marked_retryable() -> None:
    # A rule that says "retryable" for a category-1 code is overruled (§2.1).
    result = step(decline_=decline(network_decline_code="R1"))

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == "Visa category 1 (code R1): never retry"


def test_a_category_1_code_on_another_network_is_still_never_retried() -> None:
    result = step(decline_=decline(network_decline_code="46", card_network="Mastercard"))

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == "code 46 is on Visa's category 1 list: never retry"


@pytest.mark.parametrize("mac", ["03", "21"])
def test_mastercard_mac_03_and_21_forbid_any_retry(mac: str) -> None:
    # §2.2: MAC 03 "do not try again", MAC 21 "payment cancellation": never retry.
    result = step(decline_=decline(network_decline_code="05", network_advice_code=mac, card_network="mastercard"))

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == f"Mastercard advice code {mac}: never retry"


@pytest.mark.parametrize("where", ["advice_code", "failure_code"])
def test_stripe_do_not_try_again_forbids_any_retry(where: str) -> None:
    # §1.1/§1.2: Stripe's do_not_try_again, as the advice code or the (deprecated) decline code.
    result = step(decline_=decline(**{where: "do_not_try_again"}))

    assert result.channel == Channel.EMAIL
    assert codes(result)[0] == "law.stripe_do_not_try_again"


def test_a_decline_that_is_not_retryable_is_never_recharged() -> None:
    expired = decline(
        category=Category.CARD_INVALID, retryable=False, rule="stripe:expired_card", network_decline_code="54"
    )

    result = step(decline_=expired)

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == "card_invalid decline, not retryable (rule stripe:expired_card): never re-charged"


def test_with_no_other_channel_the_law_stops_the_plan() -> None:
    result = stop(policy_=RECHARGE_ONLY, decline_=decline(network_decline_code="43"))

    assert texts(result) == ["Visa category 1 (code 43): never retry", "no channel left to try"]


# --- earliest retry times (declines-and-networks.md §2.2) --------------------------------------


@pytest.mark.parametrize(
    ("mac", "wait", "words"),
    [
        ("24", timedelta(hours=1), "1 hour"),
        ("25", timedelta(hours=24), "1 day"),
        ("26", timedelta(days=2), "2 days"),
        ("27", timedelta(days=4), "4 days"),
        ("28", timedelta(days=6), "6 days"),
        ("29", timedelta(days=8), "8 days"),
        ("30", timedelta(days=10), "10 days"),
    ],
)
def test_mastercard_mac_24_to_30_set_the_earliest_retry(mac: str, wait: timedelta, words: str) -> None:
    # §2.2: MAC 24-30 come with response 51 and name the earliest retry time.
    insufficient = decline(category=Category.FUNDS, network_decline_code="51", network_advice_code=mac)

    result = step(policy_=RECHARGE_ONLY, decline_=insufficient)

    assert (result.channel, result.at) == (Channel.AUTO_CHARGE, NOW + wait)
    assert texts(result)[-1] == f"Mastercard advice code {mac}: not before {words} after the decline"


def test_the_declines_cooldown_delays_a_recharge_but_not_a_link() -> None:
    cooling = decline(cooldown_seconds=3 * 86400)

    recharge = step(policy_=RECHARGE_ONLY, decline_=cooling)
    link = step(policy_=policy(channels=(Channel.EMAIL,)), decline_=cooling)

    assert recharge.at == NOW + timedelta(days=3)
    assert texts(recharge)[-1] == "the decline asks to wait 3 days before a retry"
    assert link.at == NOW + timedelta(days=1)


# --- per-card caps (declines-and-networks.md §2.1 Visa 15 in 30 days, §2.2 Mastercard 10 in 24 h) -


def test_fifteen_reattempts_in_30_days_make_the_recharge_wait_until_the_oldest_ages_out() -> None:
    others = tuple(NOW - timedelta(days=25) + timedelta(hours=index) for index in range(15))

    result = step(policy_=RECHARGE_ONLY, history=History(first_failed_at=NOW, other_reattempts=others))

    assert (result.channel, result.at) == (Channel.AUTO_CHARGE, NOW + timedelta(days=5))
    assert texts(result)[-1] == "cap reached: 15 re-attempts in 30 days"


def test_the_cap_counts_this_transactions_own_recharges_and_then_sends_a_link() -> None:
    own = tuple(
        PastAttempt(number=index + 1, channel=Channel.AUTO_CHARGE, at=NOW - timedelta(hours=index + 1), status=status)
        for index, status in enumerate([AttemptStatus.FAILED] * 5)
    )
    others = tuple(NOW - timedelta(days=1, hours=index) for index in range(10))
    history = History(first_failed_at=NOW - timedelta(days=2), attempts=own, other_reattempts=others)

    result = step(policy_=policy(max_attempts=20), history=history)

    assert result.channel == Channel.EMAIL
    assert codes(result)[:2] == ["cap.reattempts_30_days", "schedule.past_give_up"]
    assert texts(result)[0] == "cap reached: 15 re-attempts in 30 days"


def test_the_reattempt_cap_is_a_setting() -> None:
    others = tuple(NOW - timedelta(hours=index + 1) for index in range(15))
    twenty = replace(RECHARGE_ONLY, limits=NetworkLimits(max_reattempts_30_days=20))

    result = step(policy_=twenty, history=History(first_failed_at=NOW, other_reattempts=others))

    assert (result.channel, result.at) == (Channel.AUTO_CHARGE, NOW + timedelta(minutes=10))


def test_skipped_and_cancelled_recharges_never_reached_the_gateway_and_do_not_count() -> None:
    own = tuple(
        PastAttempt(number=index + 1, channel=Channel.AUTO_CHARGE, at=NOW - timedelta(hours=index + 1), status=status)
        for index, status in enumerate([AttemptStatus.CANCELLED, AttemptStatus.SKIPPED] * 8)
    )

    result = step(policy_=RECHARGE_ONLY, history=History(first_failed_at=NOW, attempts=own))

    assert (result.channel, result.at) == (Channel.AUTO_CHARGE, NOW + timedelta(minutes=10))


def test_ten_declines_of_the_card_in_24_hours_hold_the_recharge_back() -> None:
    declines = tuple(NOW - timedelta(hours=index) for index in range(10))
    hourly = replace(policy(channels=(Channel.AUTO_CHARGE,)), backoff=replace(QUICK, first_delay=timedelta(hours=1)))

    result = step(policy_=hourly, history=History(first_failed_at=NOW, card_declines=declines))

    # The oldest of the ten (01:00 UTC on the 3rd) leaves the 24 hours at 01:00 on the 4th, before
    # the send window opens.
    assert (result.channel, result.at) == (Channel.AUTO_CHARGE, NOW.replace(day=4, hour=9))
    assert texts(result) == [
        "attempt 1 of 6: 1 hour after the failure",
        "cap reached: 10 declines of this card in 24 hours",
        "moved to 09:00 UTC: outside the send window",
    ]


# --- India (payer-messaging-and-portal.md §1) --------------------------------------------------


def _india(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"currency": "INR", "amount": 2499_00, "issuer_country": "IN", "mandate_active": True}
    values.update(changes)
    return values


def test_an_indian_card_without_an_active_mandate_gets_a_link() -> None:
    # §1.4 / §0: an off-session re-charge of an India-issued card needs an active e-mandate.
    result = step(context_=context(**_india(mandate_active=False)))

    assert result.channel == Channel.EMAIL
    assert texts(result)[0] == "India-issued card with no active e-mandate: link sent instead of a re-charge"


@pytest.mark.parametrize(
    ("gateway", "method", "delay"),
    [
        ("stripe", "card", "26 h later (Stripe)"),
        ("razorpay", "card", "36 h 5 min later (Razorpay)"),
        ("razorpay", "upi", "25 h later (Razorpay)"),
        ("other", "card", "24 h later"),
    ],
)
def test_a_mandated_indian_recharge_says_when_the_debit_lands(gateway: str, method: str, delay: str) -> None:
    # §1.2: the issuer's pre-debit notice goes out and the debit lands at least 24 h later.
    result = step(decline_=decline(gateway=gateway, payment_method_type=method), context_=context(**_india()))

    assert result.channel == Channel.AUTO_CHARGE
    assert texts(result)[-1] == f"India e-mandate: the issuer notifies the payer first, the debit lands {delay}"


@pytest.mark.parametrize(
    ("purpose", "amount", "channel", "limit"),
    [
        (PaymentPurpose.OTHER, 15_000_00, Channel.AUTO_CHARGE, ""),
        (PaymentPurpose.OTHER, 15_000_01, Channel.EMAIL, "₹15,000"),
        (PaymentPurpose.MUTUAL_FUND, 1_00_000_00, Channel.AUTO_CHARGE, ""),
        (PaymentPurpose.INSURANCE_PREMIUM, 1_00_000_01, Channel.EMAIL, "₹1,00,000"),
        (PaymentPurpose.CREDIT_CARD_BILL, 50_000_00, Channel.AUTO_CHARGE, ""),
    ],
)
def test_above_the_authentication_limit_the_payer_gets_a_link(
    purpose: PaymentPurpose, amount: int, channel: Channel, limit: str
) -> None:
    # §1.1: ₹15,000 (₹1,00,000 for mutual funds, insurance premiums, credit-card bills).
    result = step(context_=context(**_india(amount=amount, purpose=purpose)))

    assert result.channel == channel
    if limit:
        assert texts(result)[0] == f"above {limit}: link sent instead of a re-charge (the payer must authenticate)"
        assert codes(result)[0] == "india.above_limit"


def test_an_indian_card_charged_in_another_currency_gets_a_link() -> None:
    result = step(context_=context(**_india(currency="USD", amount=100_00)))

    assert result.channel == Channel.EMAIL
    assert codes(result)[0] == "india.foreign_currency"


def test_upi_or_inr_count_as_indian_when_the_issuer_is_unknown() -> None:
    upi = step(decline_=decline(payment_method_type="upi"), context_=context(currency="INR", amount=500_00))
    foreign = step(context_=context(**_india(issuer_country="US", mandate_active=False)))

    assert texts(upi)[0] == "India-issued UPI with no active e-mandate: link sent instead of a re-charge"
    assert (foreign.channel, texts(foreign)) == (Channel.AUTO_CHARGE, [FIRST])


def test_a_pending_upi_payment_is_never_retried() -> None:
    # declines-and-networks.md §4.3: a new attempt on a pending or deemed payment can double-debit.
    pending = decline(category=Category.UPI_PENDING, retryable=False, action=Action.WAIT_FOR_CONFIRMATION)

    result = stop(decline_=pending)

    assert (result.kind, codes(result)) == ("wait", ["decline.wait_for_final_status"])
