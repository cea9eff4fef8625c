"""Organization settings: general (owners), branding (owners and admins), deletion (owners)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role
from accounts.forms import BrandingForm, OrganizationDeleteForm, OrganizationForm
from accounts.selectors import organization_branding
from accounts.services import organization_delete, organization_update, organization_update_branding

TEMPLATE = "console/settings.html"


def _render(
    request: ConsoleRequest,
    *,
    general: OrganizationForm | None = None,
    branding: BrandingForm | None = None,
    delete: OrganizationDeleteForm | None = None,
    status: int = 200,
) -> HttpResponseBase:
    organization = request.organization
    branding_now = organization_branding(organization=organization)
    context = {
        "general_form": general or OrganizationForm.for_organization(organization),
        "branding_form": branding or BrandingForm.for_organization(organization, has_logo=bool(branding_now.logo_url)),
        "delete_form": delete or OrganizationDeleteForm(organization=organization),
        "branding": branding_now,
        "is_owner": request.membership.role == Role.OWNER,
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
@console_view(min_role=Role.ADMIN)
def settings_page(request: ConsoleRequest) -> HttpResponseBase:
    return _render(request)


@require_POST
@console_view(min_role=Role.OWNER)
def settings_general(request: ConsoleRequest) -> HttpResponseBase:
    form = OrganizationForm(request.POST)
    if not form.is_valid():
        return _render(request, general=form, status=422)
    organization_update(
        organization=request.organization,
        actor=request_actor(request),
        name=form.cleaned_data["organization_name"],
        time_zone=form.cleaned_data["time_zone"],
        default_currency=form.cleaned_data["default_currency"],
    )
    messages.success(request, "Settings saved.")
    return redirect("console:settings")


def branding_save(request: ConsoleRequest, form: BrandingForm) -> None:
    """Store the organization's branding from a valid form (here and in onboarding)."""
    organization_update_branding(
        organization=request.organization,
        actor=request_actor(request),
        display_name=form.cleaned_data["display_name"],
        accent_colour=form.cleaned_data["accent_colour"],
        support_email=form.cleaned_data["support_email"],
        support_phone=form.cleaned_data["support_phone"],
        payer_language=form.cleaned_data["payer_language"],
        logo=form.cleaned_data["logo"],
        remove_logo=form.cleaned_data.get("remove_logo", False),
    )
    messages.success(request, "Branding saved.")


@require_POST
@console_view(min_role=Role.ADMIN)
def settings_branding(request: ConsoleRequest) -> HttpResponseBase:
    has_logo = organization_branding(organization=request.organization).logo_url is not None
    form = BrandingForm(request.POST, request.FILES, has_logo=has_logo)
    if not form.is_valid():
        return _render(request, branding=form, status=422)
    branding_save(request, form)
    return redirect("console:settings")


@require_POST
@console_view(min_role=Role.OWNER)
def settings_delete(request: ConsoleRequest) -> HttpResponseBase:
    organization = request.organization
    form = OrganizationDeleteForm(request.POST, organization=organization)
    if not form.is_valid():
        return _render(request, delete=form, status=422)
    name = organization.name
    organization_delete(organization=organization, actor=request_actor(request))
    messages.success(request, f"{name} was deleted: nobody can reach it any more, and its data is being removed.")
    return redirect("console:home")
