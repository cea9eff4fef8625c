"""The onboarding wizard for a new organization, in test mode: branding → a gateway → an API key →
a test failure watched as it arrives. Resumable: each step is done when what it makes exists, and
the wizard opens at the first one that is not."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import ConsoleRequest, console_view, request_actor, session_livemode_set
from accounts.enums import ApiKeyMode, Role
from accounts.exceptions import ApiKeyLimitError
from accounts.forms import BrandingForm
from accounts.models import ApiKey, Organization, OrganizationLogo
from accounts.selectors import organization_branding
from accounts.services import api_key_create
from accounts.views.settings import branding_save
from payments.enums import GatewayMode, GatewayProvider
from payments.forms import GatewayConnectForm
from payments.models import GatewayAccount
from payments.views.console import gateway_connect_submitted
from recovery.api.events import PAYMENT_FAILED_ENDPOINT
from recovery.api.parsing import parse_failure
from recovery.exceptions import TransactionConflict
from recovery.models import Transaction
from recovery.services.ingest import failure_ingest
from tinko.api import ApiError
from tinko.idempotency import request_fingerprint
from tinko.money import Money

TEMPLATE = "console/onboarding.html"
ARRIVALS_SHOWN = 5


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    url_name: str
    done: bool


def onboarding_steps(*, organization: Organization) -> list[Step]:
    """The wizard's steps and whether each is done (in test mode, where onboarding happens)."""
    branded = bool(organization.display_name or organization.accent_colour) or (
        OrganizationLogo.objects.filter(organization=organization).exists()
    )
    return [
        Step("branding", "Your brand", "console:onboarding_branding", branded),
        Step(
            "gateway",
            "Connect a gateway",
            "console:onboarding_gateway",
            GatewayAccount.objects.for_org(organization).filter(mode=GatewayMode.TEST).exists(),
        ),
        Step(
            "api-key",
            "Create an API key",
            "console:onboarding_api_key",
            ApiKey.objects.for_org(organization).filter(mode=ApiKeyMode.TEST, revoked_at__isnull=True).exists(),
        ),
        Step(
            "test-failure",
            "Send a test failure",
            "console:onboarding_test_failure",
            Transaction.objects.for_org(organization, livemode=False).exists(),
        ),
    ]


def _render(request: ConsoleRequest, current: str, status: int = 200, **context: Any) -> HttpResponseBase:
    steps = onboarding_steps(organization=request.organization)
    index = next(number for number, step in enumerate(steps) if step.key == current)
    following = steps[index + 1] if index + 1 < len(steps) else None
    return render(
        request,
        TEMPLATE,
        {"steps": steps, "current": steps[index], "number": index + 1, "next_step": following, **context},
        status=status,
    )


def _test_mode(request: ConsoleRequest) -> None:
    # Onboarding happens in test mode: what the wizard makes shows when the console shows test data.
    if request.livemode:
        session_livemode_set(request, livemode=False)
        request.livemode = False


@require_GET
@console_view(min_role=Role.ADMIN)
def onboarding(request: ConsoleRequest) -> HttpResponseBase:
    steps = onboarding_steps(organization=request.organization)
    first_open = next((step for step in steps if not step.done), None)
    if first_open is None:
        messages.success(request, "Tinko is set up: your test failure is in. Switch to live data when you are ready.")
        return redirect("console:home")
    return redirect(first_open.url_name)


