"""The sandbox gateway: Tinko's own offline stand-in for a card gateway, speaking Stripe's decline codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from payments.enums import CheckoutStatus, PaymentStatus

SIGNATURE_HEADER = "Tinko-Sandbox-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
SECRET_KEY_PREFIX = "sbx_sk_"
WEBHOOK_SECRET_PREFIX = "sbx_whsec_"

EVENT_PAYMENT_SUCCEEDED = "payment.succeeded"
EVENT_PAYMENT_FAILED = "payment.failed"
EVENT_CHECKOUT_EXPIRED = "checkout.expired"
EVENT_REFUND_SUCCEEDED = "refund.succeeded"
HANDLED_EVENTS = (EVENT_PAYMENT_FAILED, EVENT_PAYMENT_SUCCEEDED, EVENT_CHECKOUT_EXPIRED, EVENT_REFUND_SUCCEEDED)

# The sandbox's checkout plays every method a payer may be offered; its statuses are Tinko's.
CHECKOUT_METHODS = ("card", "upi", "netbanking", "wallet")
CHECKOUT_STATUSES = {
    "open": CheckoutStatus.OPEN,
    "complete": CheckoutStatus.COMPLETE,
    "expired": CheckoutStatus.EXPIRED,
}

PAYMENT_STATUSES = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "failed": PaymentStatus.FAILED,
    "refunded": PaymentStatus.REFUNDED,
}

CHECKOUT_LIFETIME = timedelta(hours=24)
# Delivery of events to Tinko's webhook endpoint, retried like a real gateway would.
DELIVERY_TIMEOUT_SECONDS = 10
DELIVERY_MAX_ATTEMPTS = 12
DELIVERY_USER_AGENT = "Tinko-Sandbox/1.0"
# Registered by payments.gateways.sandbox.tasks; the gateway sends them by name.
DELIVER_EVENT_TASK = "payments.sandbox_deliver_event"
SWEEP_TASK = "payments.sweep_sandbox"

# Saved payment methods for charge_saved_method: this one succeeds; sbx_pm_card_<decline code> declines.
PAYMENT_METHOD_OK = "sbx_pm_card_ok"
PAYMENT_METHOD_PREFIX = "sbx_pm_card_"


@dataclass(frozen=True)
class SandboxDecline:
    decline_code: str
    label: str
    failure_code: str
    message: str
    advice_code: str | None
    network_decline_code: str | None


# Stripe's codes and messages, with the network response code a Visa issuer would send.
DECLINES: dict[str, SandboxDecline] = {
    decline.decline_code: decline
    for decline in (
        SandboxDecline(
            "insufficient_funds", "Insufficient funds", "card_declined",
            "Your card has insufficient funds.", "try_again_later", "51",
        ),
        SandboxDecline(
            "generic_decline", "Generic decline", "card_declined",
            "Your card was declined.", "try_again_later", "05",
        ),
        SandboxDecline(
            "do_not_honor", "Do not honor", "card_declined",
            "Your card was declined.", "try_again_later", "05",
        ),
        SandboxDecline(
            "card_velocity_exceeded", "Over the card's limit", "card_declined",
            "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
            "try_again_later", "61",
        ),
        SandboxDecline(
            "expired_card", "Expired card", "expired_card",
            "Your card has expired.", "confirm_card_data", "54",
        ),
        SandboxDecline(
            "incorrect_cvc", "Incorrect CVC", "incorrect_cvc",
            "Your card's security code is incorrect.", "confirm_card_data", "N7",
        ),
        SandboxDecline(
            "authentication_required", "Authentication required", "authentication_required",
            "Your card was declined. This transaction requires authentication.", None, "1A",
        ),
        SandboxDecline(
            "processing_error", "Processing error", "processing_error",
            "An error occurred while processing your card. Try again in a little bit.", "try_again_later", "96",
        ),
        SandboxDecline(
            "lost_card", "Lost card", "card_declined",
            "Your card was declined.", "do_not_try_again", "41",
        ),
        SandboxDecline(
            "stolen_card", "Stolen card", "card_declined",
            "Your card was declined.", "do_not_try_again", "43",
        ),
        SandboxDecline(
            "fraudulent", "Suspected fraud", "card_declined",
            "Your card was declined.", None, "59",
        ),
    )
}  # fmt: skip
