"""What Tinko told payers, read-only: links, messages and stopped reminders change only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from messaging.models import NotificationLog, RecoveryLink, ReminderOptOut


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecoveryLink)
class RecoveryLinkAdmin(_ReadOnlyAdmin):
    list_display = ("public_id", "organization", "transaction", "attempt_number", "status", "expires_at", "opened_at")
    list_filter = ("status",)
    search_fields = ("public_id", "transaction__transaction_ref", "transaction__public_id")
    list_select_related = ("organization", "transaction")


@admin.register(NotificationLog)
class NotificationLogAdmin(_ReadOnlyAdmin):
    list_display = (
        "public_id",
        "organization",
        "transaction",
        "channel",
        "recipient_masked",
        "language",
        "status",
        "created_at",
        "sent_at",
    )
    list_filter = ("channel", "status", "language")
    search_fields = ("public_id", "provider_message_id", "transaction__transaction_ref")
    list_select_related = ("organization", "transaction")


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(_ReadOnlyAdmin):
    list_display = ("transaction", "organization", "source", "created_at")
    list_filter = ("source",)
    list_select_related = ("organization", "transaction")
