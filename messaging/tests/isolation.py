"""Messaging's objects for the tenant-isolation suites (accounts/tests/isolation.py): the payer's links
and the admin's read-only rows."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.test import Client

from accounts.models import Organization
from accounts.tests.isolation import PublicVisit, admin_row, public_route
from messaging.enums import OptOutSource
from messaging.models import NotificationLog, RecoveryLink, ReminderOptOut
from messaging.services import recovery_email_send, reminders_stop, reminders_stop_url
from messaging.tests.factories import failed_transaction, issued_link
from messaging.tokens import recovery_link_token, reminders_stop_token

if TYPE_CHECKING:
    from accounts.tests.isolation import ClientResponse

# Well signed, naming no row: only the row decides, never the signature alone.
UNKNOWN_LINK = recovery_link_token("rlk_0000000000000000000000")
UNKNOWN_STOP = reminders_stop_token("ntf_0000000000000000000000")


def _token(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]


def _sent(organization: Organization) -> NotificationLog:
    transaction = failed_transaction(organization=organization)
    return recovery_email_send(transaction=transaction, link=issued_link(transaction=transaction).link)


@public_route("messaging:recovery_link", unknown={"token": UNKNOWN_LINK}, carries_credential=False)
def recovery_link_visit(organization: Organization) -> PublicVisit:
    issued = issued_link(transaction=failed_transaction(organization=organization))

    def open_link(client: Client, path: str) -> ClientResponse:
        return client.get(path)

    return PublicVisit(kwargs={"token": _token(issued.url)}, send=open_link)


@public_route("messaging:reminders_stop", unknown={"token": UNKNOWN_STOP}, carries_credential=False)
def reminders_stop_visit(organization: Organization) -> PublicVisit:
    log = _sent(organization)

    def one_click(client: Client, path: str) -> ClientResponse:
        return client.post(path, {"List-Unsubscribe": "One-Click"})

    return PublicVisit(kwargs={"token": _token(reminders_stop_url(log))}, send=one_click)


@admin_row("messaging.RecoveryLink")
def recovery_link_row(organization: Organization) -> RecoveryLink:
    return issued_link(transaction=failed_transaction(organization=organization)).link


@admin_row("messaging.NotificationLog")
def notification_row(organization: Organization) -> NotificationLog:
    return _sent(organization)


@admin_row("messaging.ReminderOptOut")
def reminder_opt_out_row(organization: Organization) -> ReminderOptOut:
    return reminders_stop(notification=_sent(organization), source=OptOutSource.STOP_PAGE)
