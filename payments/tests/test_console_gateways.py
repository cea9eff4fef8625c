"""The console's gateways page: connecting in the console's mode through the key-checking service,
the webhook URL and events shown, re-processing a failed delivery, disconnecting; roles and modes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.access import SESSION_LIVEMODE_KEY, SESSION_ORGANIZATION_KEY
from accounts.enums import Role
from accounts.models import AuditEvent
from accounts.tests.factories import MembershipFactory
from payments.enums import WebhookEventStatus
from payments.models import GatewayAccount, WebhookEvent
from payments.tests.factories import STRIPE_SECRET_KEY, GatewayAccountFactory, inbox_event

pytestmark = pytest.mark.django_db


def _client(role: Role, *, livemode: bool = False) -> tuple[Client, Any]:
    member = MembershipFactory.create(role=role)
    client = Client()
    client.force_login(member.user)
    session = client.session
    session[SESSION_ORGANIZATION_KEY] = member.organization.pk
    session[SESSION_LIVEMODE_KEY] = livemode
    session.save()
    return client, member.organization


def test_connecting_the_sandbox_stores_encrypted_keys_and_shows_the_webhook_url(settings: Any) -> None:
    client, organization = _client(Role.ADMIN)

    response = client.post(reverse("console:gateway_connect"), {"provider": "sandbox"})

    assert response.status_code == 200
    account = GatewayAccount.objects.get(organization=organization)
    assert (account.provider, account.mode) == ("sandbox", "test")
    assert account.secret_key_ciphertext
    assert account.secret_key_hint.startswith("sbx_sk_")
    assert f"/webhooks/sandbox/{account.webhook_endpoint_id}/" in response.content.decode()
    assert AuditEvent.objects.get(organization=organization).action == "gateway_account.connected"


def test_stripe_shows_the_exact_events_to_enable() -> None:
    client, organization = _client(Role.ANALYST)
    GatewayAccountFactory.stripe(organization=organization)

    text = client.get(reverse("console:gateways")).content.decode()

    for event in ("payment_intent.payment_failed", "charge.failed", "invoice.payment_failed", "charge.refunded"):
        assert f"<code>{event}</code>" in text
    assert "Check and connect" not in text


def test_live_mode_refuses_a_test_key_and_the_sandbox_storing_nothing() -> None:
    client, organization = _client(Role.OWNER, livemode=True)

    sandbox = client.post(reverse("console:gateway_connect"), {"provider": "sandbox"})
    test_key = client.post(reverse("console:gateway_connect"), {"provider": "stripe", "secret_key": STRIPE_SECRET_KEY})

    assert (sandbox.status_code, test_key.status_code) == (422, 422)
    assert "The key is a test-mode key, not live." in test_key.content.decode()
    assert not GatewayAccount.objects.filter(organization=organization).exists()
    assert not AuditEvent.objects.filter(organization=organization).exists()


def test_the_page_shows_only_the_mode_the_console_shows() -> None:
    client, organization = _client(Role.ADMIN, livemode=True)
    test_account = GatewayAccountFactory.sandbox(organization=organization)
    inbox_event(test_account, {"id": "evt_test_only", "type": "payment.failed"})

    text = client.get(reverse("console:gateways")).content.decode()

    assert "No gateway connected in live mode yet" in text
    assert "evt_test_only" not in text


def test_a_failed_delivery_is_processed_again_and_the_request_audited(django_capture_on_commit_callbacks: Any) -> None:
    client, organization = _client(Role.ADMIN)
    account = GatewayAccountFactory.stripe(organization=organization)
    delivery = inbox_event(account, {"id": "evt_broken", "type": "charge.failed"}, status=WebhookEventStatus.FAILED)
    done = inbox_event(account, {"id": "evt_done", "type": "charge.failed"}, status=WebhookEventStatus.DONE)

    with django_capture_on_commit_callbacks():
        again = client.post(reverse("console:gateway_delivery_reprocess", args=[account.public_id, "evt_broken"]))
    refused = client.post(reverse("console:gateway_delivery_reprocess", args=[account.public_id, "evt_done"]))

    assert (again.status_code, refused.status_code) == (302, 302)
    delivery.refresh_from_db()
    done.refresh_from_db()
    assert delivery.status != WebhookEventStatus.FAILED
    assert done.status == WebhookEventStatus.DONE
    assert list(AuditEvent.objects.filter(organization=organization).values_list("action", flat=True)) == [
        "webhook_event.reprocessed"
    ]


def test_disconnecting_erases_the_account_and_an_analyst_cannot() -> None:
    admin, organization = _client(Role.ADMIN)
    account = GatewayAccountFactory.stripe(organization=organization)
    analyst = Client()
    analyst.force_login(MembershipFactory.create(organization=organization, role=Role.ANALYST).user)

    refused = analyst.post(reverse("console:gateway_disconnect", args=[account.public_id]))
    assert refused.status_code == 403
    assert GatewayAccount.objects.filter(pk=account.pk).exists()

    done = admin.post(reverse("console:gateway_disconnect", args=[account.public_id]))

    assert done.status_code == 302
    assert not GatewayAccount.objects.filter(pk=account.pk).exists()
    assert not WebhookEvent.objects.filter(gateway_account_id=account.pk).exists()
    assert AuditEvent.objects.get(organization=organization).action == "gateway_account.disconnected"
