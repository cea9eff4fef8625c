"""Admin for payments. Secrets are never shown: only their hints (`sk_test_…4242`)."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from payments.models import GatewayAccount, SandboxCheckout, WebhookEvent
from payments.selectors import gateway_webhook_url, webhook_rejections_count
from payments.services import webhook_event_requeue
from tinko.admin_display import money_display, with_money_fields


@admin.register(GatewayAccount)
class GatewayAccountAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "organization",
        "provider",
        "mode",
        "secret_key_hint",
        "webhook_secret_hint",
        "verified_at",
    )
    list_filter = ("provider", "mode")
    search_fields = ("public_id", "organization__slug", "external_account_id")
    # Ciphertext columns are left out entirely; keys change through connect_gateway, which validates them.
    fields = (
        "public_id",
        "organization",
        "provider",
        "mode",
        "key_id",
        "secret_key_hint",
        "webhook_secret_hint",
        "webhook_secret_rotated_at",
        "webhook_url",
        "rejected_deliveries",
        "external_account_id",
        "display_name",
        "connected_at",
        "verified_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Webhook URL")
    def webhook_url(self, account: GatewayAccount) -> str:
        return gateway_webhook_url(account=account)

    @admin.display(description="Deliveries refused (all accounts of this provider)")
    def rejected_deliveries(self, account: GatewayAccount) -> int:
        return webhook_rejections_count(provider=account.provider)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = (
        "event_id",
        "provider",
        "event_type",
        "status",
        "attempts",
        "sweeps",
        "last_error",
        "received_at",
        "organization",
    )
    list_filter = ("status", "provider", "event_type", "sweeps")
    search_fields = ("event_id",)
    date_hierarchy = "received_at"
    fields = (
        "provider",
        "event_id",
        "event_type",
        "organization",
        "gateway_account",
        "livemode",
        "status",
        "attempts",
        "sweeps",
        "last_error",
        "received_at",
        "available_at",
        "processed_at",
        "payload_pruned_at",
        "body_sha256",
        "payload_pretty",
    )
    readonly_fields = fields
    actions = ("reprocess",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Payload")
    def payload_pretty(self, event: WebhookEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))

    @admin.action(description="Process again (failed or ignored events)", permissions=["change"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        requeued = sum(webhook_event_requeue(webhook_event=event) for event in queryset)
        self.message_user(request, f"{requeued} event(s) sent for processing again.", messages.SUCCESS)


@admin.register(SandboxCheckout)
class SandboxCheckoutAdmin(admin.ModelAdmin):
    list_display = ("public_id", "organization", "amount_money", "status", "created_at", "expires_at")
    list_filter = ("status",)
    exclude = ("amount",)
    readonly_fields = with_money_fields(
        [field.name for field in SandboxCheckout._meta.fields], {"amount": "amount_money"}
    )
    amount_money = money_display("amount", description="Amount")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
