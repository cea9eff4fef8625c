from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments.enums import (
    GatewayMode,
    GatewayProvider,
    SandboxCheckoutStatus,
    SandboxPaymentStatus,
    WebhookEventStatus,
)
from tinko.ids import PublicIdField
from tinko.tenancy import OrgOwned


class GatewayAccount(OrgOwned):
    """A merchant's own account at a gateway, with its keys encrypted at rest (payments.crypto).

    Only ciphertexts and display hints are columns; plaintext exists only inside
    GatewayCredentials for the length of a call. `webhook_endpoint_id` is the public part of
    the webhook URL and never changes, so reconnecting keys keeps the URL the gateway knows.
    """

    public_id = PublicIdField(prefix="gwa")
    provider = models.CharField(max_length=16, choices=GatewayProvider.choices)
    mode = models.CharField(max_length=4, choices=GatewayMode.choices)
    webhook_endpoint_id = PublicIdField(prefix="whep")
    key_id = models.CharField(max_length=64, blank=True, help_text="Razorpay key id (public).")
    secret_key_ciphertext = models.TextField(editable=False)
    secret_key_hint = models.CharField(max_length=32, editable=False)
    webhook_secret_ciphertext = models.TextField(blank=True, editable=False)
    webhook_secret_hint = models.CharField(max_length=32, blank=True, editable=False)
    # Kept for a while after the webhook secret changes: gateways retry older events signed with it.
    previous_webhook_secret_ciphertext = models.TextField(blank=True, editable=False)
    webhook_secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    external_account_id = models.CharField(max_length=64, blank=True, help_text="The gateway's own account id.")
    display_name = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "provider", "mode"], name="payments_gatewayaccount_one_per_provider_mode"
            ),
            models.CheckConstraint(
                condition=Q(provider__in=GatewayProvider.values), name="payments_gatewayaccount_provider_valid"
            ),
            models.CheckConstraint(condition=Q(mode__in=GatewayMode.values), name="payments_gatewayaccount_mode_valid"),
            models.CheckConstraint(
                condition=~Q(provider=GatewayProvider.SANDBOX, mode=GatewayMode.LIVE),
                name="payments_gatewayaccount_sandbox_is_test",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} ({self.mode}) for org {self.organization_id}"

    @property
    def livemode(self) -> bool:
        """Whether the account's payments are the organization's live data (else its test data)."""
        return self.mode == GatewayMode.LIVE


class WebhookEvent(OrgOwned):
    """The webhook inbox: one row per verified gateway event and endpoint, written before the gateway
    gets its 200. Deduplicated per gateway account (endpoint): one external account connected to two
    organizations has two endpoints, and each hears every event once."""

    provider = models.CharField(max_length=16, choices=GatewayProvider.choices)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    gateway_account = models.ForeignKey(GatewayAccount, on_delete=models.CASCADE, related_name="webhook_events")
    livemode = models.BooleanField(null=True)
    payload = models.JSONField()
    # SHA-256 of the signed body: Razorpay's event id header is not signed, so a replay under a new id
    # is caught by its body. Kept after the payload is pruned.
    body_sha256 = models.CharField(max_length=64, blank=True)
    payload_pruned_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    # Times the sweeper found it stuck in `processing` (its worker died); past a cap it is parked as failed.
    sweeps = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # When processing may be tried (again): a transient failure pushes it into the future.
    available_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # What the event's payment is known by, once processed: the merchant's reference when Tinko
    # started the payment, else the gateway's payment id (the reference a failure known only to
    # the gateway is recorded under). A transaction's page finds its webhooks by it.
    payment_reference = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway_account", "event_id"], name="payments_webhookevent_one_per_endpoint_event"
            ),
            models.UniqueConstraint(
                fields=["gateway_account", "body_sha256"],
                condition=~Q(body_sha256=""),
                name="payments_webhookevent_one_per_endpoint_body",
            ),
            models.CheckConstraint(
                condition=Q(status__in=WebhookEventStatus.values), name="payments_webhookevent_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "received_at"], name="payments_webhook_org_received"),
            models.Index(
                fields=["organization", "payment_reference"],
                condition=~Q(payment_reference=""),
                name="payments_webhook_org_reference",
            ),
            # The sweeper scans across organizations for rows left behind, so this one is global.
            models.Index(fields=["status", "available_at"], name="payments_webhook_status_due"),
            models.Index(
                fields=["received_at"], condition=Q(payload_pruned_at__isnull=True), name="payments_webhook_unpruned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id} ({self.status})"


class SandboxCheckout(OrgOwned):
    """The sandbox gateway's hosted checkout, served by Tinko at /sandbox/checkout/<public_id>/."""

    public_id = PublicIdField(prefix="sbxcs")
    gateway_account = models.ForeignKey(GatewayAccount, on_delete=models.CASCADE, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=SandboxCheckoutStatus.choices, default=SandboxCheckoutStatus.OPEN)
    idempotency_key = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_phone = models.CharField(max_length=32, blank=True)
    gateway_customer_id = models.CharField(max_length=64, blank=True)
    payment_method_types = models.JSONField(default=list)
    success_url = models.URLField(max_length=2000, blank=True)
    cancel_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway_account", "idempotency_key"], name="payments_sandboxcheckout_idempotent"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_sandboxcheckout_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=SandboxCheckoutStatus.values), name="payments_sandboxcheckout_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="payments_sandboxcheckout_due")]

    def __str__(self) -> str:
        return self.public_id


class SandboxPayment(OrgOwned):
    """One payment attempt at the sandbox gateway (a checkout may see a decline, then a success)."""

    public_id = PublicIdField(prefix="sbxpay")
    gateway_account = models.ForeignKey(GatewayAccount, on_delete=models.CASCADE, related_name="+")
    checkout = models.ForeignKey(
        SandboxCheckout, null=True, blank=True, on_delete=models.CASCADE, related_name="payments"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    amount_refunded = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=SandboxPaymentStatus.choices)
    payment_method_type = models.CharField(max_length=20, default="card")
    payment_method_id = models.CharField(max_length=64, blank=True)
    gateway_customer_id = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    decline_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    advice_code = models.CharField(max_length=32, blank=True)
    network_decline_code = models.CharField(max_length=8, blank=True)
    metadata = models.JSONField(default=dict)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_phone = models.CharField(max_length=32, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    refunds = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway_account", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payments_sandboxpayment_idempotent",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_sandboxpayment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=models.F("amount")),
                name="payments_sandboxpayment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SandboxPaymentStatus.values), name="payments_sandboxpayment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class SandboxEvent(OrgOwned):
    """An event the sandbox gateway owes Tinko's webhook endpoint, kept until delivered (like a real gateway)."""

    public_id = PublicIdField(prefix="evt_sbx")
    gateway_account = models.ForeignKey(GatewayAccount, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=64)
    body = models.TextField(help_text="The exact JSON body signed and sent on every delivery.")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    last_delivery_error = models.CharField(max_length=255, blank=True)
    payload_pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["delivered_at", "created_at"], name="payments_sandboxevent_pending"),
            models.Index(
                fields=["created_at"],
                condition=Q(payload_pruned_at__isnull=True),
                name="payments_sandboxevent_unpruned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.public_id}"
