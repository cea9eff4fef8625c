"""/sandbox/checkout/<checkout_id>/ keeps organizations apart: a checkout answers only to its own id,
and whatever the payer does on organization A's checkout writes A's rows and nothing of B's, even
when B has a checkout for the same reference under the same idempotency key."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import OrganizationFactory
from accounts.tests.isolation import MARKER, organization_rows
from payments.enums import GatewayProvider
from payments.models import SandboxEvent, SandboxPayment
from payments.tests.isolation import sandbox_checkout_open, webhook_account

PAYER_ACTIONS = {
    "pay": {"action": "pay"},
    "decline": {"action": "decline", "decline_code": "insufficient_funds"},
    "expire": {"action": "expire"},
}


def _url(checkout_id: str) -> str:
    return f"/sandbox/checkout/{checkout_id}/"


@pytest.mark.django_db
def test_a_checkout_answers_only_to_its_own_id() -> None:
    organization = OrganizationFactory.create(name=MARKER)
    checkout = sandbox_checkout_open(webhook_account(organization, GatewayProvider.SANDBOX))
    Client().post(_url(checkout.public_id), PAYER_ACTIONS["decline"])
    payment = SandboxPayment.objects.get()
    other_ids = {
        "database id": str(checkout.pk),
        "idempotency key": checkout.idempotency_key,
        "gateway account id": checkout.gateway_account.public_id,
        "webhook endpoint id": checkout.gateway_account.webhook_endpoint_id,
        "payment id": payment.public_id,
        "event id": SandboxEvent.objects.get().public_id,
        "organization id": organization.public_id,
        "id in other letter case": checkout.public_id.swapcase(),
        "id with a prefix": f"x{checkout.public_id}",
    }
    before = organization_rows(organization)

    answers = {
        name: (Client().get(_url(value)), Client().post(_url(value), PAYER_ACTIONS["pay"]))
        for name, value in other_ids.items()
    }

    assert {name: (get.status_code, post.status_code) for name, (get, post) in answers.items()} == dict.fromkeys(
        other_ids, (404, 404)
    )
    assert not [name for name, pair in answers.items() if any(MARKER in r.content.decode() for r in pair)]
    assert organization_rows(organization) == before
    assert MARKER in Client().get(_url(checkout.public_id)).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("action", PAYER_ACTIONS)
def test_what_the_payer_does_on_as_checkout_writes_only_as_rows(action: str) -> None:
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    checkout_a = sandbox_checkout_open(webhook_account(org_a, GatewayProvider.SANDBOX))
    checkout_b = sandbox_checkout_open(webhook_account(org_b, GatewayProvider.SANDBOX))
    assert checkout_a.idempotency_key == checkout_b.idempotency_key
    before = organization_rows(org_b)

    response = Client().post(_url(checkout_a.public_id), PAYER_ACTIONS[action])

    assert response.status_code == 302
    assert organization_rows(org_b) == before
    written = {
        *SandboxPayment.objects.values_list("organization_id", "gateway_account_id"),
        *SandboxEvent.objects.values_list("organization_id", "gateway_account_id"),
    }
    assert written == {(org_a.pk, checkout_a.gateway_account_id)}, "A's payment or event, and nothing else"
    assert MARKER not in Client().get(_url(checkout_a.public_id)).content.decode()
