"""The console's gateways page: connect Stripe, Razorpay or the sandbox in the mode the console
shows, the webhook URL and the events to enable, recent deliveries and re-processing a failed one,
replacing keys and disconnecting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role, role_at_least
from payments.enums import GatewayMode
from payments.exceptions import GatewayCredentialsInvalid, GatewayError, UnknownProvider
from payments.forms import GatewayConnectForm
from payments.models import GatewayAccount, WebhookEvent
from payments.selectors import gateway_accounts_shown, webhook_deliveries_recent
from payments.services import (
    ConnectedGateway,
    gateway_account_connect,
    gateway_account_disconnect,
    webhook_event_requeue,
)

TEMPLATE = "console/gateways.html"


def _mode(request: ConsoleRequest) -> str:
    return GatewayMode.LIVE if request.livemode else GatewayMode.TEST


def gateway_connect_submitted(
    request: ConsoleRequest, form: GatewayConnectForm, *, mode: str
) -> ConnectedGateway | None:
    """Connect the organization's gateway with the keys of the submitted `form` (this page's and
    onboarding's); None, the reason on the form, when it is invalid, the gateway refused the keys
    or could not be reached."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return gateway_account_connect(
            organization=request.organization,
            provider=data["provider"],
            secret_key=data["secret_key"],
            key_id=data["key_id"],
            webhook_secret=data["webhook_secret"],
            mode=mode,
            actor=request_actor(request),
        )
    except (GatewayCredentialsInvalid, UnknownProvider) as exc:
        form.add_error(None, str(exc))
    except GatewayError as exc:
        form.add_error(None, f"Could not reach the gateway to check the keys ({exc}). Try again in a minute.")
    return None


def _account(request: ConsoleRequest, account_id: str) -> GatewayAccount:
    return get_object_or_404(
        GatewayAccount.objects.for_org(request.organization).select_related("organization"), public_id=account_id
    )


def _page(
    request: ConsoleRequest,
    *,
    form: GatewayConnectForm | None = None,
    connected: ConnectedGateway | None = None,
    status: int = 200,
) -> HttpResponseBase:
    mode = _mode(request)
    context: dict[str, Any] = {
        "accounts": gateway_accounts_shown(organization=request.organization, mode=mode),
        "deliveries": webhook_deliveries_recent(organization=request.organization, mode=mode),
        "form": form or GatewayConnectForm(livemode=request.livemode),
        "connected": connected,
        "mode": mode,
        "can_manage": role_at_least(request.membership.role, Role.ADMIN),
    }
    if request.htmx and request.htmx.target == "deliveries":
        return render(request, f"{TEMPLATE}#deliveries", context)
    return render(request, TEMPLATE, context, status=status)


@require_GET
@console_view()
def gateways(request: ConsoleRequest) -> HttpResponseBase:
    return _page(request)


@never_cache
@require_POST
@console_view(min_role=Role.ADMIN)
def gateway_connect(request: ConsoleRequest) -> HttpResponseBase:
    form = GatewayConnectForm(request.POST, livemode=request.livemode)
    connected = gateway_connect_submitted(request, form, mode=_mode(request))
    if connected is None:
        return _page(request, form=form, status=422)
    account = connected.account
    verb = "connected" if connected.created else "updated"
    messages.success(request, f"{account.get_provider_display()} ({account.mode} mode) {verb}.")
    # The page answers the POST itself: a secret Tinko made up is in this response only.
    return _page(request, connected=connected)


@require_POST
@console_view(min_role=Role.ADMIN)
def gateway_disconnect(request: ConsoleRequest, account_id: str) -> HttpResponseBase:
    account = _account(request, account_id)
    gateway_account_disconnect(account=account, actor=request_actor(request))
    messages.success(request, f"{account.get_provider_display()} ({account.mode} mode) disconnected.")
    return redirect("console:gateways")


@require_POST
@console_view(min_role=Role.ADMIN)
def gateway_delivery_reprocess(request: ConsoleRequest, account_id: str, event_id: str) -> HttpResponseBase:
    account = _account(request, account_id)
    delivery = get_object_or_404(
        WebhookEvent.objects.for_org(request.organization), gateway_account=account, event_id=event_id
    )
    if webhook_event_requeue(webhook_event=delivery, actor=request_actor(request)):
        messages.success(request, f"Delivery {delivery.event_id} is being processed again.")
    else:
        messages.error(
            request, f"Delivery {delivery.event_id} did not fail: only failed or ignored ones are re-processed."
        )
    return redirect("console:gateways")
