from django.db import models


class GatewayProvider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    RAZORPAY = "razorpay", "Razorpay"
    SANDBOX = "sandbox", "Sandbox"


class GatewayMode(models.TextChoices):
    TEST = "test", "Test"
    LIVE = "live", "Live"


class OutcomeType(models.TextChoices):
    """What a gateway event means for a payment, whatever the gateway calls it."""

    PAYMENT_FAILED = "payment_failed", "Payment failed"
    PAYMENT_SUCCEEDED = "payment_succeeded", "Payment succeeded"
    REFUNDED = "refunded", "Refunded"
    CHECKOUT_EXPIRED = "checkout_expired", "Checkout expired"
    OTHER = "other", "Other"


class PaymentStatus(models.TextChoices):
    """A payment's state in Tinko's words (each adapter's normalize_status maps to these)."""

    PENDING = "pending", "Pending"
    REQUIRES_ACTION = "requires_action", "Requires customer action"
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    REFUNDED = "refunded", "Refunded"


class CheckoutStatus(models.TextChoices):
    """A hosted checkout's state in Tinko's words (Stripe session, Razorpay link, sandbox checkout)."""

    OPEN = "open", "Open"
    COMPLETE = "complete", "Complete"
    EXPIRED = "expired", "Expired"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"


class SandboxCheckoutStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETE = "complete", "Complete"
    EXPIRED = "expired", "Expired"


class SandboxPaymentStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
