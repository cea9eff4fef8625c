"""Reads for messaging: links and messages behind payer tokens, and whether reminders may go out."""

from __future__ import annotations

from datetime import datetime

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
