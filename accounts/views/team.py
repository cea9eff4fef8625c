"""The team page: members and their roles, invitations, leaving."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role
from accounts.exceptions import AccountsError
from accounts.forms import InvitationForm, MemberRoleForm, role_choices
from accounts.models import Invitation, Membership
from accounts.selectors import invitation_list_pending, member_list
from accounts.services import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)

TEMPLATE = "console/team.html"


def _member(request: ConsoleRequest, member_id: str) -> Membership:
    return get_object_or_404(
        Membership.objects.for_org(request.organization).select_related("user", "organization"), public_id=member_id
    )


def _invitation(request: ConsoleRequest, invitation_id: str) -> Invitation:
    return get_object_or_404(
        Invitation.objects.for_org(request.organization).select_related("organization", "invited_by"),
        public_id=invitation_id,
    )


def _page_context(request: ConsoleRequest, invitation_form: InvitationForm | None = None) -> dict[str, object]:
    return {
        "members": member_list(organization=request.organization),
        "invitations": invitation_list_pending(organization=request.organization),
        "invitation_form": invitation_form or InvitationForm(by=request.membership),
        "role_choices": role_choices(request.membership),
        "can_manage": request.membership.role in (Role.OWNER, Role.ADMIN),
    }


@require_GET
@console_view()
def team(request: ConsoleRequest) -> HttpResponseBase:
    return render(request, TEMPLATE, _page_context(request))


@require_POST
@console_view(min_role=Role.ADMIN)
def invitation_new(request: ConsoleRequest) -> HttpResponseBase:
    form = InvitationForm(request.POST, by=request.membership)
    if form.is_valid():
        try:
            issued = invitation_create(
                by=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request_actor(request),
            )
        except AccountsError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, f"Invitation sent to {issued.invitation.email}. The link works for 7 days.")
            return redirect("console:team")
    return render(request, TEMPLATE, _page_context(request, invitation_form=form), status=422)


def _invitation_response(request: ConsoleRequest, invitation: Invitation, error: str = "") -> HttpResponseBase:
    if request.htmx:
        return render(
            request,
            f"{TEMPLATE}#invitation-row",
            {"invitation": invitation, "can_manage": True, "row_error": error, "row_status": ""},
        )
    if error:
        messages.error(request, error)
    return redirect("console:team")


@require_POST
@console_view(min_role=Role.ADMIN)
def invitation_resend_view(request: ConsoleRequest, invitation_id: str) -> HttpResponseBase:
    invitation = _invitation(request, invitation_id)
    try:
        issued = invitation_resend(invitation=invitation, by=request.membership, actor=request_actor(request))
    except AccountsError as exc:
        return _invitation_response(request, invitation, exc.message)
    if not request.htmx:
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    return _invitation_response(request, issued.invitation)


@require_POST
@console_view(min_role=Role.ADMIN)
def invitation_revoke_view(request: ConsoleRequest, invitation_id: str) -> HttpResponseBase:
    invitation = _invitation(request, invitation_id)
    try:
        invitation_revoke(invitation=invitation, by=request.membership, actor=request_actor(request))
    except AccountsError as exc:
        return _invitation_response(request, invitation, exc.message)
    if request.htmx:
        # The row disappears: htmx swaps in this empty body.
        return HttpResponse("")
    messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("console:team")


@require_POST
@console_view(min_role=Role.ADMIN)
def member_role(request: ConsoleRequest, member_id: str) -> HttpResponseBase:
    membership = _member(request, member_id)
    form = MemberRoleForm(request.POST, by=request.membership)
    error = ""
    if form.is_valid():
        try:
            membership_change_role(
                membership=membership,
                role=form.cleaned_data["role"],
                by=request.membership,
                actor=request_actor(request),
            )
        except AccountsError as exc:
            error = exc.message
    else:
        error = "Choose one of the roles offered."
    if request.htmx:
        context = _page_context(request) | {
            "member": membership,
            "row_error": error,
            "row_status": "" if error else f"{membership.user.email} is now {membership.get_role_display().lower()}.",
        }
        return render(request, f"{TEMPLATE}#member-row", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{membership.user.email} is now {membership.get_role_display().lower()}.")
    return redirect("console:team")


@require_POST
@console_view(min_role=Role.ADMIN)
def member_remove(request: ConsoleRequest, member_id: str) -> HttpResponseBase:
    membership = _member(request, member_id)
    if membership.pk == request.membership.pk:
        messages.error(request, "To leave the organization, use “Leave organization”.")
        return redirect("console:team")
    try:
        membership_remove(membership=membership, by=request.membership, actor=request_actor(request))
    except AccountsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.email} was removed from {request.organization.name}.")
    return redirect("console:team")


@require_POST
@console_view()
def leave(request: ConsoleRequest) -> HttpResponseBase:
    try:
        membership_remove(membership=request.membership, by=request.membership, actor=request_actor(request))
    except AccountsError as exc:
        messages.error(request, exc.message)
        return redirect("console:team")
    messages.success(request, f"You left {request.organization.name}.")
    return redirect("console:home")
