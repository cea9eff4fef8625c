"""Card-network law: declines that must never be retried, whatever a rule or an override says.

Sources (declines-and-networks.md): Visa category 1 "issuer will never approve" (§2.1),
Mastercard Merchant Advice Codes 03 and 21 (§2.2), Stripe's `do_not_try_again`
(deprecated decline code and advice code, §1.1/§1.2). Mastercard MAC 24-30 set the
earliest time a retry may be sent (§2.2). These are constants in code, not rows: a
platform admin can edit rules, but not the networks' rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from recovery.enums import Action, Category, PaymentMethodType

# Visa category 1 response codes (§2.1, current lists since April 2021).
VISA_CATEGORY_1: dict[str, tuple[Category, str]] = {
    "04": (Category.DO_NOT_RETRY, "pick up card"),
    "07": (Category.DO_NOT_RETRY, "pick up card, special condition"),
    "12": (Category.DO_NOT_RETRY, "invalid transaction"),
    "14": (Category.CARD_INVALID, "invalid account number"),
    "15": (Category.CARD_INVALID, "no such issuer"),
    "41": (Category.DO_NOT_RETRY, "lost card"),
    "43": (Category.DO_NOT_RETRY, "stolen card"),
    "46": (Category.DO_NOT_RETRY, "closed account"),
    "57": (Category.CARD_INVALID, "transaction not permitted to cardholder"),
    "R0": (Category.DO_NOT_RETRY, "stop payment order"),
    "R1": (Category.DO_NOT_RETRY, "revocation of authorisation"),
    "R3": (Category.DO_NOT_RETRY, "revocation of all authorisations"),
}

# Mastercard Merchant Advice Codes that forbid any retry (§2.2).
MASTERCARD_NEVER_RETRY: dict[str, str] = {
    "03": "do not try again",
    "21": "payment cancelled by the cardholder with the issuer",
}

# Mastercard MAC 24-30: retry no earlier than this many seconds (§2.2).
MASTERCARD_RETRY_AFTER: dict[str, int] = {
    "24": 3600,
    "25": 24 * 3600,
    "26": 2 * 86400,
    "27": 4 * 86400,
    "28": 6 * 86400,
    "29": 8 * 86400,
    "30": 10 * 86400,
}

STRIPE_DO_NOT_TRY_AGAIN = "do_not_try_again"


@dataclass(frozen=True, slots=True)
class LawVerdict:
    """A network rule that forbids retrying: the decision replaces any retryable one."""

    rule: str
    category: Category
    action: Action
    explanation: str


def _normalized(value: str) -> str:
    return value.strip().upper()


def law_forbids_retry(
    *, payment_method_type: str, code: str, advice_code: str, network_decline_code: str, network_advice_code: str
) -> LawVerdict | None:
    """The network rule that forbids retrying this decline, if any."""
    decline = _normalized(network_decline_code)
    # On UPI payments the network code is NPCI's, where the same digits mean other things.
    if payment_method_type != PaymentMethodType.UPI and decline in VISA_CATEGORY_1:
        category, meaning = VISA_CATEGORY_1[decline]
        return LawVerdict(
            rule=f"law:visa_category_1:{decline}",
            category=category,
            action=Action.ASK_UPDATE_CARD if category == Category.CARD_INVALID else Action.ASK_NEW_METHOD,
            explanation=(
                f"Visa category 1 ({decline}, {meaning}): the issuer will never approve this card, "
                "and network rules forbid retrying it."
            ),
        )
    advice = _normalized(network_advice_code)
    if advice in MASTERCARD_NEVER_RETRY:
        return LawVerdict(
            rule=f"law:mastercard_mac:{advice}",
            category=Category.DO_NOT_RETRY,
            action=Action.ASK_NEW_METHOD,
            explanation=(
                f"Mastercard advice code {advice} ({MASTERCARD_NEVER_RETRY[advice]}) forbids any retry of this card."
            ),
        )
    if STRIPE_DO_NOT_TRY_AGAIN in (code.strip().lower(), advice_code.strip().lower()):
        return LawVerdict(
            rule="law:stripe:do_not_try_again",
            category=Category.DO_NOT_RETRY,
            action=Action.ASK_NEW_METHOD,
            explanation="The issuer said not to try this card again for this payment (Stripe do_not_try_again).",
        )
    return None


def mastercard_retry_after(network_advice_code: str) -> tuple[str, int] | None:
    """(MAC, seconds) when Mastercard names the earliest retry time."""
    advice = _normalized(network_advice_code)
    seconds = MASTERCARD_RETRY_AFTER.get(advice)
    return (advice, seconds) if seconds is not None else None
