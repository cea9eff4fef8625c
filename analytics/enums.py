"""Choices of analytics: series granularity and what a recovery is credited to."""

from django.db import models


class Granularity(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week (from Monday)"
    MONTH = "month", "Month"


class Credit(models.TextChoices):
    """What brought the money back, as the dashboard shows it: the transaction's `recovered_by`, with
    the payer's own payments split by whether any attempt had acted before them."""

    EMAIL_LINK = "email_link", "Email link"
    AUTO_CHARGE = "auto_charge", "Automatic re-charge"
    PAYER_BEFORE_ANY_ATTEMPT = "payer_before_any_attempt", "The payer, on their own before any attempt"
    PAYER_AFTER_ATTEMPTS = "payer_after_attempts", "The payer, on their own after attempts that did not reach them"
    MERCHANT = "merchant", "The merchant, marked paid"
