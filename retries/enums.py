"""Choices of the retry engine: channels, attempt states, policy settings."""

from django.db import models


class Channel(models.TextChoices):
    """How an attempt reaches the money: re-charge the saved method, or ask the payer.

    Every channel but `auto_charge` reaches the payer with a recovery link; `sms` and
    `whatsapp` join PAYER_CHANNELS when they are built.
    """

    AUTO_CHARGE = "auto_charge", "Automatic re-charge"
    EMAIL = "email", "Email with a recovery link"


# Channels that put a recovery link in front of the payer (the payer is present when paying).
PAYER_CHANNELS = frozenset({Channel.EMAIL})


class AttemptStatus(models.TextChoices):
    """scheduled → in_progress → charged | sent | failed | skipped | cancelled."""

    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    CHARGED = "charged", "Charged"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_ATTEMPT_STATUSES = frozenset(
    {
        AttemptStatus.CHARGED,
        AttemptStatus.SENT,
        AttemptStatus.FAILED,
        AttemptStatus.SKIPPED,
        AttemptStatus.CANCELLED,
    }
)
# Attempts that reached (or will reach) the gateway or the payer: they count against the policy's
# maximum and, for re-charges, against the networks' caps. Skipped and cancelled ones never acted.
COUNTED_ATTEMPT_STATUSES = frozenset(
    {
        AttemptStatus.SCHEDULED,
        AttemptStatus.IN_PROGRESS,
        AttemptStatus.CHARGED,
        AttemptStatus.SENT,
        AttemptStatus.FAILED,
    }
)


class WindowDays(models.TextChoices):
    EVERY_DAY = "every_day", "Every day"
    WEEKDAYS = "weekdays", "Monday to Friday"


class ZoneSource(models.TextChoices):
    """Whose local time the send window is read in."""

    PAYER = "payer", "The payer's (the organization's when unknown)"
    ORGANIZATION = "organization", "The organization's"


class Schedule(models.TextChoices):
    """How a category's attempts are timed."""

    BACKOFF = "backoff", "Backoff (first delay, multiplier, maximum delay)"
    PAY_DAYS = "pay_days", "Re-charge on pay days, in the morning"
    WAIT_FOR_FINAL_STATUS = "wait_for_final_status", "Never retry: wait for the final status"


class PaymentPurpose(models.TextChoices):
    """What a payment is for, where India's e-mandate authentication limit depends on it."""

    OTHER = "other", "Other"
    MUTUAL_FUND = "mutual_fund", "Mutual fund subscription"
    INSURANCE_PREMIUM = "insurance_premium", "Insurance premium"
    CREDIT_CARD_BILL = "credit_card_bill", "Credit-card bill"
