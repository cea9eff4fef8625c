"""Who may open what in the console, and which organization a request acts for.

Every console view is wrapped in `console_view(min_role=...)`: it signs the person in,
finds their membership of the organization chosen in the session (never from a URL or
form parameter), refuses roles below `min_role` with 403, and hands the view a
`ConsoleRequest` with `organization`, `membership` and `livemode` (whether the console shows
the organization's live data or its test data) set. API views say
`required_role = Role.…` and `accounts.authentication.HasApiKeyRole` checks the key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from accounts.enums import Role, role_at_least
from accounts.models import Invitation, Membership, Organization, User
from accounts.selectors import api_key_live_exists, membership_current
from accounts.services import Actor

P = ParamSpec("P")
SESSION_ORGANIZATION_KEY = "tinko_organization_id"
SESSION_INVITATION_KEY = "tinko_invitation_id"
SESSION_LIVEMODE_KEY = "tinko_livemode"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class SignedInRequest(HtmxHttpRequest):
    user: User


class ConsoleRequest(SignedInRequest):
    organization: Organization
    membership: Membership
    livemode: bool


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address as allauth's rate limits see it (honouring TRUSTED_PROXY_COUNT)."""
    try:
        return get_account_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


def request_actor(request: HttpRequest) -> Actor:
    """The signed-in person behind `request`, and their address, for the audit log."""
    user = request.user if request.user.is_authenticated else None
    return Actor(user=user, ip_address=client_ip(request))


def session_organization_set(request: HttpRequest, organization: Organization) -> None:
    """Make `organization` the one the console shows (the caller checked the membership)."""
    request.session[SESSION_ORGANIZATION_KEY] = organization.pk
    request.session.pop(SESSION_LIVEMODE_KEY, None)


def session_livemode_set(request: HttpRequest, *, livemode: bool) -> None:
    """Show the organization's live data (else its test data) until changed or another organization is chosen."""
    request.session[SESSION_LIVEMODE_KEY] = livemode


def _session_livemode(request: HttpRequest, organization: Organization) -> bool:
    chosen = request.session.get(SESSION_LIVEMODE_KEY)
    if isinstance(chosen, bool):
        return chosen
    # Until someone chooses: live data once the organization has a live key, test data before.
    livemode = api_key_live_exists(organization=organization)
    session_livemode_set(request, livemode=livemode)
    return livemode


def invitation_pending_set(request: HttpRequest, invitation: Invitation) -> None:
    """Remember, for the sign-up that may follow, that this visitor opened a valid invitation link."""
    request.session[SESSION_INVITATION_KEY] = invitation.public_id


def invitation_pending(request: HttpRequest) -> Invitation | None:
    """The still-open invitation this visitor opened, if any."""
    public_id = request.session.get(SESSION_INVITATION_KEY)
    if not public_id:
        return None
    invitation = Invitation.objects.select_related("organization").filter(public_id=public_id).first()
    if invitation is None or not invitation.is_open(now=timezone.now()):
        return None
    return invitation


def invitation_pending_clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_INVITATION_KEY, None)


def _to_login(request: HttpRequest) -> HttpResponseBase:
    if getattr(request, "htmx", False):
        # htmx would swap the sign-in page into a fragment; send the whole window there instead.
        return HttpResponseClientRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")
    return redirect_to_login(request.get_full_path())


def signed_in_view(
    view: Callable[Concatenate[SignedInRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """For the few console views that need a signed-in person but no organization yet."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return _to_login(request)
        return view(cast(SignedInRequest, request), *args, **kwargs)

    wrapped.console_min_role = None  # type: ignore[attr-defined]
    return wrapped


def console_view(
    *, min_role: Role = Role.ANALYST
) -> Callable[
    [Callable[Concatenate[ConsoleRequest, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Wrap a console view: signed in, a member of the session's organization, at least `min_role`."""

    def decorator(
        view: Callable[Concatenate[ConsoleRequest, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return _to_login(request)
            chosen = request.session.get(SESSION_ORGANIZATION_KEY)
            membership = membership_current(user=request.user, organization_id=chosen)
            if membership is None:
                return redirect("console:organization_new")
            if chosen != membership.organization_id:
                # The chosen organization is gone (or none was chosen): fall back to the first.
                session_organization_set(request, membership.organization)
            console_request = cast(ConsoleRequest, request)
            console_request.organization = membership.organization
            console_request.membership = membership
            console_request.livemode = _session_livemode(request, membership.organization)
            if not role_at_least(membership.role, min_role):
                raise PermissionDenied(f"This page is for the {min_role.label.lower()} role and above.")
            return view(console_request, *args, **kwargs)

        wrapped.console_min_role = min_role  # type: ignore[attr-defined]
        return wrapped

    return decorator
