"""Gateway outcomes change only the organization whose endpoint received them: a success delivered
to organization A never recovers B's transaction with the same reference, amount and currency, for
every provider; paying A's sandbox checkout recovers A's transaction and nothing of B's."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Organization
from accounts.tests.factories import OrganizationFactory
from accounts.tests.isolation import MARKER, organization_rows
from payments.enums import GatewayProvider
from payments.gateways.sandbox import gateway as sandbox_gateway
from payments.tests.isolation import (
    FIXTURE_TRANSACTION_REF,
    WEBHOOK_DELIVERIES,
    sandbox_checkout_open,
    webhook_account,
    webhook_path,
    webhook_post,
    webhook_secret,
)
from payments.tests.payloads import fixture_bytes
from recovery.enums import TransactionStatus
from recovery.models import Transaction


@pytest.fixture(autouse=True)
def _recovery_handles_outcomes(settings: Any) -> None:
    settings.PAYMENTS_OUTCOME_HANDLER = "recovery.gateway_events.payment_outcome_handle"


def _status(organization: Organization) -> str | None:
    found = Transaction.objects.filter(organization=organization, transaction_ref=FIXTURE_TRANSACTION_REF).first()
    return found.status if found else None


@pytest.mark.django_db
@pytest.mark.parametrize("provider", list(GatewayProvider.values))
def test_a_success_delivered_to_a_recovers_only_as_transaction_of_that_reference(
    provider: str, django_capture_on_commit_callbacks
) -> None:
    org_a, org_b, org_c = (
        OrganizationFactory.create(),
        OrganizationFactory.create(name=MARKER),
        OrganizationFactory.create(),
    )
    account_a, account_b, account_c = (webhook_account(org, provider) for org in (org_a, org_b, org_c))
    failure = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].failure)
    success = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].success)

    def deliver(account: Any, body: bytes) -> None:
        secret = webhook_secret(account.organization)
        with django_capture_on_commit_callbacks(execute=True):
            response = webhook_post(Client(), webhook_path(account), provider=provider, body=body, secret=secret)
        assert response.json() == {"received": True, "duplicate": False}

    deliver(account_b, failure)
    before = organization_rows(org_b)

    deliver(account_c, success)  # C never saw this payment fail
    deliver(account_a, failure)
    deliver(account_a, success)

    assert [_status(org) for org in (org_a, org_b, org_c)] == [
        TransactionStatus.RECOVERED,
        TransactionStatus.FAILED,
        None,
    ]
    assert organization_rows(org_b) == before


class _TinkoOverHttp:
    """requests.post for the sandbox gateway's deliveries: to Tinko's test client instead of the network."""

    def __init__(self) -> None:
        self.client = Client()

    def __call__(self, url: str, *, data: bytes, headers: dict[str, str], **_: Any) -> Any:
        assert url.startswith(settings.PUBLIC_BASE_URL)
        extra = {name: value for name, value in headers.items() if name != "Content-Type"}
        return self.client.post(
            url.removeprefix(settings.PUBLIC_BASE_URL), data=data, content_type="application/json", headers=extra
        )


@pytest.mark.django_db
def test_paying_as_sandbox_checkout_recovers_as_transaction_and_nothing_of_b(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    provider = GatewayProvider.SANDBOX
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    account_a, account_b = webhook_account(org_a, provider), webhook_account(org_b, provider)
    checkout_a = sandbox_checkout_open(account_a)
    sandbox_checkout_open(account_b)
    monkeypatch.setattr(sandbox_gateway.requests, "post", _TinkoOverHttp())
    failure = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].failure)
    for account in (account_a, account_b):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_post(
                Client(),
                webhook_path(account),
                provider=provider,
                body=failure,
                secret=webhook_secret(account.organization),
            )
    before = organization_rows(org_b)

    with django_capture_on_commit_callbacks(execute=True):
        paid = Client().post(f"/sandbox/checkout/{checkout_a.public_id}/", {"action": "pay"})

    assert paid.status_code == 302
    assert (_status(org_a), _status(org_b)) == (TransactionStatus.RECOVERED, TransactionStatus.FAILED)
    assert organization_rows(org_b) == before
