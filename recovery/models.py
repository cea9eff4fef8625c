from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from recovery.classifier import Rule
from recovery.enums import (
    NEVER_RETRYABLE_CATEGORIES,
    OPEN_STATUSES,
    Action,
    Category,
    CodeSystem,
    EventSource,
    PaymentMethodType,
    RecoveredBy,
    TransactionStatus,
)
from tinko.ids import PublicIdField
from tinko.tenancy import ModeOwned, OrgQuerySet, ingest_organization_key


class Transaction(ModeOwned):
    """A merchant's payment that failed at least once, identified by the merchant's own reference."""

    # Read by organization through the unique reference and the newest-first listing.
    organization = ingest_organization_key()
    public_id = PublicIdField(prefix="txn")
    transaction_ref = models.CharField(max_length=255)
    amount = models.BigIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3)
    gateway = models.CharField(max_length=40)
    payment_method_type = models.CharField(max_length=16, choices=PaymentMethodType.choices)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +919876543210.")
    customer_name = models.CharField(max_length=200, blank=True)
    # How the payment could be charged again, at the gateway account of `gateway` in this mode: the
    # gateway's customer and saved method (Stripe cus_… and pm_…, Razorpay cust_… and token_…). Never card data.
    gateway_customer_id = models.CharField(max_length=255, blank=True)
    gateway_payment_method_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=TransactionStatus.choices, default=TransactionStatus.FAILED)
    category = models.CharField(max_length=16, choices=Category.choices, help_text="Of the latest failure.")
    failure_count = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    recovered_amount = models.BigIntegerField(null=True, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)
    # Database defaults too: rows written by a process that does not know these columns yet (a
    # rolling deploy, a raw insert) are still valid.
    recovered_by = models.CharField(
        max_length=16,
        choices=RecoveredBy.choices,
        blank=True,
        default="",
        db_default="",
        help_text="What recovered it; empty until then.",
    )
    # Attempts that had reached the gateway or the payer (in progress, charged, sent, failed) when the
    # payment came: 0 means the money came back before Tinko tried anything.
    recovered_after_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    # Refunds of the recovering payment, as its gateway reports them (refunded after recovery).
    refunded_amount = models.BigIntegerField(default=0, db_default=0, help_text="In the currency's minor unit.")
    refunded_at = models.DateTimeField(null=True, blank=True)
    recovery_note = models.CharField(
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text="The merchant's note on a payment made outside Tinko.",
    )
    # Set while the merchant has paused recovery: nothing is scheduled until it is resumed.
    recovery_paused_at = models.DateTimeField(null=True, blank=True)
    # When the merchant last restarted an abandoned recovery: the give-up window counts from here.
    recovery_restarted_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "livemode", "transaction_ref"], name="recovery_transaction_ref_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_transaction_amount_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="recovery_transaction_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TransactionStatus.values), name="recovery_transaction_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="recovery_transaction_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(payment_method_type__in=PaymentMethodType.values),
                name="recovery_transaction_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(recovered_amount__isnull=True) | Q(recovered_amount__gt=0),
                name="recovery_transaction_recovered_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(recovered_by="") | Q(recovered_by__in=RecoveredBy.values),
                name="recovery_transaction_recovered_by_valid",
            ),
            # Only a recovered transaction says what recovered it.
            models.CheckConstraint(
                condition=Q(recovered_by="") | Q(status=TransactionStatus.RECOVERED),
                name="recovery_transaction_recovered_by_only_recovered",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount=0) | Q(status=TransactionStatus.RECOVERED, refunded_amount__gt=0),
                name="recovery_transaction_refunded_only_recovered",
            ),
            # Only an open recovery can be paused; closing or abandoning one ends its pause.
            models.CheckConstraint(
                condition=Q(recovery_paused_at__isnull=True) | Q(status__in=sorted(OPEN_STATUSES)),
                name="recovery_transaction_paused_only_open",
            ),
        ]
        # Listing filters (status, category, gateway) ride on the newest-first index: every extra
        # index is paid on every ingested failure. The console's search by the payer's email or
        # phone needs one each; partial, so failures without the address add nothing to them.
        indexes = [
            models.Index(
                fields=["organization", "livemode", "-created_at", "-public_id"], name="recovery_txn_org_created"
            ),
            # The console's list filtered by status, newest or oldest first.
            models.Index(
                fields=["organization", "livemode", "status", "-created_at", "-public_id"],
                name="recovery_txn_org_status",
            ),
            models.Index(
                fields=["organization", "livemode", "customer_email"],
                condition=~Q(customer_email=""),
                name="recovery_txn_org_email",
            ),
            models.Index(
                fields=["organization", "livemode", "customer_phone"],
                condition=~Q(customer_phone=""),
                name="recovery_txn_org_phone",
            ),
            # Analytics' watermark: the rows changed since its last run. Appended to at its right edge.
            models.Index(fields=["updated_at"], name="recovery_txn_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_ref} ({self.public_id})"


class FailureEvent(ModeOwned):
    """One failure of a transaction, with the classifier's decision and the rule that made it."""

    # Read by transaction, public id or idempotency key, never by organization alone.
    organization = ingest_organization_key()
    public_id = PublicIdField(prefix="fev")
    # No index of its own: (transaction, occurred_at) below serves the foreign key too.
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="events", db_index=False)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=EventSource.choices, default=EventSource.API)
    gateway = models.CharField(max_length=40)
    payment_method_type = models.CharField(max_length=16, choices=PaymentMethodType.choices)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=1000, blank=True)
    network_decline_code = models.CharField(max_length=8, blank=True)
    network_advice_code = models.CharField(max_length=8, blank=True)
    advice_code = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    retryable = models.BooleanField()
    action = models.CharField(max_length=24, choices=Action.choices)
    recommendation = models.TextField()
    alternatives = models.JSONField(default=list)
    cooldown_seconds = models.PositiveIntegerField(default=0)
    rule = models.CharField(max_length=120, help_text="Id of the classifier rule that decided.")
    explanation = models.TextField()
    raw_payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="SHA-256 of the API request that recorded it: after its idempotency key is purged, the same key "
        "with another request is still refused.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The backstop that makes a repeated API request or gateway event one event, ever.
            models.UniqueConstraint(
                fields=["organization", "livemode", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="recovery_failureevent_idempotency_unique",
            ),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="recovery_failureevent_category"),
            models.CheckConstraint(condition=Q(action__in=Action.values), name="recovery_failureevent_action"),
            models.CheckConstraint(
                condition=~(Q(retryable=True) & Q(category__in=sorted(NEVER_RETRYABLE_CATEGORIES))),
                name="recovery_failureevent_hard_not_retryable",
            ),
        ]
        indexes = [models.Index(fields=["transaction", "-occurred_at"], name="recovery_event_txn_occurred")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.category}"


