"""The global classifier rules Tinko ships, one line per documented code, each with its source.

Read with `../shared/reference/declines-and-networks.md` (its section numbers are quoted in
every `source`). A data migration loads this table into `ClassifierRule` rows with no
organization; platform admins may then edit them in Django admin, and organizations add
overrides. Judgment calls (where the reference gives no category) say so in `source`.

Priorities follow from how much a code tells: hard declines beat everything, then pending
states, risk, bad credentials, specific causes; generic catch-alls (do not honor, card
declined, UPI U30) rank low so that any more specific signal in the same decline wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recovery.classifier.engine import Rule
from recovery.enums import Action, Category, CodeSystem

STRIPE_DECLINES = "§1.2 Stripe decline codes (docs.stripe.com/declines/codes)"
STRIPE_NR = "§1.1 Stripe Billing non-retryable list (docs.stripe.com/billing/revenue-recovery/smart-retries)"
STRIPE_LPM = "§1.2 Stripe local-payment-method decline codes (docs.stripe.com/declines/codes)"
STRIPE_ERRORS = "§1.1 Stripe card-error codes (stripe-python _error_object.py; docs.stripe.com/error-codes)"
STRIPE_OTHER = "§1.2 other Stripe error codes relevant to retry logic (docs.stripe.com/error-codes)"
STRIPE_RADAR = "§1.1 Stripe Charge outcome.reason, Radar reasons (stripe-python _charge.py)"
STRIPE_ADVICE = "§1.1 Stripe advice codes (docs.stripe.com/declines/card)"
RAZORPAY = "§3.2 Razorpay error reasons (razorpay/markdown-docs error-reasons.md, cards.md, upi.md)"
RAZORPAY_TEST = "§3.1 Razorpay test-mode reasons (razorpay/markdown-docs test-card-details.md)"
RAZORPAY_CODES = "§3.1 Razorpay error code classes (razorpay/markdown-docs errors.md; razorpay-python errors.py)"
NPCI = "§4.2 NPCI UPI Error and Response Codes v2.9"
NPCI_TIMEOUTS = "§4.1 NPCI codes populated by UPI on debit/credit timeouts"
NPCI_PENDING = "§4.3 NPCI pending/deemed timeouts"
ISO = "§2.3 ISO 8583 DE 39 response codes (Mastercard, North, payabl, myPOS)"
VISA_1 = "§2.1 Visa category 1, issuer will never approve (Checkout.com, Evolve, TabaPay)"
VISA_2 = "§2.1 Visa category 2, issuer cannot approve at this time (Checkout.com, Evolve, TabaPay)"
VISA_3 = "§2.1 Visa category 3, data quality (Checkout.com, Adyen)"
MC_REASONS = "§2.2 Mastercard CNP decline reason codes, AN 4536 (Qualpay/Maast, Thredd)"
MAC = "§2.2 Mastercard Merchant Advice Codes (Braintree, Antom, Airwallex, TabaPay)"
MESSAGES = "§1.2 Stripe standard messages and §3.2 Razorpay descriptions: Tinko's message fallback"

ALL_METHODS = ("card", "upi", "netbanking", "wallet")

_PRIORITY: dict[Category, int] = {
    Category.DO_NOT_RETRY: 90,
    Category.UPI_PENDING: 80,
    Category.FRAUD_RISK: 75,
    Category.CARD_INVALID: 70,
    Category.FUNDS: 60,
    Category.AUTH_TIMEOUT: 60,
    Category.NETWORK: 55,
    Category.ISSUER_DECLINE: 50,
    Category.UNKNOWN: 10,
}
GENERIC = 20  # catch-all codes: any more specific signal wins
INFORMATIONAL = 1

_COOLDOWN: dict[Category, int] = {
    Category.FUNDS: 86400,
    Category.ISSUER_DECLINE: 86400,
    Category.NETWORK: 3600,
    Category.AUTH_TIMEOUT: 900,
    Category.UPI_PENDING: 1800,
    Category.UNKNOWN: 86400,
}

_RECOMMENDATION: dict[tuple[Category, Action], str] = {
    (Category.FUNDS, Action.RETRY_LATER): (
        "Retry after the cooldown, when funds are more likely to be there, and offer the payer another method meanwhile."
    ),
    (
        Category.FUNDS,
        Action.ASK_NEW_METHOD,
    ): "Ask the payer to pay with another method; retrying this one will not clear the limit.",
    (Category.ISSUER_DECLINE, Action.RETRY_LATER): (
        "Retry later, a few times at most; if it keeps failing, ask the payer to contact their bank or use another method."
    ),
    (
        Category.ISSUER_DECLINE,
        Action.CONTACT_ISSUER,
    ): "Ask the payer to contact their bank, or to pay with another method.",
    (Category.NETWORK, Action.RETRY_LATER): "Retry later: nothing is wrong with the payer or their payment method.",
    (Category.NETWORK, Action.NONE): (
        "Check the payment setup with your gateway or acquirer; retrying will not help until it is fixed."
    ),
    (Category.AUTH_TIMEOUT, Action.RETRY_LATER): "Send the payer a link to try again and finish the approval step.",
    (Category.AUTH_TIMEOUT, Action.ASK_NEW_METHOD): (
        "Send the payer a link to pay again themselves (with authentication) or with another method; "
        "an automatic retry cannot authenticate."
    ),
    (Category.UPI_PENDING, Action.WAIT_FOR_CONFIRMATION): (
        "Wait for the final status before asking for the money again: a new attempt now could debit the payer twice."
    ),
    (
        Category.CARD_INVALID,
        Action.ASK_UPDATE_CARD,
    ): "Ask the payer to correct or update their card details, or to use another card or method.",
    (Category.CARD_INVALID, Action.ASK_NEW_METHOD): "Ask the payer for another account or payment method.",
    (Category.FRAUD_RISK, Action.ASK_NEW_METHOD): (
        "Do not retry automatically; offer the payer another payment method (and don't mention fraud to them)."
    ),
    (
        Category.FRAUD_RISK,
        Action.CONTACT_ISSUER,
    ): "Do not retry automatically; the payer should contact their bank or use another method.",
    (
        Category.DO_NOT_RETRY,
        Action.ASK_NEW_METHOD,
    ): "Never charge this payment method again; ask the payer for another one.",
    (Category.UNKNOWN, Action.ASK_NEW_METHOD): "Send the payer a link to pay again with the method of their choice.",
    (Category.UNKNOWN, Action.WAIT_FOR_CONFIRMATION): (
        "Check with your gateway whether this payment (or an identical one) already went through before asking again."
    ),
    (Category.UNKNOWN, Action.NONE): "This code carries information only; decide on the other codes of the decline.",
}


def default_action(category: Category, retryable: bool) -> Action:
    if category == Category.UPI_PENDING:
        return Action.WAIT_FOR_CONFIRMATION
    if retryable:
        return Action.RETRY_LATER
    return {
        Category.FUNDS: Action.ASK_NEW_METHOD,
        Category.ISSUER_DECLINE: Action.CONTACT_ISSUER,
        Category.NETWORK: Action.NONE,
        Category.AUTH_TIMEOUT: Action.ASK_NEW_METHOD,
        Category.CARD_INVALID: Action.ASK_UPDATE_CARD,
        Category.FRAUD_RISK: Action.ASK_NEW_METHOD,
        Category.DO_NOT_RETRY: Action.ASK_NEW_METHOD,
        Category.UNKNOWN: Action.ASK_NEW_METHOD,
    }[category]


def default_alternatives(category: Category, family: str) -> tuple[str, ...]:
    """Methods to offer the payer: others first when this method is the problem, the same kind first when data is."""
    if category == Category.UPI_PENDING:
        return ()
    if family not in ALL_METHODS:
        return ALL_METHODS
    others = tuple(method for method in ALL_METHODS if method != family)
    if category in (Category.CARD_INVALID, Category.AUTH_TIMEOUT, Category.UNKNOWN):
        return (family, *others)
    return (*others, family)


@dataclass(frozen=True)
class DefaultRule:
    slug: str
    code_system: CodeSystem
    gateway: str
    code: str
    category: Category
    retryable: bool
    explanation: str
    source: str
    family: str = "card"
    action: Action | None = None
    priority: int | None = None
    cooldown_seconds: int | None = None
    recommendation: str = ""
    code_pattern: str = ""
    message_regex: str = ""
    sample: str = ""  # for pattern and message rules: an input that the rule matches

    def resolved_action(self) -> Action:
        return self.action or default_action(self.category, self.retryable)

    def to_rule(self) -> Rule:
        action = self.resolved_action()
        if self.cooldown_seconds is not None:
            cooldown = self.cooldown_seconds
        elif self.retryable or self.category == Category.UPI_PENDING:
            cooldown = _COOLDOWN.get(self.category, 0)
        else:
            cooldown = 0
        return Rule(
            id=self.slug,
            code_system=self.code_system,
            gateway=self.gateway,
            code=self.code,
            code_pattern=self.code_pattern,
            message_regex=self.message_regex,
            category=self.category,
            retryable=self.retryable,
            action=action,
            cooldown_seconds=cooldown,
            alternatives=default_alternatives(self.category, self.family),
            priority=self.priority if self.priority is not None else _PRIORITY[self.category],
            recommendation=self.recommendation or _RECOMMENDATION[(self.category, action)],
            explanation=self.explanation,
        )


F, ID, NW, AT, UP, CI, FR, DN, UK = (
    Category.FUNDS,
    Category.ISSUER_DECLINE,
    Category.NETWORK,
    Category.AUTH_TIMEOUT,
    Category.UPI_PENDING,
    Category.CARD_INVALID,
    Category.FRAUD_RISK,
    Category.DO_NOT_RETRY,
    Category.UNKNOWN,
)


def _stripe(
    code: str, category: Category, retryable: bool, explanation: str, source: str = STRIPE_DECLINES, **extra: Any
) -> DefaultRule:
    return DefaultRule(
        f"stripe:{code}", CodeSystem.GATEWAY, "stripe", code, category, retryable, explanation, source, **extra
    )


def _razorpay(
    code: str, category: Category, retryable: bool, explanation: str, source: str = RAZORPAY, **extra: Any
) -> DefaultRule:
    extra.setdefault("family", "any")
    return DefaultRule(
        f"razorpay:{code}", CodeSystem.GATEWAY, "razorpay", code, category, retryable, explanation, source, **extra
    )


def _npci(
    code: str, category: Category, retryable: bool, explanation: str, source: str = NPCI, **extra: Any
) -> DefaultRule:
    return DefaultRule(
        f"npci:{code}", CodeSystem.UPI, "", code, category, retryable, explanation, source, family="upi", **extra
    )


def _iso(
    code: str, category: Category, retryable: bool, explanation: str, source: str = ISO, **extra: Any
) -> DefaultRule:
    return DefaultRule(
        f"iso8583:{code}", CodeSystem.ISO8583, "", code, category, retryable, explanation, source, **extra
    )


def _mac(
    code: str, category: Category, retryable: bool, explanation: str, source: str = MAC, **extra: Any
) -> DefaultRule:
    return DefaultRule(f"mac:{code}", CodeSystem.MAC, "", code, category, retryable, explanation, source, **extra)


def _message(
    slug: str, regex: str, category: Category, retryable: bool, explanation: str, sample: str, **extra: Any
) -> DefaultRule:
    return DefaultRule(
        f"message:{slug}",
        CodeSystem.MESSAGE,
        "",
        "",
        category,
        retryable,
        explanation,
        MESSAGES,
        family="any",
        message_regex=regex,
        sample=sample,
        **extra,
    )


# fmt: off
STRIPE_RULES: tuple[DefaultRule, ...] = (
    _stripe("authentication_required", AT, False, "The issuer requires the payer to authenticate (3-D Secure) before it approves.", f"{STRIPE_DECLINES}; {STRIPE_NR}"),
    _stripe("authentication_not_handled", AT, False, "Authentication the issuer required was not performed, so it declined again."),
    _stripe("approve_with_id", ID, True, "The issuer could not authorise the payment this time."),
    _stripe("call_issuer", ID, False, "The issuer declined for a reason it did not share.", priority=GENERIC),
    _stripe("card_not_supported", CI, False, "The card does not support this type of purchase."),
    _stripe("card_velocity_exceeded", F, True, "The card's balance, credit limit or transaction amount limit was exceeded."),
    _stripe("currency_not_supported", CI, False, "The card does not support this currency."),
    _stripe("do_not_honor", ID, True, "The issuer declined without saying why (do not honour).", priority=GENERIC),
    _stripe("do_not_try_again", DN, False, "The issuer said not to try this card again (deprecated Stripe code, now an advice code)."),
    _stripe("duplicate_transaction", UK, False, "An identical payment with the same card was submitted moments earlier.", action=Action.WAIT_FOR_CONFIRMATION),
    _stripe("expired_card", CI, False, "The card has expired.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("fraudulent", FR, False, "Stripe suspects the payment is fraudulent."),
    _stripe("generic_decline", ID, False, "The card was declined for an unknown reason, or Stripe's risk checks blocked it.", priority=GENERIC),
    _stripe("incorrect_address", CI, False, "The card's billing address is incorrect."),
    _stripe("incorrect_cvc", CI, False, "The card's security code (CVC) is incorrect.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("incorrect_number", CI, False, "The card number is incorrect.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}; {STRIPE_NR}"),
    _stripe("incorrect_pin", AT, False, "The PIN entered on the card reader is incorrect."),
    _stripe("incorrect_zip", CI, False, "The card's postal code is incorrect.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("insufficient_funds", F, True, "The card has insufficient funds.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("invalid_account", CI, False, "The card, or the account it is connected to, is invalid."),
    _stripe("invalid_amount", F, False, "The amount is invalid or above what the card allows.", f"{STRIPE_DECLINES}; {STRIPE_LPM}"),
    _stripe("invalid_cvc", CI, False, "The card's security code (CVC) is incorrect.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("invalid_expiry_month", CI, False, "The card's expiry month is invalid.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("invalid_expiry_year", CI, False, "The card's expiry year is invalid.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("invalid_number", CI, False, "The card number is incorrect.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("invalid_pin", AT, False, "The PIN entered is incorrect."),
    _stripe("issuer_not_available", NW, True, "The card issuer could not be reached."),
    _stripe("lost_card", DN, False, "The card has been reported lost.", f"{STRIPE_DECLINES}; {STRIPE_NR}"),
    _stripe("merchant_blacklist", FR, False, "The payment matched an entry on the merchant's block list."),
    _stripe("new_account_information_available", CI, False, "The card or account is no longer valid: the issuer has new details for it."),
    _stripe("no_action_taken", ID, False, "The issuer declined for a reason it did not share.", priority=GENERIC),
    _stripe("not_permitted", CI, False, "The issuer does not permit this payment on this card.", action=Action.ASK_NEW_METHOD),
    _stripe("offline_pin_required", AT, False, "The card requires its PIN to be entered on a reader."),
    _stripe("online_or_offline_pin_required", AT, False, "The card requires its PIN to be entered on a reader."),
    _stripe("pickup_card", DN, False, "The card cannot be used: the issuer asked for it to be picked up (possibly lost or stolen).", f"{STRIPE_DECLINES}; {STRIPE_NR}"),
    _stripe("pin_try_exceeded", AT, False, "Too many incorrect PIN entries were made on the card."),
    _stripe("processing_error", NW, True, "An error occurred while the card was being processed.", f"{STRIPE_DECLINES}; {STRIPE_ERRORS}"),
    _stripe("reenter_transaction", NW, True, "The issuer could not process the payment and asked for it to be sent again."),
    _stripe("restricted_card", DN, False, "The card cannot be used (possibly reported lost or stolen)."),
    _stripe("revocation_of_all_authorizations", DN, False, "The cardholder revoked all authorisations for this merchant.", f"{STRIPE_DECLINES}; {STRIPE_NR}"),
    _stripe("revocation_of_authorization", DN, False, "The cardholder revoked the authorisation for this payment.", f"{STRIPE_DECLINES}; {STRIPE_NR}"),
    _stripe("security_violation", FR, False, "The issuer declined for a security reason it did not share."),
    _stripe("service_not_allowed", CI, False, "The card is not enabled for this kind of service."),
    _stripe("stolen_card", DN, False, "The card has been reported stolen.", f"{STRIPE_DECLINES}; {STRIPE_NR}"),
    _stripe("stop_payment_order", DN, False, "The cardholder asked the issuer to stop this payment."),
    _stripe("testmode_decline", CI, False, "A Stripe test card was used for a live payment."),
    _stripe("transaction_not_allowed", CI, False, "The issuer does not allow this kind of payment on this card (some summaries call it non-retryable; not in Stripe's own list).", action=Action.ASK_NEW_METHOD),
    _stripe("try_again_later", ID, True, "The issuer declined for now but the payment may be retried (deprecated Stripe code)."),
    _stripe("withdrawal_count_limit_exceeded", F, True, "The card's balance or credit limit was exceeded."),
    _stripe("mobile_device_authentication_required", AT, False, "The payer must authenticate on their mobile device (tap to pay)."),
    # local payment methods
    _stripe("partner_generic_decline", ID, False, "The payment method's provider declined for an unknown reason.", STRIPE_LPM, priority=GENERIC, family="any"),
    _stripe("invalid_customer_account", CI, False, "The payer's account with the payment method's provider is invalid; it may work once they fix it.", STRIPE_LPM, family="any"),
    _stripe("payment_limit_exceeded", F, False, "The payment exceeds the payer's limit with the provider; it may work once they raise it.", STRIPE_LPM, family="any"),
    _stripe("invalid_billing_agreement", CI, False, "The billing agreement with the provider is invalid; retries won't succeed.", STRIPE_LPM, family="any", action=Action.ASK_NEW_METHOD),
    _stripe("partner_expired_card", CI, False, "The provider reports the card as expired.", STRIPE_LPM, family="any"),
    _stripe("partner_processing_error", NW, True, "The payment method's provider had a processing error.", STRIPE_LPM, family="any"),
    _stripe("partner_insufficient_funds", F, True, "The provider reports insufficient funds.", STRIPE_LPM, family="any"),
    _stripe("partner_invalid_currency", CI, False, "The provider does not support this currency; retries won't succeed.", STRIPE_LPM, family="any", action=Action.ASK_NEW_METHOD),
    _stripe("partner_invalid_amount", CI, False, "The provider refused the amount; retries won't succeed.", STRIPE_LPM, family="any", action=Action.ASK_NEW_METHOD),
    _stripe("invalid_business_account", CI, False, "The business account with the provider is invalid.", STRIPE_LPM, family="any", action=Action.ASK_NEW_METHOD),
    _stripe("partner_high_risk_customer", FR, False, "The provider considers the payer high risk.", STRIPE_LPM, family="any"),
    _stripe("compliance_violation", FR, False, "The payment failed a compliance check; retries won't succeed.", STRIPE_LPM, family="any"),
    _stripe("payment_disputed", DN, False, "The payer disputed a payment on this method.", STRIPE_LPM, family="any"),
    _stripe("invalid_authorization", DN, False, "The payer's authorisation is invalid or was revoked; retries won't succeed.", STRIPE_LPM, family="any"),
    _stripe("invalid_payment_information", CI, False, "The payment details are invalid; retries won't succeed.", STRIPE_LPM, family="any"),
    _stripe("partner_payment_not_found", UK, False, "The provider could not find the payment.", STRIPE_LPM, family="any"),
    _stripe("expired_payment_information", CI, False, "The payment details have expired; it may work once the payer updates them.", STRIPE_LPM, family="any"),
    _stripe("partner_duplicate_transaction", UK, False, "The provider saw an identical payment moments earlier.", STRIPE_LPM, family="any", action=Action.WAIT_FOR_CONFIRMATION),
    # card-error codes that are not decline codes
    _stripe("card_declined", ID, False, "The card was declined; the decline code (if any) says why.", STRIPE_ERRORS, priority=GENERIC),
    _stripe("card_decline_rate_limit_exceeded", ID, True, "This card was declined too many times in the last 24 hours.", f"{STRIPE_ERRORS}; {STRIPE_OTHER}", cooldown_seconds=86400),
    _stripe("lock_timeout", NW, True, "Stripe could not lock the object in time; the request can be retried.", STRIPE_OTHER, cooldown_seconds=300),
    _stripe("rate_limit", NW, True, "Too many requests reached Stripe at once.", STRIPE_OTHER, cooldown_seconds=300),
    _stripe("idempotency_key_in_use", NW, True, "Another request with the same idempotency key was still running at Stripe.", STRIPE_OTHER, cooldown_seconds=300),
    # Radar outcome reasons
    _stripe("highest_risk_level", FR, False, "Stripe Radar blocked the payment as highest risk.", f"{STRIPE_RADAR}; {STRIPE_NR}"),
    _stripe("elevated_risk_level", FR, False, "Stripe Radar flagged the payment as elevated risk.", STRIPE_RADAR),
    _stripe("rule", FR, False, "One of your Stripe Radar rules blocked the payment.", STRIPE_RADAR),
    _stripe("low_probability_of_authorization", FR, False, "Stripe blocked the payment because the issuer would very likely decline it.", STRIPE_RADAR),
)

STRIPE_ADVICE_RULES: tuple[DefaultRule, ...] = (
    DefaultRule("stripe-advice:do_not_try_again", CodeSystem.ADVICE, "stripe", "do_not_try_again", DN, False, "The issuer said not to use this card again for this payment.", STRIPE_ADVICE),
    DefaultRule("stripe-advice:try_again_later", CodeSystem.ADVICE, "stripe", "try_again_later", ID, True, "The issuer declined for now, but the payment can be retried.", STRIPE_ADVICE, priority=GENERIC + 5),
    DefaultRule("stripe-advice:confirm_card_data", CodeSystem.ADVICE, "stripe", "confirm_card_data", CI, False, "Some of the card details provided are incorrect.", STRIPE_ADVICE),
)

RAZORPAY_RULES: tuple[DefaultRule, ...] = (
    _razorpay("insufficient_funds", F, True, "The payer's account does not have enough balance."),
    _razorpay("insufficient_fund", F, True, "The payer's account does not have enough balance (test-mode spelling).", f"{RAZORPAY_TEST}; {RAZORPAY}"),
    _razorpay("transaction_daily_limit_exceeded", F, True, "The payer reached the daily limit on this card.", cooldown_seconds=86400),
    _razorpay("transaction_daily_count_exceeded", F, True, "The payer reached the daily number of payments on this card.", cooldown_seconds=86400),
    _razorpay("transaction_limit_exceeded", F, False, "The payment exceeds the card's limit (the docs disagree whether daily or per payment, so no blind retry)."),
    _razorpay("transaction_frequency_limit_exceeded", F, True, "The payer reached NPCI's daily amount or frequency limit.", cooldown_seconds=86400),
    _razorpay("card_declined", ID, False, "The issuer declined and did not share why.", f"{RAZORPAY}; {RAZORPAY_TEST}", priority=GENERIC),
    _razorpay("payment_declined", ID, True, "The issuer or gateway declined for a business or technical reason.", priority=GENERIC),
    _razorpay("payment_failed", UK, False, "The bank or wallet gateway failed without a specific reason.", priority=GENERIC),
    _razorpay("payment_risk_check_failed", FR, False, "Razorpay's, the gateway's or the issuer's risk checks declined the payment."),
    _razorpay("authentication_failed", AT, True, "Authentication (3-D Secure or OTP) failed, or the payer cancelled on the OTP screen.", f"{RAZORPAY}; {RAZORPAY_TEST}"),
    _razorpay("incorrect_otp", AT, True, "The payer entered a wrong OTP."),
    _razorpay("otp_expired", AT, True, "The OTP expired before the payer entered it."),
    _razorpay("otp_attempts_exceeded", AT, False, "Too many wrong OTPs were entered; the card may be blocked for a while."),
    _razorpay("pin_attempts_exceeded", AT, False, "Too many wrong PINs were entered; the instrument may be blocked for a while."),
    _razorpay("incorrect_pin", AT, True, "The payer entered a wrong UPI PIN.", family="upi"),
    _razorpay("payment_timed_out", AT, True, "The payer did not finish in time, or the gateway did not answer.", f"{RAZORPAY}; {RAZORPAY_TEST}"),
    _razorpay("payment_session_expired", AT, True, "The payment session expired before the payer finished."),
    _razorpay("payment_cancelled", AT, True, "The payer cancelled the payment or went back.", f"{RAZORPAY}; {RAZORPAY_TEST}"),
    _razorpay("payment_collect_request_expired", AT, True, "The payer did not approve the UPI collect request in time.", family="upi"),
    _razorpay("collect_request_pending", UP, False, "The UPI collect request has not been acted on yet, or its callback has not arrived.", family="upi"),
    _razorpay("payment_pending", UP, False, "The bank or gateway marked the payment pending; it may still be authorised late."),
    _razorpay("deemed_transaction", UP, False, "The payment's status will be known to the acquirer only the next day."),
    _razorpay("gateway_technical_error", NW, True, "A technical error at the gateway or its partner bank.", f"{RAZORPAY}; {RAZORPAY_TEST}"),
    _razorpay("bank_technical_error", NW, True, "The payer's bank had a core-banking error or downtime."),
    _razorpay("bank_not_available", NW, True, "The payer's bank was not available."),
    _razorpay("bank_cutoff_in_progress", NW, True, "The payer's bank was in its cut-off window."),
    _razorpay("issuer_technical_error", NW, True, "The issuer had a technical error."),
    _razorpay("request_timed_out", NW, True, "A request in the payment chain timed out."),
    _razorpay("verification_failed", NW, True, "A verification step in the payment chain failed temporarily."),
    _razorpay("duplicate_rrn_found", NW, True, "The network saw a duplicate reference number; a fresh attempt gets a new one."),
    _razorpay("upi_app_technical_error", NW, True, "The payer's UPI app had a technical error.", family="upi"),
    _razorpay("payment_declined_due_to_high_traffic", NW, True, "The payment was declined because of high traffic."),
    _razorpay("server_error", NW, True, "Razorpay had a server error.", f"{RAZORPAY}; {RAZORPAY_CODES} (codes match case-insensitively, so this also reads the SERVER_ERROR class)"),
    _razorpay("card_expired", CI, False, "The card has expired.", family="card"),
    _razorpay("card_number_invalid", CI, False, "The card number is invalid.", f"{RAZORPAY}; {RAZORPAY_TEST}", family="card"),
    _razorpay("incorrect_card_details", CI, False, "The card details entered are wrong.", family="card"),
    _razorpay("incorrect_card_expiry_date", CI, False, "The card's expiry date is wrong.", family="card"),
    _razorpay("incorrect_cardholder_name", CI, False, "The cardholder name is wrong.", family="card"),
    _razorpay("incorrect_cvv", CI, False, "The card's CVV is wrong.", family="card"),
    _razorpay("card_not_enrolled", CI, False, "The card is not enrolled for online (3-D Secure) payments.", family="card"),
    _razorpay("card_disabled_for_online_payments", CI, False, "The card is disabled for online payments.", f"{RAZORPAY}; {RAZORPAY_TEST}", family="card"),
    _razorpay("debit_instrument_inactive", CI, False, "The debit instrument is not active for online payments.", family="card"),
    _razorpay("card_type_invalid", CI, False, "This type of card is not accepted for the payment.", family="card", action=Action.ASK_NEW_METHOD),
    _razorpay("card_network_not_enabled", CI, False, "The card's network is not enabled for this merchant.", family="card", action=Action.ASK_NEW_METHOD),
    _razorpay("debit_instrument_blocked", DN, False, "The issuer or the payer blocked this card.", f"{RAZORPAY}; §5 never-retry list"),
    _razorpay("invalid_vpa", CI, False, "The UPI ID (VPA) is invalid or not registered.", family="upi", action=Action.ASK_NEW_METHOD),
    _razorpay("vpa_resolution_failed", CI, False, "NPCI could not resolve the UPI ID (VPA).", family="upi", action=Action.ASK_NEW_METHOD),
    _razorpay("bank_account_invalid", DN, False, "The bank account is closed or invalid."),
    _razorpay("compliance_violation", FR, False, "The payment failed a compliance check (the payer's or the merchant's)."),
    _razorpay("input_validation_failed", NW, False, "The payment request failed Razorpay's validation: an integration error.", action=Action.NONE),
    _razorpay("invalid_request", NW, False, "Razorpay rejected the request as invalid: an integration error.", action=Action.NONE),
    _razorpay("order_amount_mismatch", NW, False, "The payment amount does not match its Razorpay order: an integration error.", action=Action.NONE),
    _razorpay("order_already_paid", UK, False, "The Razorpay order is already paid.", action=Action.WAIT_FOR_CONFIRMATION),
    _razorpay("invalid_order_id", NW, False, "The Razorpay order id is invalid: an integration error.", action=Action.NONE),
    DefaultRule("razorpay:mandate_creation_*", CodeSystem.GATEWAY, "razorpay", "", AT, True, "The UPI mandate was not set up; the payer can approve it again.", RAZORPAY, family="upi", code_pattern=r"mandate_creation_\w+", sample="mandate_creation_failed"),
    _razorpay("funds_blocked_by_mandate", F, True, "The payer's funds are blocked by another UPI mandate.", family="upi"),
    _razorpay("BAD_REQUEST_ERROR", UK, False, "Razorpay's error class alone does not say why the payment failed; send the error reason.", RAZORPAY_CODES, priority=INFORMATIONAL + 4),
    _razorpay("GATEWAY_ERROR", UK, False, "Razorpay's error class alone does not say why the payment failed; send the error reason.", RAZORPAY_CODES, priority=INFORMATIONAL + 4),
)

NPCI_RULES: tuple[DefaultRule, ...] = (
    _npci("00", UP, False, "NPCI reports the payment approved: confirm its final status before asking again.", recommendation="Check the payment's status with your gateway; it may have succeeded."),
    _npci("01", UP, False, "The UPI payment is pending.", f"{NPCI}; {NPCI_PENDING}"),
    _npci("RB", UP, False, "Credit reversal timed out: the payment is deemed, its status not final.", f"{NPCI}; {NPCI_TIMEOUTS}"),
    _npci("RR", UP, False, "Debit reversal timed out: the payer's money may be in transit.", NPCI_TIMEOUTS),
    _npci("RP", UP, False, "Partial debit reversal timed out: the payer's money may be in transit.", NPCI_TIMEOUTS),
    _npci("32", UP, False, "The debit was only partly reversed after a timeout.", NPCI_TIMEOUTS),
    _npci("21", NW, True, "The switch timed out and fully reversed the debit: nothing was taken.", NPCI_TIMEOUTS),
    _npci("BT", UP, False, "The acquirer or beneficiary bank did not answer in time.", f"{NPCI}; {NPCI_TIMEOUTS}"),
    _npci("UT", UP, False, "The payer's bank did not answer in time.", f"{NPCI}; {NPCI_TIMEOUTS}"),
    _npci("U67", UP, False, "The debit timed out: the payer may have been debited.", f"{NPCI}; {NPCI_PENDING}"),
    _npci("U68", UP, False, "The credit timed out: the payment's status is not final.", NPCI_PENDING),
    _npci("U09", AT, True, "The payer's approval request timed out before any debit."),
    _npci("U30", ID, True, "The debit failed; the cause is in the bank's code that comes with it.", priority=GENERIC),
    _npci("U69", AT, True, "The payer did not approve the collect request before it expired."),
    _npci("U16", FR, False, "The payment crossed NPCI's risk threshold."),
    _npci("U28", NW, True, "The payer's bank (or PSP) was not available."),
    _npci("U29", CI, False, "NPCI could not resolve the payer's UPI address.", action=Action.ASK_NEW_METHOD),
    _npci("ZM", AT, True, "The payer entered a wrong UPI PIN."),
    _npci("Z9", F, True, "The payer's account has insufficient funds."),
    _npci("Z8", F, False, "The payment exceeds the payer's per-transaction limit."),
    _npci("Z7", F, True, "The payer reached their transaction frequency limit.", cooldown_seconds=86400),
    _npci("Z6", AT, False, "The payer entered a wrong UPI PIN too many times."),
    _npci("ZA", AT, True, "The payer declined the payment in their UPI app."),
    _npci("ZH", CI, False, "The UPI address (VPA) is invalid.", action=Action.ASK_NEW_METHOD),
    _npci("YE", DN, False, "The payer's account is blocked or frozen."),
    _npci("XH", CI, False, "The payer's account does not exist.", action=Action.ASK_NEW_METHOD),
    _npci("XY", NW, True, "The payer's bank's core banking system was offline."),
    _npci("XT", NW, True, "The payer's bank was in its cut-off window."),
    _npci("UP", UP, False, "The PSP timed out: the debit may have started."),
    _npci("59", FR, False, "The payer's bank suspects fraud."),
    _npci("K1", FR, False, "The payer's bank declined on its risk score."),
    _npci("XB", UK, False, "NPCI's catch-all: invalid transaction or no better code from the payer's bank."),
    _npci("VA", DN, False, "The payer revoked the UPI mandate."),
    _npci("VU", CI, False, "The UPI mandate has expired.", action=Action.ASK_NEW_METHOD),
    _npci("VT", DN, False, "The payer paused the UPI mandate."),
    _npci("FL", F, False, "A first payment from this UPI user is limited (₹5,000)."),
    _npci("FP", F, True, "New UPI users are limited for their first 24 hours.", cooldown_seconds=86400),
)

ISO_RULES: tuple[DefaultRule, ...] = (
    _iso("00", UK, False, "The network reported the payment approved.", action=Action.WAIT_FOR_CONFIRMATION, priority=GENERIC),
    _iso("01", ID, True, "The issuer asked for it to be referred to them (Visa category 4).", priority=GENERIC),
    _iso("03", NW, False, "The acquirer does not recognise the merchant: a setup problem (Visa category 2).", f"{ISO}; {VISA_2}"),
    _iso("04", DN, False, "The issuer asked for the card to be picked up.", f"{ISO}; {VISA_1}"),
    _iso("05", ID, True, "The issuer declined without saying why (do not honour, Visa category 4).", priority=GENERIC),
    _iso("07", DN, False, "The issuer asked for the card to be picked up (special condition, fraud account).", f"{ISO}; {VISA_1}"),
    _iso("12", DN, False, "The issuer calls the transaction invalid and will never approve it.", f"{ISO}; {VISA_1}"),
    _iso("13", NW, False, "The amount sent is invalid: fix the request (Visa category 4).", action=Action.NONE),
    _iso("14", CI, False, "The card number does not exist at the issuer.", f"{ISO}; {VISA_1}"),
    _iso("15", CI, False, "No such issuer exists for this card number.", f"{ISO}; {VISA_1}", action=Action.ASK_NEW_METHOD),
    _iso("19", NW, True, "The issuer asked for the transaction to be sent again.", f"{ISO}; {VISA_2}"),
    _iso("39", CI, False, "The card has no credit account (Visa category 2).", VISA_2, action=Action.ASK_NEW_METHOD),
    _iso("41", DN, False, "The card was reported lost.", f"{ISO}; {VISA_1}"),
    _iso("43", DN, False, "The card was reported stolen.", f"{ISO}; {VISA_1}"),
    _iso("46", DN, False, "The card's account is closed.", f"{ISO}; {VISA_1}"),
    _iso("51", F, True, "The card has insufficient funds.", f"{ISO}; {VISA_2}"),
    _iso("52", CI, False, "The card has no checking account (Visa category 2).", VISA_2, action=Action.ASK_NEW_METHOD),
    _iso("53", CI, False, "The card has no savings account (Visa category 2).", VISA_2, action=Action.ASK_NEW_METHOD),
    _iso("54", CI, False, "The card has expired.", f"{ISO}; {VISA_3}"),
    _iso("55", AT, False, "The PIN entered is incorrect.", f"{ISO}; {VISA_3}"),
    _iso("57", CI, False, "The issuer does not permit this transaction to the cardholder.", f"{ISO}; {VISA_1}", action=Action.ASK_NEW_METHOD),
    _iso("58", NW, False, "The transaction is not permitted to this terminal: a setup problem (Visa category 4)."),
    _iso("59", FR, False, "The issuer suspects fraud.", f"{ISO}; {VISA_2}", action=Action.CONTACT_ISSUER),
    _iso("61", F, True, "The payment exceeds the card's amount limit.", f"{ISO}; {VISA_2}"),
    _iso("62", DN, False, "The card is restricted (Visa moved it from category 1 to 2; treated as a hard decline).", f"{ISO}; {VISA_2}"),
    _iso("63", FR, False, "The issuer reports a security violation.", action=Action.CONTACT_ISSUER),
    _iso("65", F, True, "The card exceeded its frequency limit.", f"{ISO}; {VISA_2}"),
    _iso("70", AT, False, "The issuer requires the PIN (Visa category 3 in Europe, 4 elsewhere).", VISA_3),
    _iso("75", AT, False, "Too many wrong PIN entries were made.", f"{ISO}; {VISA_2}"),
    _iso("78", CI, False, "The card is blocked until first use: the payer must activate it.", f"{ISO}; {VISA_2}"),
    _iso("79", CI, False, "Mastercard lifecycle decline (for example expired or invalid account).", MC_REASONS),
    _iso("82", CI, False, "Card verification failed (Visa: negative CVV; Mastercard card-not-present: issuer policy).", f"{ISO}; {VISA_3}; {MC_REASONS}"),
    _iso("83", FR, False, "Mastercard security decline (for example lost, stolen or incorrect PIN).", MC_REASONS),
    _iso("86", AT, False, "The issuer could not verify the PIN (Visa category 2).", VISA_2),
    _iso("91", NW, True, "The issuer or the switch was inoperative.", f"{ISO}; {VISA_2}"),
    _iso("93", DN, False, "The transaction cannot be completed: violation of law.", f"{ISO}; {VISA_2}"),
    _iso("96", NW, True, "The network had a system malfunction.", f"{ISO}; {VISA_2}"),
    _iso("N3", ID, True, "Visa category 2 code: the issuer cannot approve at this time.", VISA_2),
    _iso("N4", ID, True, "Visa category 2 code: the issuer cannot approve at this time.", VISA_2),
    _iso("5C", ID, True, "Visa category 2 code (one secondary source): the issuer cannot approve at this time.", VISA_2),
    _iso("9G", ID, True, "Visa category 2 code (one secondary source): the issuer cannot approve at this time.", VISA_2),
    _iso("Z5", ID, True, "Visa category 2 code (one secondary source): the issuer cannot approve at this time.", VISA_2),
    _iso("N7", CI, False, "The card's CVV2 did not match.", f"{ISO}; {VISA_3}"),
    _iso("6P", CI, False, "Verification of the cardholder's data failed.", VISA_3),
    _iso("R0", DN, False, "The cardholder asked the issuer to stop this payment.", f"{ISO}; {VISA_1}"),
    _iso("R1", DN, False, "The cardholder revoked the authorisation.", f"{ISO}; {VISA_1}"),
    _iso("R3", DN, False, "The cardholder revoked all authorisations.", f"{ISO}; {VISA_1}"),
    _iso("1A", AT, False, "The issuer requires additional customer authentication (SCA).", f"{ISO}; {VISA_3}"),
)

MAC_RULES: tuple[DefaultRule, ...] = (
    _mac("01", CI, False, "Mastercard: new account information is available (new expiry, upgrade or portfolio sale).", priority=70),
    _mac("02", F, True, "Mastercard: cannot approve at this time, try again later (over limit or insufficient funds).", cooldown_seconds=72 * 3600, priority=40),
    _mac("03", DN, False, "Mastercard: do not try again (account closed, fraud or cancelled agreement)."),
    _mac("04", CI, False, "Mastercard: token requirements not fulfilled for this token type.", priority=45),
    _mac("05", UK, False, "Mastercard advice code 05 (meaning unverified in our sources).", priority=INFORMATIONAL, action=Action.NONE),
    _mac("21", DN, False, "Mastercard: the cardholder cancelled this payment (or recurring payments) with the issuer."),
    _mac("22", NW, False, "Mastercard: the merchant does not qualify for this product code.", priority=GENERIC),
    _mac("24", F, True, "Mastercard: retry after 1 hour.", cooldown_seconds=3600, priority=55),
    _mac("25", F, True, "Mastercard: retry after 24 hours.", cooldown_seconds=86400, priority=55),
    _mac("26", F, True, "Mastercard: retry after 2 days.", cooldown_seconds=2 * 86400, priority=55),
    _mac("27", F, True, "Mastercard: retry after 4 days.", cooldown_seconds=4 * 86400, priority=55),
    _mac("28", F, True, "Mastercard: retry after 6 days.", cooldown_seconds=6 * 86400, priority=55),
    _mac("29", F, True, "Mastercard: retry after 8 days.", cooldown_seconds=8 * 86400, priority=55),
    _mac("30", F, True, "Mastercard: retry after 10 days.", cooldown_seconds=10 * 86400, priority=55),
    _mac("40", UK, False, "Mastercard: consumer non-reloadable prepaid card (information only).", priority=INFORMATIONAL, action=Action.NONE),
    _mac("41", UK, False, "Mastercard: consumer single-use virtual card number (information only).", priority=INFORMATIONAL, action=Action.NONE),
    _mac("43", UK, False, "Mastercard: consumer multi-use virtual card number (information only).", priority=INFORMATIONAL, action=Action.NONE),
)

MESSAGE_RULES: tuple[DefaultRule, ...] = (
    _message("insufficient_funds", r"insufficient (funds?|balance)|not enough (funds|balance)|\bNSF\b", F, True, "The message says the payer did not have enough funds.", "Your card has insufficient funds."),
    _message("limit", r"(exceed\w*|over)\b.{0,40}\blimit|limit (exceeded|reached)", F, True, "The message says a spending or frequency limit was reached.", "Your card was declined for making repeated attempts too frequently or exceeding its amount limit."),
    _message("expired", r"card (has )?expired|expired card|\bexpiry\b", CI, False, "The message says the card has expired or its expiry is wrong.", "Your card has expired."),
    _message("security_code", r"security code|\bcvc\b|\bcvv2?\b", CI, False, "The message says the card's security code is wrong.", "Your card's security code is incorrect."),
    _message("card_number", r"(card|account) number (is )?(incorrect|invalid)|invalid (card|account) number", CI, False, "The message says the card or account number is wrong.", "Your card number is incorrect."),
    _message("not_supported", r"does not support|not supported|not enabled for", CI, False, "The message says the card cannot be used for this purchase.", "Your card does not support this type of purchase.", action=Action.ASK_NEW_METHOD),
    _message("lost_stolen", r"\b(lost|stolen|pick ?up)\b", DN, False, "The message says the card was reported lost or stolen.", "Card reported stolen"),
    _message("fraud", r"fraud|risk check|high risk|suspicious", FR, False, "The message says a risk check blocked the payment.", "Payment blocked by the bank's risk check"),
    _message("authentication", r"authenticat|3-?d ?secure|\botp\b|\bsca\b", AT, True, "The message says the payer's authentication did not complete.", "3D Secure authentication failed"),
    _message("cancelled", r"cancell?ed by (the )?(customer|user|payer)|(customer|user|payer) cancell?ed", AT, True, "The message says the payer cancelled the payment.", "Payment cancelled by the customer"),
    _message("session_timeout", r"session (has )?(expired|timed? ?out)|collect request (has )?expired", AT, True, "The message says the payer ran out of time.", "Payment session expired"),
    _message("pending", r"\bpending\b|\bdeemed\b|awaiting confirmation", UP, False, "The message says the payment's outcome is not final yet.", "Transaction is pending with the bank"),
    _message("processing_error", r"(processing|technical|system) error|try again in a little bit|temporarily unavailable|(bank|issuer|server|gateway)\b.{0,20}(unavailable|down|not available)", NW, True, "The message points to a technical failure in the payment chain.", "An error occurred while processing your card. Try again in a little bit."),
    _message("do_not_honor", r"do not hono(u)?r", ID, True, "The message says the issuer declined without a reason (do not honour).", "Do not honor", priority=GENERIC + 5),
    _message("declined", r"\bdeclined?\b", ID, False, "The message says the payment was declined, without a reason.", "Your card was declined.", priority=GENERIC),
)
# fmt: on

DEFAULT_RULES: tuple[DefaultRule, ...] = (
    *STRIPE_RULES,
    *STRIPE_ADVICE_RULES,
    *RAZORPAY_RULES,
    *NPCI_RULES,
    *ISO_RULES,
    *MAC_RULES,
    *MESSAGE_RULES,
)


def default_rules() -> tuple[Rule, ...]:
    """The shipped table as classifier rules (what the data migration stores)."""
    return tuple(default.to_rule() for default in DEFAULT_RULES)
