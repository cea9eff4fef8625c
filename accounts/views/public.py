"""Pages outside the console: the invitation link and an organization's logo."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import invitation_pending_clear, invitation_pending_set, request_actor, session_organization_set
from accounts.exceptions import AccountsError
from accounts.models import User
from accounts.selectors import invitation_find_by_token, organization_logo_find
from accounts.services import invitation_accept

LOGO_CACHE_SECONDS = 7 * 24 * 3600


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponseBase:
    """Show an invitation; signed in as the invited address, accept it; otherwise sign in or sign up first."""
    found = invitation_find_by_token(token=token)
    if found is None:
        return render(request, "invitations/unavailable.html", {"reason": "unknown"}, status=404)
    if not found.is_open(now=timezone.now()):
        reason = "accepted" if found.accepted_at else "revoked" if found.revoked_at else "expired"
        return render(request, "invitations/unavailable.html", {"reason": reason, "invitation": found}, status=410)
    context: dict[str, object] = {"invitation": found, "token": token}
    if not request.user.is_authenticated:
        invitation_pending_set(request, found)
        # The link reached this address's inbox, so signing up with it needs no second proof.
        get_account_adapter(request).stash_verified_email(request, found.email)
        return render(request, "invitations/invitation.html", context)
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        try:
            membership = invitation_accept(invitation=found, user=user, actor=request_actor(request))
        except AccountsError as exc:
            context["error"] = exc.message
            return render(request, "invitations/invitation.html", context, status=409)
        invitation_pending_clear(request)
        session_organization_set(request, membership.organization)
        messages.success(
            request,
            f"Welcome to {membership.organization.name}. You joined as {membership.get_role_display().lower()}.",
        )
        return redirect("console:home")
    context["wrong_account"] = user.email.lower() != found.email.lower()
    return render(request, "invitations/invitation.html", context)


@require_GET
def brand_logo(request: HttpRequest, org_id: str, version: str) -> HttpResponse:
    """An organization's logo for payer pages and emails; public, like the pages that show it."""
    logo = organization_logo_find(org_public_id=org_id)
    if logo is None or logo.sha256[:16] != version:
        raise Http404("No such logo.")
    response = HttpResponse(bytes(logo.content), content_type="image/png")
    # The URL carries the content hash, so a new logo gets a new URL and this one never changes.
    response["Cache-Control"] = f"public, max-age={LOGO_CACHE_SECONDS}, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
