from django.db import models


class CheckoutStatus(models.TextChoices):
    """A payer's hosted checkout for one link and method: opening (chosen, the gateway not yet
    answered) → open → paid | expired (a fresh one is opened next time) | closed (Tinko closed it:
    the payment was settled another way)."""

    OPENING = "opening", "Opening"
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired"
    CLOSED = "closed", "Closed"


# A checkout that may still take the payer's money.
LIVE_STATUSES = (CheckoutStatus.OPENING, CheckoutStatus.OPEN)
