"""Stripe facts Tinko relies on: pinned API version, event names, statuses, currency units."""

from payments.enums import CheckoutStatus, PaymentStatus, RefundStatus

# Pinned so payload shapes never change under us; this is the version stripe==16.1.0 is generated for.
API_VERSION = "2026-10-28.endive"
# Connect timeout, read timeout (seconds) for every API call.
TIMEOUT_SECONDS = (5.0, 30.0)
# The SDK retries connection errors, 409 and 5xx once, with the same idempotency key.
MAX_NETWORK_RETRIES = 1
# stripe-python's Webhook.DEFAULT_TOLERANCE: signatures older than this are refused.
SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "Stripe-Signature"

EVENT_PAYMENT_INTENT_FAILED = "payment_intent.payment_failed"
EVENT_PAYMENT_INTENT_SUCCEEDED = "payment_intent.succeeded"
EVENT_CHARGE_FAILED = "charge.failed"
EVENT_CHARGE_REFUNDED = "charge.refunded"
EVENT_INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
EVENT_CHECKOUT_COMPLETED = "checkout.session.completed"
EVENT_CHECKOUT_EXPIRED = "checkout.session.expired"
HANDLED_EVENTS = (
    EVENT_PAYMENT_INTENT_FAILED,
    EVENT_CHARGE_FAILED,
    EVENT_INVOICE_PAYMENT_FAILED,
    EVENT_CHECKOUT_COMPLETED,
    EVENT_CHECKOUT_EXPIRED,
    EVENT_PAYMENT_INTENT_SUCCEEDED,
    EVENT_CHARGE_REFUNDED,
)

# PaymentIntent statuses. Tinko only creates PaymentIntents confirmed at once, so one that is back
# at requires_payment_method has had its attempt declined.
PAYMENT_INTENT_STATUSES = {
    "requires_payment_method": PaymentStatus.FAILED,
    "requires_confirmation": PaymentStatus.PENDING,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.PROCESSING,
    "canceled": PaymentStatus.CANCELED,
    "succeeded": PaymentStatus.SUCCEEDED,
}
# Charge statuses (retrieve_payment accepts a ch_ id too).
CHARGE_STATUSES = {
    "pending": PaymentStatus.PROCESSING,
    "succeeded": PaymentStatus.SUCCEEDED,
    "failed": PaymentStatus.FAILED,
}
REFUND_STATUSES = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}
CHECKOUT_PAID = "paid"

# Where Stripe's amount unit differs from ISO 4217 (docs.stripe.com/currencies, "Special cases"):
# ISK is two-decimal in the API (multiples of 100), MGA is zero-decimal at Stripe.
CURRENCY_EXPONENTS = {"ISK": 2, "MGA": 0}
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# Checkout Session statuses, and the methods its hosted page takes: UPI only for rupees (§2.3 of
# the payer reference); netbanking is no longer a Stripe payment method type.
CHECKOUT_STATUSES = {
    "open": CheckoutStatus.OPEN,
    "complete": CheckoutStatus.COMPLETE,
    "expired": CheckoutStatus.EXPIRED,
}
CHECKOUT_METHODS = ("card",)
CHECKOUT_METHODS_INR = ("card", "upi")
