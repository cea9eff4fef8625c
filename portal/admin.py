"""The payer funnel's checkouts, read-only: they change only through the portal's services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.models import PayerCheckout


@admin.register(PayerCheckout)
class PayerCheckoutAdmin(admin.ModelAdmin):
    list_display = ("public_id", "organization", "transaction", "method", "status", "created_at", "opened_at")
    list_filter = ("status", "method", "livemode")
    search_fields = ("public_id", "gateway_checkout_id", "gateway_payment_id", "transaction__transaction_ref")
    list_select_related = ("organization", "transaction")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
