"""The console's home (the dashboard), creating an organization, switching between organizations and between
their live and test data."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    ConsoleRequest,
    SignedInRequest,
    console_view,
    request_actor,
    session_livemode_set,
    session_organization_set,
    signed_in_view,
)
from accounts.forms import OrganizationForm
from accounts.selectors import membership_list_for_user, onboarding_checklist
from accounts.services import organization_create
from accounts.views.onboarding import onboarding_steps
from analytics.dashboard import DashboardFilterForm, dashboard_build, dashboard_filters
from analytics.rollups import organization_zone
from analytics.selectors import analytics_refreshed_at
from payments.enums import GatewayProvider

HOME = "console/home.html"


@require_GET
@console_view()
def home(request: ConsoleRequest) -> HttpResponseBase:
    """The dashboard: what failed and what came back in the chosen days, filters in the URL; an htmx
    request gets the dashboard's fragment, a page load (or a history restore) the whole page."""
    organization = request.organization
    form = DashboardFilterForm(request.GET)
    today = timezone.now().astimezone(organization_zone(organization)).date()
    filters = dashboard_filters(form, today=today)
    dashboard = dashboard_build(organization=organization, livemode=request.livemode, filters=filters)
    others = request.GET.copy()
    others.pop("currency", None)
    context = {
        "form": form,
        "dashboard": dashboard,
        "gateways": GatewayProvider.choices,
        "gateway_values": GatewayProvider.values,
        "currency_query": others.urlencode(),
        "time_zone": str(organization.time_zone),
        "refreshed_at": analytics_refreshed_at(),
    }
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, f"{HOME}#dashboard", context)
    steps = onboarding_steps(organization=organization)
    checklist = onboarding_checklist(organization=organization, user=request.user)
    context["setup_steps"] = steps if not all(step.done for step in steps) else []
    context["checklist"] = checklist if not all(item.done for item in checklist) else []
    return render(request, HOME, context)


@require_POST
@console_view()
def mode_switch(request: ConsoleRequest) -> HttpResponseBase:
    """Show the organization's live data or its test data, then go back to the page it came from."""
    livemode = request.POST.get("livemode")
    if livemode not in ("true", "false"):
        return HttpResponseBadRequest("livemode must be true or false.")
    session_livemode_set(request, livemode=livemode == "true")
    # Back to the page the switch was pressed on (same-origin requests say it; the page's own URL
    # is not written into every page, error pages included).
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    return redirect(back or "console:home")


@require_http_methods(["GET", "POST"])
@signed_in_view
def organization_new(request: SignedInRequest) -> HttpResponseBase:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = organization_create(
            name=form.cleaned_data["organization_name"],
            owner=request.user,
            time_zone=form.cleaned_data["time_zone"],
            default_currency=form.cleaned_data["default_currency"],
            actor=request_actor(request),
        )
        session_organization_set(request, organization)
        messages.success(request, f"{organization.name} is ready. You are its owner.")
        return redirect("console:home")
    has_organization = membership_list_for_user(user=request.user).exists()
    return render(request, "console/organization_new.html", {"form": form, "has_organization": has_organization})


@require_POST
@console_view()
def organization_switch(request: ConsoleRequest) -> HttpResponseBase:
    membership = (
        membership_list_for_user(user=request.user)
        .filter(organization__public_id=request.POST.get("organization"))
        .first()
    )
    if membership is None:
        raise Http404("No such organization among yours.")
    session_organization_set(request, membership.organization)
    messages.success(request, f"Now working in {membership.organization.name}.")
    return redirect("console:home")
