"""Django admin behind the same sign-in as the console: allauth's login (rate limits, two-factor,
audit), and only for staff who have two-factor sign-in set up."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def _has_two_factor(user: Any) -> bool:
    # Imported here: this module is loaded while the app registry is being populated.
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


class TinkoAdminSite(admin.AdminSite):
    """The admin site, reached through allauth's login; staff need an authenticator app
    (ADMIN_REQUIRE_MFA) because a superuser sees every organization."""

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_MFA or _has_two_factor(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Send the sign-in to allauth (keeping `next`); no password is ever checked here."""
        index = reverse("admin:index", current_app=self.name)
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or index
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
            next_url = index
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if user.is_active and user.is_staff:
            messages.info(request, "Set up two-factor sign-in with an authenticator app to use the admin.")
            return redirect("mfa_activate_totp")
        raise PermissionDenied


class ActionsNeedChangePermission(admin.ModelAdmin):
    """For other packages' ModelAdmins whose actions write without naming a permission (django-celery-beat
    enables, disables and runs tasks; allauth marks addresses verified): Django offers such an action to
    anyone who may view the list, so here it is offered only to staff who may change the model."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            return actions
        return {
            name: action
            for name, action in actions.items()
            if action is not None and hasattr(action[0], "allowed_permissions")
        }


class TinkoAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.TinkoAdminSite"
