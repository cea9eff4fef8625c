from django.db import models


class ImportFormat(models.TextChoices):
    """Where a file comes from: its columns and their defaults (imports/formats.py)."""

    TINKO = "tinko", "Tinko's format"
    STRIPE = "stripe", "Stripe payments export"
    RAZORPAY = "razorpay", "Razorpay payments report"


class ImportStatus(models.TextChoices):
    """uploaded (waiting for its column mapping) → queued → running → done | failed; or cancelled."""

    UPLOADED = "uploaded", "Waiting for column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# Work a worker still has to do (the sweeper sends these again when no worker holds them).
ACTIVE_STATUSES = frozenset({ImportStatus.QUEUED, ImportStatus.RUNNING})
FINISHED_STATUSES = frozenset({ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED})


class AmountUnit(models.TextChoices):
    MINOR = "minor", "Minor units (paise, cents: 249900)"
    MAJOR = "major", "Major units (rupees, dollars: 2499.00)"
