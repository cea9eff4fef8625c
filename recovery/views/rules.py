"""The console's classifier rules: the organization's overrides beside the global defaults, adding,
editing and deleting overrides, and testing a code against them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role, role_at_least
from recovery.forms import ClassifierOverrideForm, ClassifierTestForm
from recovery.models import ClassifierRule
from recovery.selectors import classification_explain, classifier_defaults, classifier_overrides
from recovery.services import classifier_override_delete, classifier_override_save

TEMPLATE = "console/rules.html"
FORM_TEMPLATE = "console/rule_form.html"
DEFAULTS_SHOWN = 50


def _override(request: ConsoleRequest, rule_slug: str) -> ClassifierRule:
    return get_object_or_404(ClassifierRule.objects.filter(organization=request.organization), slug=rule_slug)


@require_GET
@console_view()
def rules(request: ConsoleRequest) -> HttpResponseBase:
    search = request.GET.get("q", "").strip()[:100]
    defaults = classifier_defaults(search=search)
    test_form = ClassifierTestForm(request.GET if "test-gateway" in request.GET else None)
    explained = None
    if test_form.is_bound and test_form.is_valid():
        explained = classification_explain(organization=request.organization, request=test_form.classifier_input())
    context: dict[str, Any] = {
        "overrides": classifier_overrides(organization=request.organization),
        "defaults": defaults[:DEFAULTS_SHOWN],
        "defaults_count": defaults.count(),
        "search": search,
        "test_form": test_form,
        "explained": explained,
        "can_manage": role_at_least(request.membership.role, Role.ADMIN),
    }
    if request.htmx and request.htmx.target in ("test-result", "defaults"):
        return render(request, f"{TEMPLATE}#{request.htmx.target}", context)
    return render(request, TEMPLATE, context)


def _save(request: ConsoleRequest, form: ClassifierOverrideForm, *, creating: bool) -> HttpResponseBase:
    if request.method == "POST" and form.is_valid():
        try:
            rule = classifier_override_save(
                organization=request.organization, rule=form.save(commit=False), actor=request_actor(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Rule “{rule.slug}” {'added' if creating else 'saved'}: it decides from now on.")
            return redirect("console:rules")
    status = 422 if request.method == "POST" else 200
    return render(request, FORM_TEMPLATE, {"form": form, "creating": creating}, status=status)


@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def rule_new(request: ConsoleRequest) -> HttpResponseBase:
    rule = ClassifierRule(organization=request.organization)
    initial: dict[str, Any] = {}
    base = ClassifierRule.objects.filter(organization__isnull=True, slug=request.GET.get("from", "")).first()
    if base is not None:
        # Start from the global rule being overridden: same match, the organization's own id.
        initial = model_to_dict(base, fields=ClassifierOverrideForm.Meta.fields)
        initial["slug"] = f"{request.organization.slug}:{base.slug}"[:120]
        initial["priority"] = base.priority
    form = ClassifierOverrideForm(request.POST or None, instance=rule, initial=initial)
    return _save(request, form, creating=True)


@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def rule_edit(request: ConsoleRequest, rule_slug: str) -> HttpResponseBase:
    form = ClassifierOverrideForm(request.POST or None, instance=_override(request, rule_slug))
    return _save(request, form, creating=False)


@require_POST
@console_view(min_role=Role.ADMIN)
def rule_delete(request: ConsoleRequest, rule_slug: str) -> HttpResponseBase:
    rule = _override(request, rule_slug)
    classifier_override_delete(rule=rule, actor=request_actor(request))
    messages.success(request, f"Rule “{rule.slug}” deleted: the global defaults decide again.")
    return redirect("console:rules")
