from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.enums import PayerLanguage
from portal.enums import LIVE_STATUSES, CheckoutStatus
from recovery.enums import PaymentMethodType
from tinko.ids import PublicIdField
from tinko.tenancy import ModeOwned


class PayerCheckout(ModeOwned):
    """A hosted checkout the payer opened from a recovery link, for one method: the funnel's rows
    (method chosen = created, checkout opened = opened_at, outcome = status and settled_at).

    One live checkout per link and method, so a reload or a double click reuses it; `generation`
    counts the fresh ones opened after an earlier one expired, and is part of the idempotency key
    sent to the gateway. Its organization and mode are its link's."""

    public_id = PublicIdField(prefix="pck")
    link = models.ForeignKey("messaging.RecoveryLink", on_delete=models.CASCADE, related_name="+")
    transaction = models.ForeignKey("recovery.Transaction", on_delete=models.CASCADE, related_name="+")
    gateway_account = models.ForeignKey("payments.GatewayAccount", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=16, choices=PaymentMethodType.choices)
    generation = models.PositiveSmallIntegerField(default=1)
    language = models.CharField(
        max_length=8,
        choices=PayerLanguage.choices,
        default=PayerLanguage.ENGLISH,
        help_text="The page's, for the receipt.",
    )
    status = models.CharField(max_length=8, choices=CheckoutStatus.choices, default=CheckoutStatus.OPENING)
    gateway_checkout_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    gateway_payment_id = models.CharField(max_length=255, blank=True)
    decline_code = models.CharField(
        max_length=100, blank=True, help_text="The gateway's reason for the latest decline."
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the gateway opened the checkout.")
    returned_at = models.DateTimeField(null=True, blank=True, help_text="First return from the gateway's page.")
    settled_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CheckoutStatus.values), name="portal_checkout_status_valid"),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethodType.values), name="portal_checkout_method_valid"
            ),
            models.CheckConstraint(condition=Q(generation__gt=0), name="portal_checkout_generation_positive"),
            models.CheckConstraint(
                condition=Q(status=CheckoutStatus.OPENING) | Q(opened_at__isnull=False) | Q(settled_at__isnull=False),
                name="portal_checkout_opened_has_time",
            ),
            models.CheckConstraint(
                condition=Q(opened_at__isnull=True) | Q(opened_at__gte=F("created_at")),
                name="portal_checkout_opened_after_chosen",
            ),
            models.UniqueConstraint(fields=["link", "method", "generation"], name="portal_checkout_generation_unique"),
            # The backstop against two checkouts for one link and method: the second insert fails.
            models.UniqueConstraint(
                fields=["link", "method"],
                condition=Q(status__in=LIVE_STATUSES),
                name="portal_checkout_one_live_per_method",
            ),
        ]
        indexes = [
            models.Index(fields=["transaction", "status"], name="portal_checkout_txn_status"),
            models.Index(fields=["status", "expires_at"], name="portal_checkout_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.method} ({self.status})"