class PaymentMismatch(ModeOwned):
    """A payment for a transaction that did not match what it owed: another currency or a smaller
    amount (the transaction stays open), or more than it owed (recovered, and flagged). Kept for the
    merchant to review; a payment never recovers a transaction silently with the wrong money."""

    public_id = PublicIdField(prefix="pmm")
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="payment_mismatches")
    amount = models.BigIntegerField(help_text="What was paid, in the currency's minor unit.")
    currency = models.CharField(max_length=3)
    gateway = models.CharField(max_length=40, blank=True)
    gateway_payment_id = models.CharField(max_length=255, blank=True)
    paid_at = models.DateTimeField()
    recovered = models.BooleanField(help_text="Whether the payment recovered the transaction all the same.")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A gateway reports one payment in several events: it is flagged once.
            models.UniqueConstraint(
                fields=["transaction", "gateway_payment_id"],
                condition=~Q(gateway_payment_id=""),
                name="recovery_paymentmismatch_once_per_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_paymentmismatch_amount_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="recovery_paymentmismatch_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.reason}"


class ClassifierRule(models.Model):
    """A classifier rule: a global default (no organization) or one organization's override."""

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="classifier_rules",
        help_text="Empty: a global default. Set: this organization's override, which wins over defaults.",
    )
    slug = models.CharField(max_length=120, help_text="The rule id reported with each decision, e.g. stripe:lost_card.")
    code_system = models.CharField(max_length=16, choices=CodeSystem.choices)
    gateway = models.CharField(max_length=40, blank=True, help_text="Empty: any gateway.")
    code = models.CharField(max_length=100, blank=True, help_text="Exact code (case-insensitive).")
    code_pattern = models.CharField(
        max_length=200, blank=True, help_text="Regular expression the whole code must match (when no exact code)."
    )
    message_regex = models.CharField(
        max_length=300,
        blank=True,
        help_text="Message rules: the pattern searched in the message. Code rules: an extra condition.",
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    retryable = models.BooleanField(default=False)
    action = models.CharField(max_length=24, choices=Action.choices)
    cooldown_seconds = models.PositiveIntegerField(default=0)
    alternatives = models.JSONField(default=list, blank=True, help_text='e.g. ["upi", "netbanking"]')
    priority = models.SmallIntegerField(default=50, help_text="Higher wins among matching rules.")
    recommendation = models.TextField()
    explanation = models.TextField(help_text="One sentence a merchant can read.")
    source = models.CharField(max_length=300, blank=True, help_text="Where the meaning of this code is documented.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ("code_system", "gateway", "code", "slug")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(organization__isnull=True), name="recovery_rule_global_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "slug"],
                condition=Q(organization__isnull=False),
                name="recovery_rule_org_slug_unique",
            ),
            models.CheckConstraint(condition=Q(code_system__in=CodeSystem.values), name="recovery_rule_system_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="recovery_rule_category_valid"),
            models.CheckConstraint(condition=Q(action__in=Action.values), name="recovery_rule_action_valid"),
            models.CheckConstraint(
                condition=~(Q(retryable=True) & Q(category__in=sorted(NEVER_RETRYABLE_CATEGORIES))),
                name="recovery_rule_hard_not_retryable",
            ),
            models.CheckConstraint(
                condition=(Q(code_system=CodeSystem.MESSAGE) & ~Q(message_regex=""))
                | (~Q(code_system=CodeSystem.MESSAGE) & (~Q(code="") | ~Q(code_pattern=""))),
                name="recovery_rule_has_condition",
            ),
        ]
        indexes = [models.Index(fields=["organization", "code_system"], name="recovery_rule_org_system")]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("code_pattern", "message_regex"):
            value = getattr(self, name)
            if value:
                try:
                    re.compile(value)
                except re.error as exc:
                    errors[name] = f"Not a valid regular expression: {exc}."
        if self.code_system == CodeSystem.MESSAGE:
            if not self.message_regex:
                errors["message_regex"] = "A message rule needs a message pattern."
            if self.code or self.code_pattern:
                errors["code"] = "A message rule matches on the message only; leave code and code pattern empty."
        elif not self.code and not self.code_pattern:
            errors["code"] = "Give the exact code or a code pattern."
        if self.retryable and self.category in NEVER_RETRYABLE_CATEGORIES:
            errors["retryable"] = f"A {self.category} decline is never retryable."
        valid_methods = {method for method in PaymentMethodType.values if method != PaymentMethodType.OTHER}
        if not isinstance(self.alternatives, list) or not all(item in valid_methods for item in self.alternatives):
            errors["alternatives"] = f"A list drawn from {', '.join(sorted(valid_methods))}."
        self.gateway = self.gateway.strip().lower()
        if errors:
            raise ValidationError(errors)

    def to_rule(self) -> Rule:
        return Rule(
            id=self.slug,
            code_system=CodeSystem(self.code_system),
            gateway=self.gateway,
            code=self.code,
            code_pattern=self.code_pattern,
            message_regex=self.message_regex,
            category=Category(self.category),
            retryable=self.retryable,
            action=Action(self.action),
            cooldown_seconds=self.cooldown_seconds,
            alternatives=tuple(self.alternatives or ()),
            priority=self.priority,
            recommendation=self.recommendation,
            explanation=self.explanation,
            is_override=self.organization_id is not None,
        )
