"""The payer portal's objects for the tenant-isolation suites (accounts/tests/isolation.py): its pages,
reached with the session a link's token opened, and the admin's read-only checkouts."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.test import Client
from django.utils import timezone

from accounts.models import Organization
from accounts.tests.isolation import PublicVisit, admin_row, public_route
from messaging.enums import LinkStatus
from messaging.models import RecoveryLink
from messaging.services import IssuedLink, recovery_link_mark_opened
from payments.models import GatewayAccount
from portal.models import PayerCheckout
from portal.services import payer_checkout_open
from portal.tests.factories import issued_link, sandbox_account, sandbox_payment
from recovery.enums import TransactionStatus
from recovery.models import Transaction

if TYPE_CHECKING:
    from accounts.tests.isolation import ClientResponse

UNKNOWN_LINK = "rlk_0000000000000000000000"
UNKNOWN_CHECKOUT = "pck_0000000000000000000000"


def _issued(organization: Organization) -> IssuedLink:
    """A link already opened once, so that the holder opening it again writes nothing."""
    if not GatewayAccount.objects.filter(organization=organization, provider="sandbox").exists():
        sandbox_account(organization)
    issued = issued_link(transaction=sandbox_payment(organization=organization))
    recovery_link_mark_opened(link=issued.link)
    return issued


def _checkout(issued: IssuedLink) -> PayerCheckout:
    link = RecoveryLink.objects.select_related("transaction", "organization").get(pk=issued.link.pk)
    account = GatewayAccount.objects.get(organization=link.organization, provider="sandbox")
    return payer_checkout_open(link=link, method="card", account=account, language="en")


def _holder(issued: IssuedLink, *, method: str = "get", data: dict[str, str] | None = None):
    """The payer's browser: it opened the emailed link (the session now holds it), then asks `path`."""

    def send(client: Client, path: str) -> ClientResponse:
        client.get(urlsplit(issued.url).path)
        return client.post(path, data or {}) if method == "post" else client.get(path)

    return send


@public_route("portal:pay", unknown={"link_id": UNKNOWN_LINK}, carries_credential=True)
def pay_visit(organization: Organization) -> PublicVisit:
    issued = _issued(organization)
    return PublicVisit(kwargs={"link_id": issued.link.public_id}, send=_holder(issued))


@public_route("portal:checkout", unknown={"link_id": UNKNOWN_LINK}, carries_credential=True)
def checkout_visit(organization: Organization) -> PublicVisit:
    issued = _issued(organization)
    return PublicVisit(
        kwargs={"link_id": issued.link.public_id}, send=_holder(issued, method="post", data={"method": "card"})
    )


@public_route(
    "portal:back", unknown={"link_id": UNKNOWN_LINK, "checkout_id": UNKNOWN_CHECKOUT}, carries_credential=True
)
def back_visit(organization: Organization) -> PublicVisit:
    issued = _issued(organization)
    checkout = _checkout(issued)
    return PublicVisit(
        kwargs={"link_id": issued.link.public_id, "checkout_id": checkout.public_id}, send=_holder(issued)
    )


@public_route(
    "portal:return", unknown={"link_id": UNKNOWN_LINK, "checkout_id": UNKNOWN_CHECKOUT}, carries_credential=True
)
def return_visit(organization: Organization) -> PublicVisit:
    issued = _issued(organization)
    checkout = _checkout(issued)
    return PublicVisit(
        kwargs={"link_id": issued.link.public_id, "checkout_id": checkout.public_id}, send=_holder(issued)
    )


@public_route("portal:receipt", unknown={"link_id": UNKNOWN_LINK}, carries_credential=True)
def receipt_visit(organization: Organization) -> PublicVisit:
    issued = _issued(organization)
    transaction = issued.link.transaction
    Transaction.objects.filter(pk=transaction.pk).update(
        status=TransactionStatus.RECOVERED, recovered_at=timezone.now(), recovered_amount=transaction.amount
    )
    return PublicVisit(kwargs={"link_id": issued.link.public_id}, send=_holder(issued))


@public_route("portal:new_link", unknown={"link_id": UNKNOWN_LINK}, carries_credential=True)
def new_link_visit(organization: Organization) -> PublicVisit:
    issued = _issued(organization)
    past = timezone.now() - timedelta(days=1)
    RecoveryLink.objects.filter(pk=issued.link.pk).update(
        created_at=past - timedelta(days=3), expires_at=past, status=LinkStatus.EXPIRED
    )
    return PublicVisit(kwargs={"link_id": issued.link.public_id}, send=_holder(issued, method="post"))


@admin_row("portal.PayerCheckout")
def payer_checkout_row(organization: Organization) -> PayerCheckout:
    return _checkout(_issued(organization))
