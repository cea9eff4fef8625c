"""The console's home, creating an organization and switching between organizations."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    ConsoleRequest,
    SignedInRequest,
    console_view,
    request_actor,
    session_organization_set,
    signed_in_view,
)
from accounts.forms import OrganizationForm
from accounts.models import ApiKey, Membership
from accounts.selectors import membership_list_for_user, onboarding_checklist
from accounts.services import organization_create


@require_GET
@console_view()
def home(request: ConsoleRequest) -> HttpResponseBase:
    organization = request.organization
    return render(
        request,
        "console/home.html",
        {
            "checklist": onboarding_checklist(organization=organization, user=request.user),
            "member_count": Membership.objects.for_org(organization).count(),
            "active_key_count": ApiKey.objects.for_org(organization).filter(revoked_at__isnull=True).count(),
        },
    )


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
