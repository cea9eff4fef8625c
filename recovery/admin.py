from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from accounts.models import Organization
from recovery.classifier import sample_input
from recovery.enums import PaymentMethodType
from recovery.forms import DeclineInputMixin
from recovery.models import ClassifierRule, FailureEvent, PaymentMismatch, Transaction
from recovery.selectors import classification_for
from recovery.services import classifier_rule_delete, classifier_rule_save
from tinko.admin_display import money_display, truncated_display, with_money_fields

_TRANSACTION_MONEY = {
    "amount": "amount_money",
    "recovered_amount": "recovered_amount_money",
    "refunded_amount": "refunded_amount_money",
}


class ClassifierTestForm(DeclineInputMixin, forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text="Empty: global rules only. Chosen: with this organization's overrides.",
    )
    gateway = forms.CharField(max_length=40, initial="stripe")
    code = forms.CharField(max_length=100, required=False, label="Failure code")
    message = forms.CharField(max_length=1000, required=False, label="Failure message")
    payment_method_type = forms.ChoiceField(choices=PaymentMethodType.choices, initial=PaymentMethodType.CARD)
    network_decline_code = forms.CharField(max_length=8, required=False)
    network_advice_code = forms.CharField(max_length=8, required=False)
    advice_code = forms.CharField(max_length=64, required=False)


@admin.register(ClassifierRule)
class ClassifierRuleAdmin(admin.ModelAdmin):
    """Rules take effect without a restart: every save and delete goes through the services."""

    change_list_template = "admin/recovery/classifierrule/change_list.html"
    list_display = ("rule", "scope", "category", "action", "priority", "is_active")
    list_display_links = ("rule",)
    list_select_related = ("organization",)
    list_filter = ("code_system", "category", "retryable", "action", "gateway", "is_active")
    search_fields = ("slug", "code", "code_pattern", "message_regex", "explanation", "organization__slug")
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("organization", "slug", "is_active", "priority")}),
        ("Match", {"fields": ("code_system", "gateway", "code", "code_pattern", "message_regex")}),
        (
            "Decision",
            {
                "fields": (
                    "category",
                    "retryable",
                    "action",
                    "cooldown_seconds",
                    "alternatives",
                    "recommendation",
                    "explanation",
                )
            },
        ),
        ("Provenance", {"fields": ("source", "created_at", "updated_at")}),
    )
    actions = ("test_selected_codes",)

    class Media:
        css = {"all": ("css/admin_classifier_rules.css",)}

    rule = truncated_display("slug", description="Rule")

    @admin.display(description="Scope", ordering="organization__slug")
    def scope(self, rule: ClassifierRule) -> str:
        return rule.organization.slug if rule.organization else "Global"

    def save_model(self, request: HttpRequest, obj: ClassifierRule, form: Any, change: bool) -> None:
        classifier_rule_save(rule=obj)

    def delete_model(self, request: HttpRequest, obj: ClassifierRule) -> None:
        classifier_rule_delete(rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClassifierRule]) -> None:
        for rule in queryset:
            classifier_rule_delete(rule=rule)

    def get_urls(self) -> list[URLPattern]:
        test_view = self.admin_site.admin_view(self.test_code_view)
        return [path("test/", test_view, name="recovery_classifierrule_test"), *super().get_urls()]

    def _render_test(
        self, request: HttpRequest, *, form: ClassifierTestForm, results: list[dict[str, Any]]
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Test a decline code",
            "form": form,
            "results": results,
        }
        return TemplateResponse(request, "admin/recovery/classifierrule/test.html", context)

    def test_code_view(self, request: HttpRequest) -> HttpResponse:
        """Run the classifier on a code typed in, as the API would, and show which rule decides."""
        # admin_view only checks that the person is staff; the page lists every organization and its overrides.
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ClassifierTestForm(request.GET or None)
        results: list[dict[str, Any]] = []
        if form.is_valid():
            decline = form.classifier_input()
            decision = classification_for(organization=form.cleaned_data["organization"], request=decline)
            results.append({"input": decline, "decision": decision})
        return self._render_test(request, form=form, results=results)

    @admin.action(description="Test the selected rules' codes")
    def test_selected_codes(self, request: HttpRequest, queryset: QuerySet[ClassifierRule]) -> HttpResponse | None:
        results: list[dict[str, Any]] = []
        skipped: list[str] = []
        for row in queryset.select_related("organization")[:100]:
            decline = sample_input(row.to_rule())
            if decline is None:
                skipped.append(row.slug)
                continue
            decision = classification_for(organization=row.organization, request=decline)
            results.append({"input": decline, "decision": decision, "rule": row})
        if skipped:
            self.message_user(
                request,
                f"Pattern and message rules need a sample: test them with the form ({', '.join(skipped)}).",
                level=messages.WARNING,
            )
        return self._render_test(request, form=ClassifierTestForm(), results=results)


class FailureEventInline(admin.TabularInline):
    model = FailureEvent
    extra = 0
    can_delete = False
    fields = ("public_id", "occurred_at", "gateway", "failure_code", "category", "retryable", "action", "rule")
    readonly_fields = fields
    ordering = ("-occurred_at",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentMismatchInline(admin.TabularInline):
    model = PaymentMismatch
    extra = 0
    fields = ("public_id", "amount_paid", "gateway", "gateway_payment_id", "paid_at", "recovered", "reason")
    readonly_fields = fields
    amount_paid = money_display("amount", description="Amount paid")
    ordering = ("paid_at",)
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentMismatch)
class PaymentMismatchAdmin(admin.ModelAdmin):
    """Payments that did not match what their transaction owed, for review."""

    list_display = (
        "public_id",
        "organization",
        "livemode",
        "transaction",
        "amount_paid",
        "recovered",
        "paid_at",
    )
    amount_paid = money_display("amount", description="Amount paid")
    exclude = ("amount",)
    list_filter = ("livemode", "recovered", "currency", "gateway")
    search_fields = ("public_id", "gateway_payment_id", "transaction__transaction_ref", "organization__slug")
    list_select_related = ("organization", "transaction")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return with_money_fields([field.name for field in PaymentMismatch._meta.fields], {"amount": "amount_paid"})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    """Transactions come from the API and webhooks; admin shows them."""

    list_display = (
        "transaction_ref",
        "organization",
        "livemode",
        "amount_money",
        "gateway",
        "status",
        "category",
        "created_at",
    )
    list_filter = ("livemode", "status", "recovered_by", "category", "gateway", "payment_method_type", "currency")
    search_fields = ("transaction_ref", "public_id", "customer_email", "organization__slug")
    list_select_related = ("organization",)
    inlines = (FailureEventInline, PaymentMismatchInline)
    exclude = tuple(_TRANSACTION_MONEY)
    amount_money = money_display("amount", description="Amount")
    recovered_amount_money = money_display("recovered_amount", description="Recovered amount")
    refunded_amount_money = money_display("refunded_amount", description="Refunded amount")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return with_money_fields([field.name for field in Transaction._meta.fields], _TRANSACTION_MONEY)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FailureEvent)
class FailureEventAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "organization",
        "transaction",
        "occurred_at",
        "gateway",
        "failure_code",
        "category",
        "rule",
    )
    list_filter = ("livemode", "category", "retryable", "gateway", "source")
    search_fields = ("public_id", "failure_code", "rule", "transaction__transaction_ref", "idempotency_key")
    list_select_related = ("organization", "transaction")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in FailureEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
