"""The message log: every message to a payer, filterable, each viewable as the payer saw it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import ConsoleRequest, console_view
from messaging.enums import SuppressionReason
from messaging.models import NotificationLog
from messaging.previews import notification_preview
from messaging.selectors import (
    InvalidNotificationCursor,
    NotificationFilters,
    notification_get,
    notification_list,
)
from retries.views.forms import NotificationFilterForm

TEMPLATE = "console/messages.html"
PREVIEW_TEMPLATE = "console/message.html"
PAGE_SIZE = 50


def message_problem(log: NotificationLog) -> str:
    """Why a message did not go out, in words."""
    if log.error in SuppressionReason.values:
        return str(SuppressionReason(log.error).label)
    return log.error or str(log.get_status_display())


@require_GET
@console_view()
def message_list(request: ConsoleRequest) -> HttpResponseBase:
    form = NotificationFilterForm(request.GET)
    data, since, until = form.filtered(ZoneInfo(str(request.organization.time_zone)))
    filters = NotificationFilters(
        transaction=data.get("transaction") or None,
        status=data.get("status") or None,
        channel=data.get("channel") or None,
        created_gte=since,
        created_lt=until,
    )
    cursor = request.GET.get("cursor") or None
    try:
        page = notification_list(
            organization=request.organization,
            livemode=request.livemode,
            filters=filters,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
    except InvalidNotificationCursor:
        cursor = None
        page = notification_list(
            organization=request.organization, livemode=request.livemode, filters=filters, limit=PAGE_SIZE
        )
    query: QueryDict = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "first_page": bool(cursor),
        "filtered": any(value for name, value in request.GET.items() if name != "cursor"),
        "time_zone": str(request.organization.time_zone),
    }
    template = f"{TEMPLATE}#results" if request.htmx else TEMPLATE
    return render(request, template, context)


@require_GET
@console_view()
def message_detail(request: ConsoleRequest, notification_id: str) -> HttpResponseBase:
    log = notification_get(organization=request.organization, livemode=request.livemode, public_id=notification_id)
    if log is None:
        raise Http404("No such message in this organization's data.")
    context = {
        "log": log,
        "preview": notification_preview(log=log),
        "problem": message_problem(log) if log.error else "",
        "time_zone": str(request.organization.time_zone),
    }
    return render(request, PREVIEW_TEMPLATE, context)
