"""May this payment be re-charged off-session, and not before when? Network and Indian law first,
then the decline, then the merchant's policy and what is known about the saved method.

Sources: declines-and-networks.md §2 (Visa category 1 and the 15-in-30-days cap, Mastercard
MAC 03/21, 24-30 and 10 declines in 24 hours, Stripe `do_not_try_again`) and
payer-messaging-and-portal.md §1 (India: e-mandate, pre-debit notice, ₹15,000 / ₹1,00,000
authentication limits).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from recovery.classifier.law import law_forbids_retry, mastercard_retry_after
from recovery.enums import NEVER_RETRYABLE_CATEGORIES, Category, PaymentMethodType
from retries.enums import COUNTED_ATTEMPT_STATUSES, Channel, PaymentPurpose
from retries.planner.policy import CategoryRule, PolicySnapshot
from retries.planner.text import duration, hours, method_name, rupees
from retries.planner.types import Decline, History, PlanContext, Reason, ReasonCode

INDIA = "IN"
INR = "INR"
# Above these amounts (paise) an e-mandate debit needs the payer's authentication (RBI, §1.1).
INDIA_AFA_LIMIT = 15_000_00
INDIA_AFA_LIMIT_HIGH = 1_00_000_00
INDIA_HIGH_LIMIT_PURPOSES = frozenset(
    {PaymentPurpose.MUTUAL_FUND, PaymentPurpose.INSURANCE_PREMIUM, PaymentPurpose.CREDIT_CARD_BILL}
)
# After the request, the issuer's pre-debit notice goes out and the debit lands this much later (§1.2).
INDIA_DEBIT_DELAY_MINIMUM = timedelta(hours=24)
INDIA_DEBIT_DELAYS: dict[tuple[str, str], timedelta] = {
    ("stripe", PaymentMethodType.CARD): timedelta(hours=26),
    ("stripe", PaymentMethodType.UPI): timedelta(hours=26),
    ("razorpay", PaymentMethodType.CARD): timedelta(hours=36, minutes=5),
    ("razorpay", PaymentMethodType.UPI): timedelta(hours=25),
}

REATTEMPTS_SPAN = timedelta(days=30)
DECLINES_SPAN = timedelta(hours=24)
# Reasons that depend on a code or a number of seconds alone are worded once per value (a few
# gateways, methods, cooldowns and advice codes): re-charges are planned on every ingested failure.
_REMEMBERED_REASONS = 256


@dataclass(frozen=True, slots=True)
class NotBefore:
    at: datetime
    reason: Reason


@dataclass(frozen=True, slots=True)
class Recharge:
    """The verdict on a re-charge: `blocked` reasons forbid it; otherwise it waits for every
    `not_before` and the `notes` are said with it."""

    blocked: tuple[Reason, ...] = ()
    not_before: tuple[NotBefore, ...] = ()
    notes: tuple[Reason, ...] = ()


def _law(decline: Decline) -> Reason | None:
    verdict = law_forbids_retry(
        payment_method_type=decline.payment_method_type,
        code=decline.failure_code,
        advice_code=decline.advice_code,
        network_decline_code=decline.network_decline_code,
        network_advice_code=decline.network_advice_code,
    )
    if verdict is None:
        return None
    kind, _, code = verdict.rule.removeprefix("law:").partition(":")
    if kind == "visa_category_1":
        if decline.card_network not in ("", "visa"):
            return Reason(ReasonCode.VISA_CATEGORY_1, f"code {code} is on Visa's category 1 list: never retry")
        return Reason(ReasonCode.VISA_CATEGORY_1, f"Visa category 1 (code {code}): never retry")
    if kind == "mastercard_mac":
        return Reason(ReasonCode.MASTERCARD_NEVER, f"Mastercard advice code {code}: never retry")
    if kind == "stripe":
        return Reason(ReasonCode.STRIPE_DO_NOT_TRY_AGAIN, "the issuer said do_not_try_again (Stripe): never retry")
    return Reason(ReasonCode.NOT_RETRYABLE, f"{verdict.explanation} Never re-charged.")


def _decline_forbids(decline: Decline) -> Reason | None:
    if decline.retryable and decline.category not in NEVER_RETRYABLE_CATEGORIES:
        return None
    rule = f" (rule {decline.rule})" if decline.rule else ""
    return Reason(ReasonCode.NOT_RETRYABLE, f"{decline.category} decline, not retryable{rule}: never re-charged")


def _policy_forbids(policy: PolicySnapshot, rule: CategoryRule, context: PlanContext) -> Reason | None:
    if not policy.allow_auto_charge:
        return Reason(ReasonCode.AUTO_CHARGE_OFF, f"automatic re-charge is off in the policy “{policy.name}”")
    if not rule.allow_auto_charge:
        if rule.category == Category.FRAUD_RISK:
            text = "fraud_risk decline: never re-charged without the payer present"
        else:
            text = f"{rule.category} decline: never re-charged, the payer is asked instead"
        return Reason(ReasonCode.CATEGORY_NO_RECHARGE, text)
    if not context.has_saved_method:
        return Reason(ReasonCode.NO_SAVED_METHOD, "no saved payment method to re-charge")
    if not context.gateway_connected:
        return Reason(ReasonCode.NO_GATEWAY_ACCOUNT, "no gateway account connected to re-charge with")
    return None


def india_issued(decline: Decline, context: PlanContext) -> bool:
    """An India-issued card or UPI; with no issuer country known, UPI or an INR payment is taken as one."""
    country = context.issuer_country.strip().upper()
    if country:
        return country == INDIA
    return decline.payment_method_type == PaymentMethodType.UPI or context.currency == INR


def _india(decline: Decline, context: PlanContext) -> tuple[Reason | None, Reason | None]:
    """(why India forbids the re-charge, or what India's rules mean for it)."""
    method = decline.payment_method_type
    instrument = method_name(method) if method != PaymentMethodType.OTHER else "payment method"
    if not context.mandate_active:
        text = f"India-issued {instrument} with no active e-mandate: link sent instead of a re-charge"
        return Reason(ReasonCode.INDIA_NO_MANDATE, text), None
    if context.currency != INR:
        text = (
            f"India-issued {instrument} charged in {context.currency}: the ₹15,000 authentication limit "
            "cannot be checked, link sent instead of a re-charge"
        )
        return Reason(ReasonCode.INDIA_FOREIGN_CURRENCY, text), None
    limit = INDIA_AFA_LIMIT_HIGH if context.purpose in INDIA_HIGH_LIMIT_PURPOSES else INDIA_AFA_LIMIT
    if context.amount > limit:
        text = f"above {rupees(limit)}: link sent instead of a re-charge (the payer must authenticate)"
        return Reason(ReasonCode.INDIA_ABOVE_LIMIT, text), None
    return None, _debit_delay(decline.gateway.strip().lower(), decline.payment_method_type)


@functools.lru_cache(maxsize=_REMEMBERED_REASONS)
def _debit_delay(gateway: str, method: str) -> Reason:
    delay = INDIA_DEBIT_DELAYS.get((gateway, method), INDIA_DEBIT_DELAY_MINIMUM)
    source = f" ({gateway.capitalize()})" if (gateway, method) in INDIA_DEBIT_DELAYS else ""
    text = f"India e-mandate: the issuer notifies the payer first, the debit lands {hours(delay)} later{source}"
    return Reason(ReasonCode.INDIA_DEBIT_DELAY, text)


def earliest_under_cap(times: Collection[datetime], *, limit: int, span: timedelta) -> datetime | None:
    """The earliest moment x at which one more event keeps every `span` that contains x within
    `limit` events, counting all known events later than x - span (scheduled ones too).
    None when the cap does not bind."""
    if len(times) < limit:
        return None
    return sorted(times)[len(times) - limit] + span


def own_reattempts(history: History) -> list[datetime]:
    return [
        attempt.at
        for attempt in history.attempts
        if attempt.channel == Channel.AUTO_CHARGE and attempt.status in COUNTED_ATTEMPT_STATUSES
    ]


@functools.lru_cache(maxsize=_REMEMBERED_REASONS)
def _mastercard_wait(mac: str, seconds: int) -> Reason:
    text = f"Mastercard advice code {mac}: not before {duration(timedelta(seconds=seconds))} after the decline"
    return Reason(ReasonCode.MASTERCARD_RETRY_AFTER, text)


@functools.lru_cache(maxsize=_REMEMBERED_REASONS)
def _cooldown(seconds: int) -> Reason:
    text = f"the decline asks to wait {duration(timedelta(seconds=seconds))} before a retry"
    return Reason(ReasonCode.COOLDOWN, text)


def _timing(policy: PolicySnapshot, decline: Decline, history: History) -> list[NotBefore]:
    not_before: list[NotBefore] = []
    wait = mastercard_retry_after(decline.network_advice_code)
    if wait is not None:
        mac, seconds = wait
        not_before.append(NotBefore(decline.occurred_at + timedelta(seconds=seconds), _mastercard_wait(mac, seconds)))
    if decline.cooldown_seconds > 0:
        cooldown = timedelta(seconds=decline.cooldown_seconds)
        not_before.append(NotBefore(decline.occurred_at + cooldown, _cooldown(decline.cooldown_seconds)))
    limits = policy.limits
    declines_free = earliest_under_cap(history.card_declines, limit=limits.max_declines_24_hours, span=DECLINES_SPAN)
    if declines_free is not None:
        text = f"cap reached: {limits.max_declines_24_hours} declines of this card in 24 hours"
        not_before.append(NotBefore(declines_free, Reason(ReasonCode.DECLINES_CAP, text)))
    reattempts = [*own_reattempts(history), *history.other_reattempts]
    reattempts_free = earliest_under_cap(reattempts, limit=limits.max_reattempts_30_days, span=REATTEMPTS_SPAN)
    if reattempts_free is not None:
        text = f"cap reached: {limits.max_reattempts_30_days} re-attempts in 30 days"
        not_before.append(NotBefore(reattempts_free, Reason(ReasonCode.REATTEMPTS_CAP, text)))
    return not_before


def recharge_allowed(*, policy: PolicySnapshot, decline: Decline, context: PlanContext) -> Recharge:
    """Whether an off-session re-charge is allowed at all (`blocked`), and what is said with it
    (`notes`): read from the decline's codes, the policy and the context, never from when the
    decline happened or the context's seed, so one answer serves every payment declined alike."""
    rule = policy.rule_for(decline.category)
    forbidden = _law(decline) or _decline_forbids(decline) or _policy_forbids(policy, rule, context)
    if forbidden is not None:
        return Recharge(blocked=(forbidden,))
    if india_issued(decline, context):
        india_forbids, india_note = _india(decline, context)
        if india_forbids is not None:
            return Recharge(blocked=(india_forbids,))
        return Recharge(notes=(india_note,) if india_note is not None else ())
    return Recharge()


def recharge_timing(*, policy: PolicySnapshot, decline: Decline, history: History) -> tuple[NotBefore, ...]:
    """The earliest times that bind an allowed re-charge: the decline's own waits (from when it
    happened) and the per-card caps (from the history)."""
    return tuple(_timing(policy, decline, history))


def recharge_verdict(*, policy: PolicySnapshot, decline: Decline, history: History, context: PlanContext) -> Recharge:
    """Whether an off-session re-charge is allowed at all, and the earliest times that bind it."""
    allowed = recharge_allowed(policy=policy, decline=decline, context=context)
    if allowed.blocked:
        return allowed
    return Recharge(not_before=recharge_timing(policy=policy, decline=decline, history=history), notes=allowed.notes)
