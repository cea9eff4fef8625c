"""What a payer is told about a decline, by category: what happened, and what to do now.

The strings are lazy: they are written in whichever language is active when a message or page is
rendered (locale/<language>/LC_MESSAGES/django.po)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recovery.enums import Category


@dataclass(frozen=True)
class DeclineCopy:
    headline: Promise
    advice: Promise


_COPY: dict[str, DeclineCopy] = {
    Category.FUNDS: DeclineCopy(
        _("There were not enough funds in the account for this payment."),
        _("You can pay with another card instead, or try again once the money is in your account."),
    ),
    Category.ISSUER_DECLINE: DeclineCopy(
        _("Your bank declined this payment."),
        _("You can try again or pay another way. If it is declined again, your bank can tell you why."),
    ),
    Category.NETWORK: DeclineCopy(
        _("A connection problem stopped this payment."),
        _("Nothing was charged. You can try again now."),
    ),
    Category.AUTH_TIMEOUT: DeclineCopy(
        _("Your bank asked you to confirm this payment, and it was not confirmed in time."),
        _("Pay again and confirm it when your bank asks, for example with a one-time password (OTP)."),
    ),
    Category.UPI_PENDING: DeclineCopy(
        _("Your UPI payment has not been confirmed yet."),
        _("Check your UPI app first. If the money has left your account, you do not need to pay again."),
    ),
    Category.CARD_INVALID: DeclineCopy(
        _("This card cannot be used for this payment."),
        _("It may have expired or been replaced. Please pay with another card."),
    ),
    Category.FRAUD_RISK: DeclineCopy(
        _("Your bank stopped this payment as a precaution."),
        _("Pay again and confirm it is you when your bank asks, or call your bank first."),
    ),
    Category.DO_NOT_RETRY: DeclineCopy(
        _("This payment could not be completed."),
        _("Please pay another way."),
    ),
    Category.UNKNOWN: DeclineCopy(
        _("Your payment did not go through."),
        _("You can try again now."),
    ),
}

# Rupee payments can move to UPI, which needs neither a card nor the balance on one.
_RUPEE_ADVICE: dict[str, Promise] = {
    Category.FUNDS: _("You can pay by UPI instead, or try again once the money is in your account."),
    Category.CARD_INVALID: _("It may have expired or been replaced. You can pay by UPI or with another card instead."),
}


def decline_copy(*, category: str, currency: str) -> DeclineCopy:
    """The words for a decline of `category` in `currency`; unknown categories read as UNKNOWN."""
    copy = _COPY.get(category, _COPY[Category.UNKNOWN])
    if currency == "INR" and category in _RUPEE_ADVICE:
        return DeclineCopy(copy.headline, _RUPEE_ADVICE[category])
    return copy
