"""API-key authentication for the REST API: `Authorization: Bearer tk_…`."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from accounts.access import client_ip
from accounts.api_key_cache import api_key_authenticate
from accounts.enums import Role, role_at_least
from accounts.models import ApiKey
from accounts.services import api_key_touch
from tinko.ratelimit import Rate, rate_limit_hit


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Sets `request.auth` to the ApiKey and `request.organization` to its organization.

    Failures are counted per client address (`API_AUTH_FAILURE_RATE`); past the limit they are
    answered 429 instead of 401. Good keys are not counted: a success costs nothing more.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            self._refuse(request, "Use 'Authorization: Bearer <api key>'.")
        api_key = api_key_authenticate(plaintext=credential.strip())
        if api_key is None:
            self._refuse(request, "Invalid or revoked API key.")
        api_key_touch(api_key=api_key)
        request.organization = api_key.organization  # type: ignore[attr-defined]
        return AnonymousUser(), api_key

    def _refuse(self, request: Request, message: str) -> NoReturn:
        wait = rate_limit_hit(
            scope="auth_failure",
            ident=client_ip(request) or "unknown",
            rate=Rate.parse(settings.API_AUTH_FAILURE_RATE),
        )
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
        raise exceptions.AuthenticationFailed(message, code="invalid_api_key")

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def request_api_key(request: Request) -> ApiKey:
    """The ApiKey that authenticated `request` (views behind HasApiKey or HasApiKeyRole always have one)."""
    if not isinstance(request.auth, ApiKey):
        raise exceptions.NotAuthenticated()
    return request.auth


class HasApiKey(permissions.BasePermission):
    """The request carries a valid API key."""

    message = "Authentication with an API key is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


class HasApiKeyRole(HasApiKey):
    """The request carries a valid API key whose role reaches the view's `required_role`.

    Every API view declares `required_role` (a test walks the URLs to make sure); a view
    that forgot falls back to admin, so a read-only key is refused rather than let in.
    """

    code = "insufficient_role"
    message = "Authentication with an API key is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        required = getattr(view, "required_role", Role.ADMIN)
        if not role_at_least(request_api_key(request).role, required):
            self.message = "This API key is read-only; use a key with full access."
            return False
        return True


class ApiKeyRateThrottle(throttling.BaseThrottle):
    """Requests per API key (or per client address for unauthenticated calls), in fixed windows
    (`tinko.ratelimit`): one counter increment per request."""

    scope = "api_key"
    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    def __init__(self) -> None:
        self.rate = Rate.parse(str(self.THROTTLE_RATES[self.scope]))
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        ident = f"key:{request.auth.pk}" if isinstance(request.auth, ApiKey) else f"ip:{self.get_ident(request)}"
        self.retry_after = rate_limit_hit(scope=self.scope, ident=ident, rate=self.rate)
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after


def api_key_events_charge(*, api_key: ApiKey, events: int) -> None:
    """Count a batch's events against the key's event rate (`API_EVENT_RATE_LIMIT`), so that a
    batch of a thousand is not one request; raises Throttled (429) past it."""
    wait = rate_limit_hit(
        scope="api_events", ident=f"key:{api_key.pk}", rate=Rate.parse(settings.API_EVENT_RATE_LIMIT), cost=events
    )
    if wait is not None:
        raise exceptions.Throttled(wait=wait)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes API-key authentication in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "tk_test_… / tk_live_…"}
