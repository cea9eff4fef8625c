"""/webhooks/<provider>/<endpoint_id>/ keeps organizations apart, for every provider: a delivery
signed for organization A's endpoint lands in A's inbox only and is handed on as A's; A's secret
opens no other endpoint; an endpoint id that names nothing (or a gateway account's other ids, or
an organization being deleted) gets the one "unknown endpoint" answer and stores nothing.

Unknown endpoints answer 404 and bad signatures 400 by design (payments.views.webhook): endpoint
ids are random and unguessable, and a gateway's dashboard needs to tell a wrong URL from a wrong
secret. What the answers must never do is tell one organization from another.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.services import organization_delete
from accounts.tests.factories import OrganizationFactory
from accounts.tests.isolation import MARKER, organization_rows
from payments.enums import GatewayProvider, WebhookEventStatus
from payments.models import WebhookEvent
from payments.tests.isolation import (
    WEBHOOK_DELIVERIES,
    webhook_account,
    webhook_path,
    webhook_post,
    webhook_secret,
)
from payments.tests.payloads import fixture_bytes

PROVIDERS = list(GatewayProvider.values)


def test_the_suite_signs_deliveries_for_every_provider() -> None:
    assert set(WEBHOOK_DELIVERIES) == set(GatewayProvider.values), (
        "Teach payments/tests/isolation.py (WEBHOOK_DELIVERIES) how the new provider signs a delivery."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_event_delivered_to_b_and_then_to_a_lands_once_in_each_inbox_and_is_handed_on_as_theirs(
    provider: str, outcomes, django_capture_on_commit_callbacks
) -> None:
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    account_a, account_b = webhook_account(org_a, provider), webhook_account(org_b, provider)
    body = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].failure)
    with django_capture_on_commit_callbacks(execute=True):
        to_b = webhook_post(
            Client(), webhook_path(account_b), provider=provider, body=body, secret=webhook_secret(org_b)
        )
    before = organization_rows(org_b)

    with django_capture_on_commit_callbacks(execute=True):
        to_a = webhook_post(
            Client(), webhook_path(account_a), provider=provider, body=body, secret=webhook_secret(org_a)
        )

    assert [to_b.json(), to_a.json()] == [{"received": True, "duplicate": False}] * 2
    assert organization_rows(org_b) == before
    event_a = WebhookEvent.objects.get(organization=org_a)
    assert (event_a.gateway_account, event_a.status) == (account_a, WebhookEventStatus.DONE)
    assert [account.organization for _, account in outcomes] == [org_b, org_a]


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_delivery_signed_with_as_secret_to_bs_endpoint_is_refused_like_any_bad_signature(
    provider: str, django_capture_on_commit_callbacks
) -> None:
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    webhook_account(org_a, provider)
    account_b = webhook_account(org_b, provider)
    body = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].failure)
    before = [organization_rows(org_a), organization_rows(org_b)]

    with django_capture_on_commit_callbacks() as callbacks:
        with_as_secret = webhook_post(
            Client(), webhook_path(account_b), provider=provider, body=body, secret=webhook_secret(org_a)
        )
        with_a_guess = webhook_post(
            Client(), webhook_path(account_b), provider=provider, body=body, secret="whsec_a_guess_0001"
        )

    assert with_as_secret.status_code == 400
    assert with_as_secret.content == with_a_guess.content
    assert with_as_secret.json()["error"]["code"] == "signature_mismatch"
    assert MARKER not in with_as_secret.content.decode()
    assert account_b.public_id not in with_as_secret.content.decode()
    assert WebhookEvent.objects.count() == 0
    assert callbacks == []
    assert [organization_rows(org_a), organization_rows(org_b)] == before


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_endpoint_ids_that_name_nothing_get_one_answer_and_store_nothing(
    provider: str, django_capture_on_commit_callbacks
) -> None:
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    webhook_account(org_a, provider)
    account_b = webhook_account(org_b, provider)
    org_gone = OrganizationFactory.create()
    account_gone = webhook_account(org_gone, provider)
    organization_delete(organization=org_gone)
    other_provider = next(other for other in PROVIDERS if other != provider)
    body = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].failure)
    # Each is signed with the secret of the account it points near, so only the address is wrong.
    addresses = {
        "an id never issued": (f"/webhooks/{provider}/whep_0000000000000000/", org_b),
        "B's endpoint under another provider": (f"/webhooks/{other_provider}/{account_b.webhook_endpoint_id}/", org_b),
        "B's account id": (f"/webhooks/{provider}/{account_b.public_id}/", org_b),
        "B's endpoint id in other letter case": (
            f"/webhooks/{provider}/{account_b.webhook_endpoint_id.swapcase()}/",
            org_b,
        ),
        "A's organization id": (f"/webhooks/{provider}/{org_a.public_id}/", org_a),
        "an organization being deleted": (webhook_path(account_gone), org_gone),
    }
    before = [organization_rows(org_a), organization_rows(org_b)]

    with django_capture_on_commit_callbacks() as callbacks:
        answers = {
            name: webhook_post(Client(), path, provider=provider, body=body, secret=webhook_secret(owner))
            for name, (path, owner) in addresses.items()
        }

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(addresses, 404)
    assert len({answer.content for answer in answers.values()}) == 1, "every unknown address gets the same answer"
    assert answers["an id never issued"].json()["error"]["code"] == "unknown_endpoint"
    assert MARKER not in answers["an id never issued"].content.decode()
    assert WebhookEvent.objects.count() == 0
    assert callbacks == []
    assert [organization_rows(org_a), organization_rows(org_b)] == before
