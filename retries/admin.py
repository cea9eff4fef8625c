from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from accounts.access import request_actor
from retries.exceptions import RetriesError
from retries.models import RecoveryAttempt, RetryPolicy, RetryPolicyOverride
from retries.services import (
    OVERRIDE_FIELDS,
    retry_policy_create,
    retry_policy_delete,
    retry_policy_make_default,
    retry_policy_override_delete,
    retry_policy_override_save,
    retry_policy_update,
)
from retries.views.policy_forms import ATTEMPT_FIELDS, WINDOW_FIELDS


class RetryPolicyOverrideInline(admin.TabularInline):
    model = RetryPolicyOverride
    extra = 0
    fields = OVERRIDE_FIELDS


@admin.register(RetryPolicy)
class RetryPolicyAdmin(admin.ModelAdmin):
    """Every save and delete goes through the services, which write the audit row; the default
    changes only through the "make default" action, so an organization always has one."""

    list_display = ("name", "organization", "is_default", "max_attempts", "give_up_after_days", "updated_at")
    list_filter = ("is_default", "allow_auto_charge", "window_days")
    search_fields = ("name", "public_id", "organization__slug", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("public_id", "is_default", "created_at", "updated_at")
    inlines = (RetryPolicyOverrideInline,)
    actions = ("make_default",)
    fieldsets = (
        (None, {"fields": ("public_id", "organization", "name", "is_default")}),
        ("Attempts", {"fields": ATTEMPT_FIELDS}),
        ("Send window", {"fields": WINDOW_FIELDS}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: RetryPolicy | None = None) -> tuple[str, ...]:
        # A policy stays with the organization it was made for.
        readonly = tuple(self.readonly_fields)
        return (*readonly, "organization") if obj is not None else readonly

    def save_model(self, request: HttpRequest, obj: RetryPolicy, form: ModelForm, change: bool) -> None:
        if change:
            retry_policy_update(policy=obj, actor=request_actor(request))
        else:
            retry_policy_create(policy=obj, actor=request_actor(request))

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool) -> None:
        actor = request_actor(request)
        overrides = formset.save(commit=False)
        for override in formset.deleted_objects:
            retry_policy_override_delete(override=override, actor=actor)
        for override in overrides:
            retry_policy_override_save(override=override, actor=actor)

    def has_delete_permission(self, request: HttpRequest, obj: RetryPolicy | None = None) -> bool:
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: RetryPolicy) -> None:
        try:
            retry_policy_delete(policy=obj, actor=request_actor(request))
        except RetriesError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RetryPolicy]) -> None:
        for policy in queryset:
            self.delete_model(request, policy)

    @admin.action(description="Make the selected policy its organization's default", permissions=["change"])
    def make_default(self, request: HttpRequest, queryset: QuerySet[RetryPolicy]) -> None:
        policies = list(queryset.select_related("organization")[:2])
        if len(policies) != 1:
            self.message_user(request, "Choose exactly one policy.", level=messages.WARNING)
            return
        policy = retry_policy_make_default(policy=policies[0], actor=request_actor(request))
        self.message_user(request, f"“{policy.name}” is now the default of {policy.organization}.", messages.SUCCESS)


@admin.register(RecoveryAttempt)
class RecoveryAttemptAdmin(admin.ModelAdmin):
    """Attempts are made by the planner and moved by the dispatcher; admin shows them (and deletes
    them with their transaction, for whoever may delete attempts)."""

    list_display = ("public_id", "organization", "transaction", "number", "channel", "status", "scheduled_at")
    list_filter = ("status", "channel")
    search_fields = ("public_id", "transaction__transaction_ref", "transaction__public_id", "gateway_payment_id")
    list_select_related = ("organization", "transaction")
    date_hierarchy = "scheduled_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in RecoveryAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
