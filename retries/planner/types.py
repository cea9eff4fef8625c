"""What the planner reads and what it answers, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from recovery.classifier import Classification
from recovery.enums import Action, Category
from retries.enums import AttemptStatus, Channel, PaymentPurpose

# What a decline's time and a context's seed read as where a plan is prepared for every payment
# alike (see `engine.prepare`): nothing there may depend on them.
_ANY_TIME = datetime(1970, 1, 1, tzinfo=UTC)
_ANY_SEED = ""


class ReasonCode(StrEnum):
    """Stable codes of the planner's reasons: the text may be reworded, the code never changes."""

    # Network law (declines-and-networks.md §2) and the decline itself.
    VISA_CATEGORY_1 = "law.visa_category_1"
    MASTERCARD_NEVER = "law.mastercard_never"
    STRIPE_DO_NOT_TRY_AGAIN = "law.stripe_do_not_try_again"
    NOT_RETRYABLE = "decline.not_retryable"
    MASTERCARD_RETRY_AFTER = "law.mastercard_retry_after"
    COOLDOWN = "decline.cooldown"
    REATTEMPTS_CAP = "cap.reattempts_30_days"
    DECLINES_CAP = "cap.declines_24_hours"
    # India (payer-messaging-and-portal.md §1).
    INDIA_NO_MANDATE = "india.no_mandate"
    INDIA_ABOVE_LIMIT = "india.above_limit"
    INDIA_FOREIGN_CURRENCY = "india.foreign_currency"
    INDIA_DEBIT_DELAY = "india.debit_delay"
    # The merchant's policy and what is known about the payment.
    AUTO_CHARGE_OFF = "policy.auto_charge_off"
    CATEGORY_NO_RECHARGE = "category.no_recharge"
    NO_SAVED_METHOD = "method.none_saved"
    NO_GATEWAY_ACCOUNT = "method.no_gateway_account"
    NO_CONTACT = "payer.no_contact"
    REMINDERS_STOPPED = "payer.reminders_stopped"
    WAIT_FOR_FINAL_STATUS = "decline.wait_for_final_status"
    # Timing.
    BACKOFF = "schedule.backoff"
    PAY_DAY = "schedule.pay_day"
    PAST_GIVE_UP = "schedule.past_give_up"
    OUTSIDE_WINDOW = "window.moved"
    LINK = "channel.link"
    TURN_PASSED = "channel.turn_passed"
    # Stops.
    ATTEMPTS_USED = "stop.attempts_used"
    GAVE_UP = "stop.gave_up"
    NO_CHANNEL = "stop.no_channel"
    # The merchant's controls (said by the scheduling around the planner, never by the planner).
    PAUSED = "control.paused"
    RESUMED = "control.resumed"
    RESTARTED = "control.restarted"


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "text": self.text}


@dataclass(frozen=True, slots=True)
class NextStep:
    """Try again on `channel` at `at` (UTC), for `reasons`."""

    channel: Channel
    at: datetime
    reasons: tuple[Reason, ...]


class StopKind(StrEnum):
    GIVE_UP = "give_up"  # nothing more to try: the transaction is abandoned
    WAIT = "wait"  # nothing to try until an outside event (a UPI payment's final status)
    PAUSED = "paused"  # the merchant paused recovery: nothing is planned until it is resumed


@dataclass(frozen=True, slots=True)
class Stop:
    reasons: tuple[Reason, ...]
    kind: StopKind = StopKind.GIVE_UP


@dataclass(frozen=True, slots=True)
class Decline:
    """The latest decline: the classifier's decision and the network's own codes."""

    category: Category
    retryable: bool
    action: Action
    occurred_at: datetime
    payment_method_type: str
    gateway: str = ""
    rule: str = ""
    cooldown_seconds: int = 0
    alternatives: tuple[str, ...] = ()
    failure_code: str = ""
    network_decline_code: str = ""
    network_advice_code: str = ""
    advice_code: str = ""
    card_network: str = ""  # visa, mastercard, rupay, amex …; empty when unknown

    @classmethod
    def from_classification(
        cls,
        classification: Classification,
        *,
        occurred_at: datetime,
        payment_method_type: str,
        gateway: str = "",
        failure_code: str = "",
        network_decline_code: str = "",
        network_advice_code: str = "",
        advice_code: str = "",
        card_network: str = "",
    ) -> Decline:
        return cls(
            category=Category(classification.category),
            retryable=classification.retryable,
            action=Action(classification.action),
            occurred_at=occurred_at,
            payment_method_type=payment_method_type,
            gateway=gateway,
            rule=classification.rule,
            cooldown_seconds=classification.cooldown_seconds,
            alternatives=tuple(classification.alternatives),
            failure_code=failure_code,
            network_decline_code=network_decline_code,
            network_advice_code=network_advice_code,
            advice_code=advice_code,
            card_network=card_network.strip().lower(),
        )

    def timeless(self) -> Decline:
        """This decline as every payment declined alike at another moment shares it."""
        return replace(self, occurred_at=_ANY_TIME)


@dataclass(frozen=True, slots=True)
class PastAttempt:
    """One of this transaction's attempts (any status)."""

    number: int
    channel: Channel
    at: datetime  # when it was scheduled to run
    status: AttemptStatus


@dataclass(frozen=True, slots=True)
class History:
    """What already happened to this payment and to the same card or saved method."""

    first_failed_at: datetime
    attempts: tuple[PastAttempt, ...] = ()
    # Every decline of the same card or saved method, this transaction's own failures included.
    card_declines: tuple[datetime, ...] = ()
    # Re-charges of the same card or saved method for *other* transactions (this one's are in
    # `attempts`), scheduled ones included.
    other_reattempts: tuple[datetime, ...] = ()
    # The merchant restarted recovery: `first_failed_at` is then the restart, which the give-up
    # time counts from.
    restarted: bool = False


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What else is known about the payment and the payer."""

    seed: str  # e.g. the transaction's public id: the same seed gives the same jitter
    amount: int  # in the currency's minor unit
    currency: str
    has_saved_method: bool = False
    # The organization has an account at the payment's gateway, in the payment's mode, to re-charge with.
    gateway_connected: bool = True
    # Payer channels Tinko has an address for (an email address: Channel.EMAIL).
    reachable: frozenset[Channel] = frozenset()
    # The payer asked for no more messages about this payment (a stop link, one-click unsubscribe).
    reminders_stopped: bool = False
    payer_time_zone: ZoneInfo | None = None
    issuer_country: str = ""  # ISO 3166 alpha-2 of the card's issuer or the UPI bank; empty if unknown
    mandate_active: bool = False  # India: the saved method has an active e-mandate
    purpose: PaymentPurpose = PaymentPurpose.OTHER

    def unseeded(self) -> PlanContext:
        """This context as every payment known alike but for its seed shares it."""
        return replace(self, seed=_ANY_SEED)


def reasons_as_json(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    """The reasons as stored on an attempt: `[{"code": …, "text": …}, …]`."""
    return [reason.as_dict() for reason in reasons]
