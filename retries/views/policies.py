"""The console's retry policies: the list, the editor with its category overrides, and the live
preview of the schedule a policy makes for a sample failure (the pure planner, on unsaved values)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role, role_at_least
from recovery.enums import Category
from retries.exceptions import RetriesError
from retries.models import RetryPolicy, RetryPolicyOverride
from retries.preview import schedule_preview
from retries.scheduling import time_zone_of
from retries.selectors import default_policy_rows, retry_policy_list
from retries.services import retry_policy_delete, retry_policy_make_default, retry_policy_save
from retries.views.policy_forms import OverrideFormSet, RetryPolicyForm, SampleFailureForm, override_deleted

LIST_TEMPLATE = "console/retry_policies.html"
EDIT_TEMPLATE = "console/retry_policy.html"


class _Editor:
    """The policy form, its overrides and the sample failure, bound to one request's data."""

    def __init__(self, request: ConsoleRequest, policy: RetryPolicy, data: Any = None) -> None:
        organization = request.organization
        self.policy = policy
        self.form = RetryPolicyForm(data, instance=policy, organization=organization)
        self.overrides = OverrideFormSet(data, instance=policy, prefix="overrides")
        self.sample = SampleFailureForm(data, currency=organization.default_currency)
        self.bound = data is not None

    def is_valid(self) -> bool:
        # Every part is validated, so every error is shown at once.
        return all([self.form.is_valid(), self.overrides.is_valid()])

    def kept_overrides(self) -> list[RetryPolicyOverride]:
        return [
            form.instance
            for form in self.overrides.forms
            if not override_deleted(form) and (form.instance.pk or form.has_changed())
        ]

    def deleted_overrides(self) -> list[RetryPolicyOverride]:
        return [form.instance for form in self.overrides.forms if form.instance.pk and override_deleted(form)]

    def preview(self, request: ConsoleRequest) -> dict[str, Any]:
        if self.bound and not self.sample.is_valid():
            return {"preview_problem": "Fix the sample failure to see its schedule."}
        if self.bound and not self.is_valid():
            return {"preview_problem": "Fix the fields marked in the policy to see its schedule."}
        if self.bound:
            snapshot = self.form.instance.snapshot(overrides=self.kept_overrides())
        else:
            snapshot = self.policy.snapshot(overrides=list(self.policy.overrides.all()) if self.policy.pk else [])
        sample = self.sample.sample_failure()
        zone = time_zone_of(request.organization)
        failed_at = timezone.now().replace(second=0, microsecond=0)
        return {
            "preview": schedule_preview(policy=snapshot, sample=sample, failed_at=failed_at, time_zone=zone),
            "sample_category": Category(sample.category).label,
        }


def _can_manage(request: ConsoleRequest) -> bool:
    return role_at_least(request.membership.role, Role.ADMIN)


def _policy(request: ConsoleRequest, policy_id: str) -> RetryPolicy:
    return get_object_or_404(
        RetryPolicy.objects.for_org(request.organization).select_related("organization"), public_id=policy_id
    )


def _urls(policy: RetryPolicy) -> dict[str, str]:
    if policy.pk is None:
        return {
            "save_url": reverse("console:retry_policy_new"),
            "preview_url": reverse("console:retry_policy_new_preview"),
        }
    return {
        "save_url": reverse("console:retry_policy_edit", args=[policy.public_id]),
        "preview_url": reverse("console:retry_policy_preview", args=[policy.public_id]),
    }


def _render_editor(request: ConsoleRequest, editor: _Editor, *, status: int = 200) -> HttpResponseBase:
    context = {
        "policy": editor.policy,
        "form": editor.form,
        "overrides": editor.overrides,
        "sample": editor.sample,
        "can_manage": _can_manage(request),
        **_urls(editor.policy),
        **editor.preview(request),
    }
    return render(request, EDIT_TEMPLATE, context, status=status)


def _save(request: ConsoleRequest, editor: _Editor) -> HttpResponseBase:
    creating = editor.policy.pk is None
    if editor.is_valid():
        try:
            policy = retry_policy_save(
                policy=editor.form.save(commit=False),
                overrides=editor.kept_overrides(),
                deleted=editor.deleted_overrides(),
                actor=request_actor(request),
            )
        except ValidationError as exc:
            editor.form.add_error(None, exc)
        except RetriesError as exc:
            editor.form.add_error(None, exc.message)
        else:
            messages.success(request, f"Retry policy “{policy.name}” {'created' if creating else 'saved'}.")
            return redirect("console:retry_policy_detail", policy.public_id)
    return _render_editor(request, editor, status=422)


@require_GET
@console_view()
def retry_policies(request: ConsoleRequest) -> HttpResponseBase:
    return render(
        request,
        LIST_TEMPLATE,
        {"policies": retry_policy_list(organization=request.organization), "can_manage": _can_manage(request)},
    )


@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def retry_policy_new(request: ConsoleRequest) -> HttpResponseBase:
    policy, _ = default_policy_rows(organization=request.organization)
    policy.name, policy.is_default = "", False
    if request.method == "POST":
        return _save(request, _Editor(request, policy, request.POST))
    return _render_editor(request, _Editor(request, policy))


@require_GET
@console_view()
def retry_policy_detail(request: ConsoleRequest, policy_id: str) -> HttpResponseBase:
    return _render_editor(request, _Editor(request, _policy(request, policy_id)))


@require_POST
@console_view(min_role=Role.ADMIN)
def retry_policy_edit(request: ConsoleRequest, policy_id: str) -> HttpResponseBase:
    return _save(request, _Editor(request, _policy(request, policy_id), request.POST))


def _preview(request: ConsoleRequest, policy: RetryPolicy) -> HttpResponseBase:
    editor = _Editor(request, policy, request.POST)
    if request.htmx:
        context = {"policy": policy, **editor.preview(request)}
        return render(request, f"{EDIT_TEMPLATE}#preview", context)
    # Without JavaScript the "Preview" button posts the whole form here: the page comes back as typed.
    return _render_editor(request, editor)


@require_POST
@console_view()
def retry_policy_new_preview(request: ConsoleRequest) -> HttpResponseBase:
    policy, _ = default_policy_rows(organization=request.organization)
    policy.name, policy.is_default = "", False
    return _preview(request, policy)


@require_POST
@console_view()
def retry_policy_preview(request: ConsoleRequest, policy_id: str) -> HttpResponseBase:
    return _preview(request, _policy(request, policy_id))


@require_POST
@console_view(min_role=Role.ADMIN)
def retry_policy_default(request: ConsoleRequest, policy_id: str) -> HttpResponseBase:
    policy = retry_policy_make_default(policy=_policy(request, policy_id), actor=request_actor(request))
    messages.success(request, f"“{policy.name}” is now the default: new failures are planned with it.")
    return redirect("console:retry_policies")


@require_POST
@console_view(min_role=Role.ADMIN)
def retry_policy_remove(request: ConsoleRequest, policy_id: str) -> HttpResponseBase:
    policy = _policy(request, policy_id)
    try:
        retry_policy_delete(policy=policy, actor=request_actor(request))
    except RetriesError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Retry policy “{policy.name}” deleted.")
    return redirect("console:retry_policies")
