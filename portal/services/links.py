"""A payer whose link expired asks for a new one: it goes to the address on file, never to one typed in."""

from __future__ import annotations

import logging

from django.utils import timezone

from messaging.enums import LinkState
from messaging.exceptions import TransactionClosed
from messaging.models import NotificationLog, RecoveryLink
from messaging.selectors import recovery_link_state
from messaging.services import recovery_email_send, recovery_link_issue
from retries.scheduling import policy_for

logger = logging.getLogger(__name__)


def payer_new_link_send(*, link: RecoveryLink, language: str) -> NotificationLog | None:
    """Issue a fresh link for the expired `link`'s transaction (the organization's link lifetime) and
    email it in `language`; None when the link did not expire (used, revoked, settled, still good)."""
    if recovery_link_state(link=link, now=timezone.now()) != LinkState.EXPIRED:
        return None
    transaction = link.transaction
    try:
        issued = recovery_link_issue(
            transaction=transaction, lifetime=policy_for(organization=transaction.organization).link_lifetime
        )
    except TransactionClosed:
        return None
    log = recovery_email_send(transaction=transaction, link=issued.link, language=language)
    logger.info(
        "payer_new_link_requested",
        extra={"org_id": link.organization_id, "link_id": link.public_id, "notification_id": log.public_id},
    )
    return log
