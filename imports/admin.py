"""Imports in Django admin: read-only, for platform admins looking into a merchant's import."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from imports.models import Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "organization",
        "livemode",
        "file_name",
        "format",
        "status",
        "rows_created",
        "rows_failed",
        "created_at",
    )
    list_filter = ("status", "format", "livemode")
    search_fields = ("public_id", "file_name", "organization__slug")
    list_select_related = ("organization",)
    exclude = ("claim_token",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
