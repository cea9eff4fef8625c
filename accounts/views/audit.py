"""The audit log page, filterable by action, person and dates."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import ConsoleRequest, console_view
from accounts.enums import Role
from accounts.forms import AuditFilterForm
from accounts.selectors import AuditFilter, audit_action_list, audit_event_list, member_list

TEMPLATE = "console/audit.html"
PAGE_SIZE = 50


@require_GET
@console_view(min_role=Role.ADMIN)
def audit_log(request: ConsoleRequest) -> HttpResponseBase:
    organization = request.organization
    members = list(member_list(organization=organization))
    form = AuditFilterForm(request.GET, actions=audit_action_list(organization=organization), members=members)
    filters = AuditFilter()
    if form.is_valid():
        actor_public_id = form.cleaned_data["actor"]
        actor_ids = [m.user_id for m in members if m.user.public_id == actor_public_id]
        filters = AuditFilter(
            action=form.cleaned_data["action"],
            actor_user_id=actor_ids[0] if actor_ids else None,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    page = Paginator(audit_event_list(organization=organization, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "time_zone": str(organization.time_zone)}
    template = f"{TEMPLATE}#results" if request.htmx else TEMPLATE
    return render(request, template, context)
