"""Two clicks on one method at once, from two servers: one checkout row, one gateway checkout.

Real concurrency needs real connections: each thread has its own database connection, on
PostgreSQL (SQLite takes one writer at a time, so the two cannot race there).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from messaging.models import RecoveryLink
from payments.models import GatewayAccount, SandboxCheckout
from portal.models import PayerCheckout
from portal.services import payer_checkout_open
from portal.tests.factories import issued_link, sandbox_account, sandbox_payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so two clicks cannot race (set DATABASE_URL)",
    ),
]


def test_two_clicks_at_once_open_one_checkout(organization_factory) -> None:
    shop = organization_factory(name="Chai Point", default_currency="INR")
    account = sandbox_account(shop)
    link_id = issued_link(transaction=sandbox_payment(organization=shop)).link.pk
    ready = threading.Barrier(2)
    opened: list[str] = []

    def click() -> None:
        try:
            link = RecoveryLink.objects.select_related("transaction", "organization").get(pk=link_id)
            ready.wait(timeout=10)
            checkout = payer_checkout_open(
                link=link, method="upi", account=GatewayAccount.objects.get(pk=account.pk), language="en"
            )
            opened.append(checkout.url)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(opened) == 2
    assert opened[0] == opened[1]
    assert PayerCheckout.objects.count() == 1
    assert SandboxCheckout.objects.count() == 1
