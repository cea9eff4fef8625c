"""Writes for messaging. Import from here: `from messaging.services import recovery_email_send`."""

from messaging.services.email import EmailRequest, recovery_email_render, recovery_email_send, recovery_emails_send
from messaging.services.links import (
    IssuedLink,
    LinkRequest,
    LinkVisit,
    recovery_link_issue,
    recovery_link_mark_opened,
    recovery_link_mark_used,
    recovery_link_open,
    recovery_link_resolve,
    recovery_link_url,
    recovery_links_issue,
    recovery_links_revoke,
    recovery_links_revoke_many,
)
from messaging.services.optouts import reminders_stop, reminders_stop_url

__all__ = [
    "EmailRequest",
    "IssuedLink",
    "LinkRequest",
    "LinkVisit",
    "recovery_email_render",
    "recovery_email_send",
    "recovery_emails_send",
    "recovery_link_issue",
    "recovery_link_mark_opened",
    "recovery_link_mark_used",
    "recovery_link_open",
    "recovery_link_resolve",
    "recovery_link_url",
    "recovery_links_issue",
    "recovery_links_revoke",
    "recovery_links_revoke_many",
    "reminders_stop",
    "reminders_stop_url",
]
