"""API keys in the console: list, create (the secret shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import ApiKeyMode, Role
from accounts.exceptions import ApiKeyLimitError
from accounts.forms import ApiKeyForm
from accounts.models import ApiKey
from accounts.selectors import api_key_list
from accounts.services import api_key_create, api_key_revoke

TEMPLATE = "console/api_keys.html"


@never_cache
@require_http_methods(["GET", "POST"])
@console_view(min_role=Role.ADMIN)
def api_keys(request: ConsoleRequest) -> HttpResponseBase:
    # A new key is made in the mode the console shows, unless another is chosen.
    initial = {"mode": ApiKeyMode.LIVE if request.livemode else ApiKeyMode.TEST}
    form = ApiKeyForm(request.POST or None, initial=initial)
    issued = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = api_key_create(
                    organization=request.organization,
                    name=form.cleaned_data["name"],
                    mode=form.cleaned_data["mode"],
                    role=form.cleaned_data["role"],
                    created_by=request.user,
                    actor=request_actor(request),
                )
            except ApiKeyLimitError as exc:
                form.add_error(None, exc.message)
            else:
                form = ApiKeyForm(initial=initial)
        if form.errors:
            status = 422
    context = {"form": form, "issued": issued, "keys": api_key_list(organization=request.organization)}
    # The new key's secret is in this response and nowhere else: it is never cached or redirected to.
    template = f"{TEMPLATE}#key-panel" if request.htmx else TEMPLATE
    return render(request, template, context, status=status if not request.htmx else 200)


@require_POST
@console_view(min_role=Role.ADMIN)
def api_key_revoke_view(request: ConsoleRequest, key_id: str) -> HttpResponseBase:
    api_key = get_object_or_404(
        ApiKey.objects.for_org(request.organization).select_related("created_by"), public_id=key_id
    )
    api_key_revoke(api_key=api_key, actor=request_actor(request))
    if request.htmx:
        return render(request, f"{TEMPLATE}#key-row", {"key": api_key})
    messages.success(request, f"The key “{api_key.name}” was revoked; it stops working at once.")
    return redirect("console:api_keys")
