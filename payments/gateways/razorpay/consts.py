"""Razorpay facts Tinko relies on: event names, statuses, headers, currency units."""

from payments.enums import CheckoutStatus, PaymentStatus, RefundStatus

# Connect timeout, read timeout (seconds) for every API call.
TIMEOUT_SECONDS = (5.0, 30.0)
SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"

EVENT_PAYMENT_FAILED = "payment.failed"
EVENT_PAYMENT_CAPTURED = "payment.captured"
EVENT_ORDER_PAID = "order.paid"
EVENT_PAYMENT_LINK_PAID = "payment_link.paid"
EVENT_PAYMENT_LINK_EXPIRED = "payment_link.expired"
EVENT_REFUND_PROCESSED = "refund.processed"
HANDLED_EVENTS = (
    EVENT_PAYMENT_FAILED,
    EVENT_PAYMENT_CAPTURED,
    EVENT_ORDER_PAID,
    EVENT_PAYMENT_LINK_PAID,
    EVENT_PAYMENT_LINK_EXPIRED,
    EVENT_REFUND_PROCESSED,
)

PAYMENT_STATUSES = {
    "created": PaymentStatus.PENDING,
    "authorized": PaymentStatus.PROCESSING,
    "captured": PaymentStatus.SUCCEEDED,
    "refunded": PaymentStatus.REFUNDED,
    "failed": PaymentStatus.FAILED,
}
REFUND_STATUSES = {
    "pending": RefundStatus.PENDING,
    "processed": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
}
ORDER_CREATED = "created"
ORDER_PAID = "paid"
# Payment methods a Payment Link's checkout can be limited to (options.checkout.method).
CHECKOUT_METHODS = ("card", "netbanking", "upi", "wallet")
# Payment Link statuses; a partly paid link is still open (Tinko never allows partial payments).
PAYMENT_LINK_STATUSES = {
    "created": CheckoutStatus.OPEN,
    "partially_paid": CheckoutStatus.OPEN,
    "paid": CheckoutStatus.COMPLETE,
    "expired": CheckoutStatus.EXPIRED,
    "cancelled": CheckoutStatus.EXPIRED,
}
# What a link's hosted page takes outside rupees: international cards only.
CHECKOUT_METHODS_OTHER_CURRENCIES = ("card",)
# Razorpay caps reference_id and receipt at 40 characters.
REFERENCE_MAX_LENGTH = 40
NOTES_MAX_ITEMS = 15

# Amounts are in ISO 4217 subunits (JPY 0 decimals, KWD/BHD/OMR 3 with the last digit 0).
CURRENCY_EXPONENTS: dict[str, int] = {}
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR"})
