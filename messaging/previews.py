"""A message as the payer saw it, rendered again from what its log row and transaction keep.

A message is not stored whole (an email is kilobytes, and a payer's address is never kept): its
log row keeps the language, the masked address and the link; the transaction keeps the amount and
its failures, so the category the copy was chosen by is the one of the last failure before the
send. The merchant's branding is read as it is now. Links are taken out: opening the pay link
from the console would count as the payer's visit, and the stop link would stop their reminders.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from messaging.enums import Template
from messaging.models import NotificationLog
from messaging.services import recovery_email_render, recovery_link_url, reminders_stop_url
from recovery.models import FailureEvent

# Where the payer had the pay and stop links; a fragment goes nowhere.
INERT_LINK = "#link-removed"


@dataclass(frozen=True)
class MessagePreview:
    subject: str
    text: str
    html: str
    language: str


def notification_preview(*, log: NotificationLog) -> MessagePreview | None:
    """The message `log` records, as the payer saw it, its links made inert; None when it cannot be
    rendered again (its link is gone)."""
    if log.template != Template.RECOVERY or log.link is None:
        return None
    transaction = copy.copy(log.transaction)
    category_then = (
        FailureEvent.objects.filter(transaction_id=transaction.pk, occurred_at__lte=log.created_at)
        .order_by("-occurred_at")
        .values_list("category", flat=True)
        .first()
    )
    if category_then:
        transaction.category = category_then
    message = recovery_email_render(log=log, transaction=transaction)
    links = (f"{recovery_link_url(log.link)}?lang={log.language}", reminders_stop_url(log))
    text, html = message.text, message.html
    for url in links:
        text = text.replace(url, INERT_LINK)
        html = html.replace(url, INERT_LINK)
    return MessagePreview(subject=message.subject, text=text, html=html, language=log.language)
