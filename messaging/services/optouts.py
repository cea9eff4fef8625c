"""Stopping reminders: a payer's stop link or their mail program's one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import logging

from django.db import IntegrityError
from django.db import transaction as db_transaction

from messaging.enums import OptOutSource
from messaging.models import NotificationLog, ReminderOptOut
from messaging.tokens import reminders_stop_token, token_url

logger = logging.getLogger(__name__)


def reminders_stop_url(notification: NotificationLog) -> str:
    """The message's stop link, also its List-Unsubscribe URL: the opaque token is all it needs."""
    return token_url(view="messaging:reminders_stop", token=reminders_stop_token(notification.public_id))


def reminders_stop(*, notification: NotificationLog, source: OptOutSource) -> ReminderOptOut:
    """No more reminders about the message's transaction, on any channel. Stopping again (a second
    click, another message's link) keeps the first record and changes nothing."""
    try:
        with db_transaction.atomic():
            opt_out = ReminderOptOut.objects.create(
                organization_id=notification.organization_id,
                livemode=notification.livemode,
                transaction_id=notification.transaction_id,
                notification=notification,
                source=source,
            )
    except IntegrityError:
        existing = ReminderOptOut.objects.filter(transaction_id=notification.transaction_id).first()
        if existing is None:
            raise
        return existing
    logger.info(
        "reminders_stopped",
        extra={
            "org_id": notification.organization.public_id,
            "transaction_id": notification.transaction.public_id,
            "notification_id": notification.public_id,
            "source": source.value,
        },
    )
    return opt_out
