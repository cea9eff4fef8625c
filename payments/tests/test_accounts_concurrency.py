"""Two connects of the same new account at once: one row, one insert, one update, no error.

Real concurrency needs real connections: each thread has its own database connection, on
PostgreSQL (SQLite takes one writer at a time, so the two cannot race there).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from accounts.tests.factories import OrganizationFactory
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.interface import CredentialCheck, GatewayCredentials
from payments.models import GatewayAccount
from payments.services import ConnectedGateway, gateway_account_connect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so two connects cannot race (set DATABASE_URL)",
    ),
]


def test_two_connects_of_a_new_account_at_once_leave_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    organization = OrganizationFactory.create()
    # Both have looked for the account (and found none) before either writes.
    both_checked = threading.Barrier(2)

    def validate_together(self: SandboxAdapter, *, credentials: GatewayCredentials) -> CredentialCheck:
        both_checked.wait(timeout=10)
        return CredentialCheck(display_name="Tinko sandbox")

    monkeypatch.setattr(SandboxAdapter, "validate_credentials", validate_together)
    results: list[ConnectedGateway] = []
    errors: list[BaseException] = []

    def connect(index: int) -> None:
        try:
            results.append(
                gateway_account_connect(
                    organization=organization, provider="sandbox", secret_key=f"sbx_sk_racingConnect000{index}"
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads: list[Any] = [threading.Thread(target=connect, args=(index,)) for index in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(result.created for result in results) == [False, True]
    account = GatewayAccount.objects.get()
    assert {result.account.pk for result in results} == {account.pk}
