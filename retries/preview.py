"""A policy's whole schedule for one sample failure, as the console's policy editor previews it.

Pure, like the planner it calls: the planner decides one next step at a time, so the preview
asks it again after each step as if that step had not recovered the payment (a re-charge
declined the same way, a link went unpaid), until it stops. Every step and the stop keep the
planner's reasons, so the merchant sees where card-network law or India's rules cut the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recovery.enums import NEVER_RETRYABLE_CATEGORIES, Action, Category, PaymentMethodType
from retries.enums import AttemptStatus, Channel
from retries.models import MAX_ATTEMPTS
from retries.planner import Decline, History, PastAttempt, PlanContext, PolicySnapshot, Reason, Stop, plan
from retries.planner.text import channel_name, duration

# The reason codes that are the networks' or India's law rather than the merchant's policy.
LAW_PREFIXES = ("law.", "cap.", "india.")

# What a typical decline of each category carries: the issuer's ISO 8583 response code on a card
# (Visa category 1 for the invalid-card and hard declines) and what the classifier would advise.
_SAMPLE_DECLINES: dict[Category, tuple[str, Action]] = {
    Category.FUNDS: ("51", Action.RETRY_LATER),
    Category.ISSUER_DECLINE: ("05", Action.RETRY_LATER),
    Category.NETWORK: ("91", Action.RETRY_LATER),
    Category.AUTH_TIMEOUT: ("", Action.RETRY_LATER),
    Category.UPI_PENDING: ("", Action.WAIT_FOR_CONFIRMATION),
    Category.CARD_INVALID: ("14", Action.ASK_UPDATE_CARD),
    Category.FRAUD_RISK: ("59", Action.ASK_NEW_METHOD),
    Category.DO_NOT_RETRY: ("04", Action.ASK_NEW_METHOD),
    Category.UNKNOWN: ("", Action.ASK_NEW_METHOD),
}
_NOT_RETRYABLE = NEVER_RETRYABLE_CATEGORIES | {Category.FRAUD_RISK, Category.UNKNOWN}


@dataclass(frozen=True, slots=True)
class SampleFailure:
    """The failure the preview plans for: what the merchant chose in the editor."""

    category: Category
    amount: int  # minor units of `currency`
    currency: str
    card_network: str = ""  # visa, mastercard, rupay, amex; empty when unknown
    payment_method_type: str = PaymentMethodType.CARD
    gateway: str = "stripe"
    issuer_country: str = ""
    mandate_active: bool = False

    def decline(self, *, at: datetime) -> Decline:
        code, action = _SAMPLE_DECLINES[self.category]
        on_card = self.payment_method_type == PaymentMethodType.CARD
        return Decline(
            category=self.category,
            retryable=self.category not in _NOT_RETRYABLE,
            action=action,
            occurred_at=at,
            payment_method_type=self.payment_method_type,
            gateway=self.gateway,
            rule="preview",
            alternatives=("upi", "netbanking") if on_card else ("card",),
            network_decline_code=code if on_card else "",
            card_network=self.card_network if on_card else "",
        )

    def context(self) -> PlanContext:
        return PlanContext(
            seed="preview",
            amount=self.amount,
            currency=self.currency,
            has_saved_method=True,
            reachable=frozenset({Channel.EMAIL, Channel.AUTO_CHARGE}),
            issuer_country=self.issuer_country,
            mandate_active=self.mandate_active,
        )


@dataclass(frozen=True, slots=True)
class PreviewStep:
    number: int
    channel: Channel
    at: datetime
    after: timedelta  # since the failure
    reasons: tuple[Reason, ...]

    @property
    def channel_name(self) -> str:
        return channel_name(self.channel)

    @property
    def after_text(self) -> str:
        return duration(self.after)

    @property
    def lines(self) -> tuple[tuple[str, bool], ...]:
        """Each reason's words, and whether it is law rather than the merchant's policy."""
        return tuple((reason.text, is_law(reason)) for reason in self.reasons)


@dataclass(frozen=True, slots=True)
class SchedulePreview:
    failed_at: datetime
    zone: ZoneInfo
    steps: tuple[PreviewStep, ...]
    stop: Stop

    @property
    def stop_lines(self) -> tuple[tuple[str, bool], ...]:
        return tuple((reason.text, is_law(reason)) for reason in self.stop.reasons)

    @property
    def law(self) -> tuple[str, ...]:
        """The words of every reason of network or Indian law the plan gave, once each, in order."""
        reasons = (*(reason for step in self.steps for reason in step.reasons), *self.stop.reasons)
        return tuple(dict.fromkeys(reason.text for reason in reasons if is_law(reason)))


def is_law(reason: Reason) -> bool:
    return str(reason.code).startswith(LAW_PREFIXES)


def schedule_preview(
    *, policy: PolicySnapshot, sample: SampleFailure, failed_at: datetime, time_zone: ZoneInfo
) -> SchedulePreview:
    """Every attempt `policy` would make for `sample` failing at `failed_at`, and why it stops."""
    decline = sample.decline(at=failed_at)
    context = sample.context()
    attempts: list[PastAttempt] = []
    declines: list[datetime] = [failed_at]
    steps: list[PreviewStep] = []
    now = failed_at
    # The policy's bounds end every plan; the extra turn is the one that says why it stopped.
    for _ in range(MAX_ATTEMPTS + 1):
        history = History(first_failed_at=failed_at, attempts=tuple(attempts), card_declines=tuple(declines))
        decided = plan(policy=policy, decline=decline, history=history, now=now, time_zone=time_zone, context=context)
        if isinstance(decided, Stop):
            return SchedulePreview(failed_at=failed_at, zone=time_zone, steps=tuple(steps), stop=decided)
        number = len(attempts) + 1
        steps.append(
            PreviewStep(
                number=number,
                channel=decided.channel,
                at=decided.at,
                after=decided.at - failed_at,
                reasons=decided.reasons,
            )
        )
        if decided.channel == Channel.AUTO_CHARGE:
            attempts.append(
                PastAttempt(number=number, channel=decided.channel, at=decided.at, status=AttemptStatus.FAILED)
            )
            declines.append(decided.at)
            decline = replace(decline, occurred_at=decided.at)
        else:
            attempts.append(
                PastAttempt(number=number, channel=decided.channel, at=decided.at, status=AttemptStatus.SENT)
            )
        now = decided.at
    raise AssertionError(f"The planner kept planning past {MAX_ATTEMPTS} attempts.")
