from django.db import models


class LinkStatus(models.TextChoices):
    """active → used | revoked | expired. An active link past its expiry reads as expired either way."""

    ACTIVE = "active", "Active"
    USED = "used", "Used"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class LinkState(models.TextChoices):
    """What a payer holding a genuine link finds: it works, or why it does not."""

    USABLE = "usable", "Usable"
    EXPIRED = "expired", "Expired"
    USED = "used", "Already used"
    REVOKED = "revoked", "Revoked"
    CLOSED = "closed", "Transaction closed"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"


class NotificationStatus(models.TextChoices):
    """pending → sent | failed | suppressed; a failed send may be claimed again (pending)."""

    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Not sent"


class SuppressionReason(models.TextChoices):
    """Why a message was not sent at all (kept in NotificationLog.error)."""

    REMINDERS_STOPPED = "reminders_stopped", "The payer stopped reminders for this payment"
    NO_ADDRESS = "no_address", "No address for this channel"
    LINK_UNUSABLE = "link_unusable", "The recovery link no longer works"
    TEST_MODE_RECIPIENT = "test_mode_recipient", "Test data reaches only test addresses and the team's own"


class Template(models.TextChoices):
    RECOVERY = "recovery", "Payment failed: recovery link"


class OptOutSource(models.TextChoices):
    ONE_CLICK = "one_click", "One-click unsubscribe (mail program)"
    STOP_PAGE = "stop_page", "Stop page"
