"""A payer with a recovery link at the sandbox gateway, and the sandbox's events delivered as a gateway would."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from messaging.services import IssuedLink
from messaging.tests.factories import failed_transaction, issued_link
from payments.crypto import secret_decrypt
from payments.gateways.sandbox import consts as sandbox_consts
from payments.gateways.sandbox.webhooks import signature_header
from payments.models import GatewayAccount, SandboxEvent
from payments.tests.factories import GatewayAccountFactory
from recovery.models import Transaction


def sandbox_account(organization: Organization) -> GatewayAccount:
    return GatewayAccountFactory.sandbox(organization=organization)


def sandbox_payment(*, organization: Organization, **overrides: Any) -> Transaction:
    """₹1,00,000 whose card failed at Stripe for insufficient funds (the classifier offers UPI and
    netbanking first), at a merchant whose test-mode account is the sandbox: the page pays it there."""
    return failed_transaction(organization=organization, **overrides)


def link_path(issued: IssuedLink) -> str:
    return urlsplit(issued.url).path


def opened(client: Client, issued: IssuedLink, **query: str) -> str:
    """Open the emailed link in `client`; the token-free pay page's path."""
    response = client.get(link_path(issued), query)
    assert response.status_code == 302, response.status_code
    return str(response["Location"])


def sandbox_events_deliver(client: Client) -> int:
    """POST every undelivered sandbox event, freshly signed, to its account's webhook endpoint."""
    delivered = 0
    for event in (
        SandboxEvent.objects.select_related("gateway_account").filter(delivered_at__isnull=True).order_by("pk")
    ):
        account = event.gateway_account
        body = event.body.encode()
        signature = signature_header(
            body=body,
            secret=secret_decrypt(account.webhook_secret_ciphertext),
            signed_at=int(timezone.now().timestamp()),
        )
        response = client.post(
            reverse("payments:webhook", args=[account.provider, account.webhook_endpoint_id]),
            data=body,
            content_type="application/json",
            headers={sandbox_consts.SIGNATURE_HEADER: signature},
        )
        assert response.status_code == 200, response.content
        SandboxEvent.objects.filter(pk=event.pk).update(delivered_at=timezone.now())
        delivered += 1
    return delivered


@dataclass(frozen=True)
class _Answered:
    status_code: int


def sandbox_posts_through(client: Client) -> Callable[..., _Answered]:
    """A stand-in for `requests.post` in the sandbox gateway: its webhook deliveries go to this Django
    test client instead of a socket (tests never reach the network)."""

    def post(url: str, *, data: bytes, headers: dict[str, str], **_: Any) -> _Answered:
        response = client.post(urlsplit(url).path, data=data, content_type="application/json", headers=headers)
        return _Answered(status_code=response.status_code)

    return post


def event_types() -> list[str]:
    return [json.loads(body)["type"] for body in SandboxEvent.objects.order_by("pk").values_list("body", flat=True)]


__all__ = ["issued_link", "sandbox_account", "sandbox_payment"]