@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def onboarding_branding(request: ConsoleRequest) -> HttpResponseBase:
    organization = request.organization
    has_logo = organization_branding(organization=organization).logo_url is not None
    initial = {name: getattr(organization, name) for name in ("display_name", "accent_colour", "support_email")}
    form = BrandingForm(request.POST or None, request.FILES or None, has_logo=has_logo, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            branding_save(request, form)
            return redirect("console:onboarding_gateway")
        return _render(request, "branding", status=422, form=form)
    return _render(request, "branding", form=form)


@never_cache
@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def onboarding_gateway(request: ConsoleRequest) -> HttpResponseBase:
    _test_mode(request)
    form = GatewayConnectForm(request.POST or None, livemode=False, initial={"provider": GatewayProvider.SANDBOX})
    if request.method == "POST":
        connected = gateway_connect_submitted(request, form, mode=GatewayMode.TEST)
        if connected is None:
            return _render(request, "gateway", status=422, form=form)
        messages.success(request, f"{connected.account.get_provider_display()} connected in test mode.")
        if connected.generated_webhook_secret:
            # Shown once, here: the next step is a redirect.
            return _render(request, "gateway", form=form, connected=connected)
        return redirect("console:onboarding_api_key")
    return _render(request, "gateway", form=form)


@never_cache
@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def onboarding_api_key(request: ConsoleRequest) -> HttpResponseBase:
    _test_mode(request)
    issued = None
    error = ""
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:80] or "Test key"
        try:
            issued = api_key_create(
                organization=request.organization,
                name=name,
                mode=ApiKeyMode.TEST,
                role=Role.ADMIN,
                created_by=request.user,
                actor=request_actor(request),
            )
        except ApiKeyLimitError as exc:
            error = exc.message
    # The new key's secret is in this response and nowhere else: it is never cached or redirected to.
    return _render(request, "api-key", status=422 if error else 200, issued=issued, key_error=error)


def _sample_payload(request: ConsoleRequest) -> dict[str, Any]:
    organization = request.organization
    currency = organization.default_currency
    sandbox = GatewayAccount.objects.for_org(organization).filter(mode=GatewayMode.TEST).order_by("-connected_at")
    account = sandbox.first()
    return {
        "transaction_ref": f"test-{secrets.token_hex(4)}",
        "amount": Money.from_decimal("2499", currency).amount,
        "currency": currency,
        "gateway": account.provider if account else "other",
        "failure_code": "insufficient_funds",
        "failure_message": "Your card has insufficient funds.",
        "payment_method_type": "card",
        "customer": {"email": request.user.email, "name": "Test payer"},
    }


def _curl(payload: dict[str, Any]) -> str:
    body = json.dumps(payload, indent=2, ensure_ascii=False).replace("'", "'\\''")
    return (
        f"curl {settings.PUBLIC_BASE_URL}{reverse('api-events-payment-failed')} \\\n"
        '  -H "Authorization: Bearer $TINKO_TEST_KEY" \\\n'
        f'  -H "Idempotency-Key: {secrets.token_hex(8)}" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d '{body}'"
    )


def _arrivals(request: ConsoleRequest) -> list[Transaction]:
    return list(
        Transaction.objects.for_org(request.organization, livemode=False).order_by("-created_at", "-pk")[
            :ARRIVALS_SHOWN
        ]
    )


@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def onboarding_test_failure(request: ConsoleRequest) -> HttpResponseBase:
    _test_mode(request)
    error = ""
    if request.method == "POST":
        payload = _sample_payload(request)
        key = f"console-{secrets.token_hex(12)}"
        fingerprint = request_fingerprint(endpoint=PAYMENT_FAILED_ENDPOINT, payload=payload)
        try:
            failure = parse_failure(payload, idempotency_key=key, request_fingerprint=fingerprint)
            failure_ingest(organization=request.organization, livemode=False, failure=failure)
        except (ApiError, TransactionConflict) as exc:
            error = str(exc)
        else:
            messages.success(request, f"Test failure {payload['transaction_ref']} sent.")
            return redirect("console:onboarding_test_failure")
    return _render(
        request,
        "test-failure",
        status=422 if error else 200,
        curl=_curl(_sample_payload(request)),
        arrivals=_arrivals(request),
        send_error=error,
        started_at=timezone.now(),
    )


@require_GET
@console_view(min_role=Role.ADMIN)
def onboarding_arrivals(request: ConsoleRequest) -> HttpResponseBase:
    """The test failures that arrived, for the wizard's live list (htmx polls it)."""
    _test_mode(request)
    return render(request, f"{TEMPLATE}#arrivals", {"arrivals": _arrivals(request)})
