"""Reads for the console's transaction page: the transaction and everything that happened to it,
as one timeline in the order it happened.

A fixed number of queries whatever the history's length: the transaction, then its failures,
attempts, payment mismatches, messages and webhooks, one query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Prefetch

from accounts.models import Organization
from messaging.models import NotificationLog
from payments.enums import GatewayMode
from payments.models import WebhookEvent
from recovery.enums import OPEN_STATUSES, TransactionStatus
from recovery.models import FailureEvent, PaymentMismatch, Transaction
from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt


class EntryKind(StrEnum):
    FAILURE = "failure"
    ATTEMPT = "attempt"
    MESSAGE = "message"
    WEBHOOK = "webhook"
    MISMATCH = "mismatch"
    PAYMENT = "payment"
    PAUSED = "paused"
    RESTARTED = "restarted"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened (or, for a scheduled attempt, will), and the row that says so."""

    at: datetime
    kind: EntryKind
    row: Any = None
    # Ties (a failure and the attempt it planned) keep the order things are caused in.
    rank: int = 0


@dataclass(frozen=True)
class TransactionControls:
    """Which of the merchant's controls the transaction's state allows now."""

    send_link: bool
    pause: bool
    resume: bool
    cancel: bool
    mark_recovered: bool
    restart: bool


@dataclass(frozen=True)
class TransactionTimeline:
    transaction: Transaction
    entries: list[TimelineEntry]
    controls: TransactionControls
    notifications: list[NotificationLog] = field(default_factory=list)


def transaction_controls(txn: Transaction) -> TransactionControls:
    """The controls as retries.controls and recovery's payment service will take them."""
    is_open = txn.status in OPEN_STATUSES
    paused = txn.recovery_paused_at is not None
    return TransactionControls(
        send_link=is_open,
        pause=is_open and not paused,
        resume=is_open and paused,
        cancel=txn.status != TransactionStatus.RECOVERED and txn.status != TransactionStatus.CANCELLED,
        mark_recovered=txn.status in (*OPEN_STATUSES, TransactionStatus.ABANDONED),
        restart=txn.status == TransactionStatus.ABANDONED,
    )


def _attempt_time(attempt: RecoveryAttempt) -> datetime:
    return attempt.finished_at or attempt.started_at or attempt.scheduled_at


def transaction_timeline(*, organization: Organization, livemode: bool, public_id: str) -> TransactionTimeline | None:
    """The organization's transaction `public_id` in one mode, with its whole story; None if it has none."""
    txn = (
        Transaction.objects.for_org(organization, livemode=livemode)
        .filter(public_id=public_id)
        .prefetch_related(Prefetch("events", queryset=FailureEvent.objects.order_by("occurred_at", "created_at", "id")))
        .prefetch_related(Prefetch("attempts", queryset=RecoveryAttempt.objects.order_by("number")))
        .prefetch_related(Prefetch("payment_mismatches", queryset=PaymentMismatch.objects.order_by("paid_at", "id")))
        .prefetch_related(
            Prefetch(
                "notifications", queryset=NotificationLog.objects.select_related("link").order_by("created_at", "id")
            )
        )
        .first()
    )
    if txn is None:
        return None
    txn.organization = organization
    mode = GatewayMode.LIVE if livemode else GatewayMode.TEST
    webhooks = list(
        WebhookEvent.objects.for_org(organization)
        .filter(payment_reference=txn.transaction_ref, gateway_account__mode=mode)
        .order_by("received_at", "id")
    )
    entries: list[TimelineEntry] = [
        TimelineEntry(at=event.occurred_at, kind=EntryKind.FAILURE, row=event, rank=0) for event in txn.events.all()
    ]
    attempts = list(txn.attempts.all())
    entries += [TimelineEntry(at=_attempt_time(a), kind=EntryKind.ATTEMPT, row=a, rank=2) for a in attempts]
    notifications = list(txn.notifications.all())
    entries += [
        TimelineEntry(at=n.sent_at or n.created_at, kind=EntryKind.MESSAGE, row=n, rank=3) for n in notifications
    ]
    entries += [TimelineEntry(at=w.received_at, kind=EntryKind.WEBHOOK, row=w, rank=1) for w in webhooks]
    entries += [
        TimelineEntry(at=m.paid_at, kind=EntryKind.MISMATCH, row=m, rank=4) for m in txn.payment_mismatches.all()
    ]
    if txn.recovered_at is not None:
        charged = next((a for a in attempts if a.status == AttemptStatus.CHARGED), None)
        entries.append(TimelineEntry(at=txn.recovered_at, kind=EntryKind.PAYMENT, row=charged, rank=5))
    if txn.recovery_paused_at is not None:
        entries.append(TimelineEntry(at=txn.recovery_paused_at, kind=EntryKind.PAUSED, rank=6))
    if txn.recovery_restarted_at is not None:
        entries.append(TimelineEntry(at=txn.recovery_restarted_at, kind=EntryKind.RESTARTED, rank=6))
    entries.sort(key=lambda entry: (entry.at, entry.rank))
    return TransactionTimeline(
        transaction=txn, entries=entries, controls=transaction_controls(txn), notifications=notifications
    )
