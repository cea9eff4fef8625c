"""A transaction's page: what it is, everything that happened to it, and the merchant's controls.

Each control calls the service the API calls (retries.member_actions wraps them with the audit
row); analysts see the page but none of the controls, and are refused if they post anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role, role_at_least
from messaging.enums import NotificationStatus
from messaging.models import NotificationLog
from recovery.enums import PaymentEffect
from recovery.models import Transaction
from retries.controls import ControlResult
from retries.exceptions import RecoveryConflict, TransactionNotFound
from retries.member_actions import (
    Control,
    recovery_control_by_member,
    recovery_link_send_by_member,
    transaction_mark_recovered_by_member,
)
from retries.timeline import TransactionTimeline, transaction_timeline
from retries.views.forms import MarkRecoveredForm
from retries.views.messages import message_problem
from tinko.money import Money

TEMPLATE = "console/transaction.html"

T = TypeVar("T")

_DONE: dict[Control, str] = {
    Control.PAUSE: "Recovery paused: nothing more is scheduled until you resume it.",
    Control.RESUME: "Recovery resumed: the next step is planned from now.",
    Control.CANCEL: "Recovery cancelled: scheduled attempts were cancelled and its links no longer work.",
    Control.RESTART: "Recovery restarted: attempts and the time before giving up count afresh.",
}
_ALREADY: dict[Control, str] = {
    Control.PAUSE: "Recovery was already paused.",
    Control.RESUME: "Recovery is already running.",
    Control.CANCEL: "Recovery was already cancelled.",
    Control.RESTART: "Recovery is already running.",
}


def _timeline(request: ConsoleRequest, transaction_id: str) -> TransactionTimeline:
    timeline = transaction_timeline(
        organization=request.organization, livemode=request.livemode, public_id=transaction_id
    )
    if timeline is None:
        raise Http404("No such transaction in this organization's data.")
    return timeline


def _recovered_form(request: ConsoleRequest, txn: Transaction) -> MarkRecoveredForm:
    zone = ZoneInfo(str(request.organization.time_zone))
    initial = {
        "amount": str(Money(txn.amount, txn.currency).decimal),
        "currency": txn.currency,
        "paid_at": timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None),
    }
    return MarkRecoveredForm(initial=initial, zone=zone)


def _page(
    request: ConsoleRequest,
    timeline: TransactionTimeline,
    *,
    recovered_form: MarkRecoveredForm | None = None,
    status: int = 200,
) -> HttpResponseBase:
    txn = timeline.transaction
    context: dict[str, Any] = {
        "timeline": timeline,
        "txn": txn,
        "controls": timeline.controls,
        "can_act": role_at_least(request.membership.role, Role.ADMIN),
        "recovered_form": recovered_form or _recovered_form(request, txn),
        "time_zone": str(request.organization.time_zone),
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
@console_view()
def transaction_detail(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    return _page(request, _timeline(request, transaction_id))


def _act(
    request: ConsoleRequest,
    transaction_id: str,
    action: Callable[..., T],
    report: Callable[[T], None],
    **params: Any,
) -> HttpResponseBase:
    """Call a member action on the transaction and report its result as a message: an unknown
    transaction is a 404, a refused one an error message; either way back to its page."""
    txn = _timeline(request, transaction_id).transaction
    try:
        result = action(
            organization=request.organization,
            livemode=request.livemode,
            transaction_ref=txn.transaction_ref,
            actor=request_actor(request),
            **params,
        )
    except TransactionNotFound as exc:
        raise Http404(exc.message) from exc
    except RecoveryConflict as exc:
        messages.error(request, exc.message)
    else:
        report(result)
    return redirect("console:transaction", transaction_id=txn.public_id)


def _control(request: ConsoleRequest, transaction_id: str, control: Control) -> HttpResponseBase:
    def report(result: ControlResult) -> None:
        if result.changed:
            messages.success(request, _DONE[control])
        else:
            messages.info(request, _ALREADY[control])

    return _act(request, transaction_id, recovery_control_by_member, report, control=control)


@require_POST
@console_view(min_role=Role.ADMIN)
def transaction_pause(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    return _control(request, transaction_id, Control.PAUSE)


@require_POST
@console_view(min_role=Role.ADMIN)
def transaction_resume(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    return _control(request, transaction_id, Control.RESUME)


@require_POST
@console_view(min_role=Role.ADMIN)
def transaction_cancel(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    return _control(request, transaction_id, Control.CANCEL)


@require_POST
@console_view(min_role=Role.ADMIN)
def transaction_restart(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    return _control(request, transaction_id, Control.RESTART)


@require_POST
@console_view(min_role=Role.ADMIN)
def transaction_send_link(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    def report(log: NotificationLog) -> None:
        if log.status == NotificationStatus.SENT:
            messages.success(request, f"A new recovery link was emailed to {log.recipient_masked}.")
        else:
            messages.error(request, f"The link was made but the email was not sent: {message_problem(log)}.")

    return _act(request, transaction_id, recovery_link_send_by_member, report)


@require_POST
@console_view(min_role=Role.ADMIN)
def transaction_mark_recovered(request: ConsoleRequest, transaction_id: str) -> HttpResponseBase:
    timeline = _timeline(request, transaction_id)
    txn = timeline.transaction
    form = MarkRecoveredForm(request.POST, zone=ZoneInfo(str(request.organization.time_zone)))
    if not form.is_valid():
        messages.error(request, "Check the payment's details below; nothing was recorded.")
        return _page(request, timeline, recovered_form=form, status=422)
    applied = transaction_mark_recovered_by_member(
        organization=request.organization,
        livemode=request.livemode,
        transaction_ref=txn.transaction_ref,
        amount=form.cleaned_data["minor_amount"],
        currency=form.cleaned_data["currency"],
        paid_at=form.cleaned_data["paid_at"],
        note=form.cleaned_data["note"],
        actor=request_actor(request),
    )
    if applied.effect == PaymentEffect.RECOVERED:
        if applied.mismatch is not None:
            messages.success(request, f"Marked recovered, and kept as a payment mismatch: {applied.mismatch.reason}.")
        else:
            messages.success(request, "Marked recovered outside Tinko: what was scheduled was cancelled.")
    elif applied.effect == PaymentEffect.MISMATCH:
        assert applied.mismatch is not None
        messages.error(
            request, f"Not marked recovered: the payment was {applied.mismatch.reason}. It is kept as a mismatch."
        )
    else:
        messages.info(request, "Nothing changed: the transaction was already recovered or cancelled.")
    return redirect("console:transaction", transaction_id=txn.public_id)
