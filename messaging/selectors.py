"""Reads for messaging: links and messages behind payer tokens, and whether reminders may go out."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import Organization
from messaging.enums import LinkState, LinkStatus
from messaging.models import NotificationLog, RecoveryLink, ReminderOptOut
from messaging.tokens import recovery_link_token_read, reminders_stop_token_read
from recovery.enums import TransactionStatus
from recovery.models import Transaction

# A link stops working once its transaction is settled one way or another.
LINK_DEAD_TRANSACTION_STATUSES = frozenset(
    {TransactionStatus.RECOVERED, TransactionStatus.CANCELLED, TransactionStatus.ABANDONED}
)


def recovery_link_find(*, token: str) -> RecoveryLink | None:
    """The link a genuine token names, whatever its state (with its transaction and organization);
    None for a token Tinko did not sign, or a link of an organization being deleted."""
    public_id = recovery_link_token_read(token)
    if public_id is None:
        return None
    # An organization being deleted shows nothing more, as if it had never been.
    return (
        RecoveryLink.objects.select_related("transaction", "organization")
        .filter(public_id=public_id, organization__deletion_started_at__isnull=True)
        .first()
    )


def recovery_link_state(*, link: RecoveryLink, now: datetime) -> LinkState:
    """Whether the link works now, or why not; a settled transaction says so before the link's own state."""
    if link.status == LinkStatus.USED:
        return LinkState.USED
    if link.transaction.status in LINK_DEAD_TRANSACTION_STATUSES:
        return LinkState.CLOSED
    if link.status == LinkStatus.REVOKED:
        return LinkState.REVOKED
    if link.status == LinkStatus.EXPIRED or link.is_past_expiry(now=now):
        return LinkState.EXPIRED
    return LinkState.USABLE


def notification_find_by_stop_token(*, token: str) -> NotificationLog | None:
    """The message whose stop link carries `token` (with its transaction and organization); None if
    forged, or of an organization being deleted."""
    public_id = reminders_stop_token_read(token)
    if public_id is None:
        return None
    return (
        NotificationLog.objects.select_related("transaction", "organization")
        .filter(public_id=public_id, organization__deletion_started_at__isnull=True)
        .first()
    )


def reminders_stopped(*, transaction: Transaction) -> bool:
    """Whether the payer asked for no more reminders about `transaction`."""
    return ReminderOptOut.objects.filter(transaction=transaction).exists()


# --- the console's message log -----------------------------------------------------------------


class InvalidNotificationCursor(ValueError):
    pass


@dataclass(frozen=True)
class NotificationFilters:
    status: str | None = None
    channel: str | None = None
    # The transaction's full reference or public id.
    transaction: str | None = None
    created_gte: datetime | None = None
    created_lt: datetime | None = None


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[NotificationLog]
    next_cursor: str | None


def _cursor_encode(log: NotificationLog) -> str:
    raw = f"{log.created_at.isoformat()}|{log.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|", 1)
        created_at, key = datetime.fromisoformat(created), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidNotificationCursor("Not a page of this list.") from exc
    if created_at.tzinfo is None:
        raise InvalidNotificationCursor("Not a page of this list.")
    return created_at, key


def notification_list(
    *, organization: Organization, livemode: bool, filters: NotificationFilters, limit: int, cursor: str | None = None
) -> NotificationPage:
    """One page of the organization's messages to payers in one mode, newest first (keyset
    pagination on the (organization, livemode, created_at) index), each with its transaction."""
    queryset: QuerySet[NotificationLog] = NotificationLog.objects.for_org(organization, livemode=livemode)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.transaction:
        wanted = filters.transaction.strip()
        named = Transaction.objects.for_org(organization, livemode=livemode).filter(
            Q(transaction_ref=wanted) | Q(public_id=wanted)
        )
        queryset = queryset.filter(transaction__in=named.values("pk"))
    if filters.created_gte:
        queryset = queryset.filter(created_at__gte=filters.created_gte)
    if filters.created_lt:
        queryset = queryset.filter(created_at__lt=filters.created_lt)
    if cursor:
        created_at, key = _cursor_decode(cursor)
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=key))
    rows = list(queryset.select_related("transaction").order_by("-created_at", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return NotificationPage(notifications=rows, next_cursor=_cursor_encode(rows[-1]) if more else None)


def notification_get(*, organization: Organization, livemode: bool, public_id: str) -> NotificationLog | None:
    """One of the organization's messages in one mode, with its transaction and link."""
    return (
        NotificationLog.objects.for_org(organization, livemode=livemode)
        .select_related("transaction", "transaction__organization", "link")
        .filter(public_id=public_id)
        .first()
    )
