"""Payments' objects for the tenant-isolation suites (accounts/tests/isolation.py): signed webhook
deliveries for each provider, the sandbox's hosted checkout, and rows for the admin walk."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.test import Client
from django.urls import reverse

from accounts.models import Organization
from accounts.tests.isolation import PublicVisit, admin_row, isolation_factory, public_route
from payments.enums import GatewayProvider, WebhookEventStatus
from payments.gateways.sandbox import consts as sandbox_consts
from payments.gateways.sandbox.webhooks import signature_header
from payments.interface import CheckoutRequest, CustomerDetails, PaymentReferences
from payments.models import GatewayAccount, SandboxCheckout, WebhookEvent
from payments.services import gateway_checkout_create
from payments.tests.factories import GatewayAccountFactory, inbox_event
from payments.tests.payloads import fixture, fixture_bytes, razorpay_signature, stripe_signature
from tinko.money import Money

if TYPE_CHECKING:
    from accounts.tests.isolation import ClientResponse

# The merchant's reference that every failure and success fixture below carries.
FIXTURE_TRANSACTION_REF = "order-1042"


def _stripe_headers(body: bytes, secret: str) -> dict[str, str]:
    return {"HTTP_STRIPE_SIGNATURE": stripe_signature(body, secret, int(time.time()))}


def _razorpay_headers(body: bytes, secret: str) -> dict[str, str]:
    return {
        "HTTP_X_RAZORPAY_SIGNATURE": razorpay_signature(body, secret),
        "HTTP_X_RAZORPAY_EVENT_ID": f"evt_{hashlib.sha256(body).hexdigest()[:14]}",
    }


def _sandbox_headers(body: bytes, secret: str) -> dict[str, str]:
    header = signature_header(body=body, secret=secret, signed_at=int(time.time()))
    return {f"HTTP_{sandbox_consts.SIGNATURE_HEADER.upper().replace('-', '_')}": header}


@dataclass(frozen=True)
class WebhookDelivery:
    """How one provider's gateway signs a delivery, and which of its fixtures fail and then recover
    the payment FIXTURE_TRANSACTION_REF."""

    account: Callable[..., GatewayAccount]
    headers: Callable[[bytes, str], dict[str, str]]
    failure: str
    success: str


WEBHOOK_DELIVERIES: dict[str, WebhookDelivery] = {
    GatewayProvider.STRIPE: WebhookDelivery(
        GatewayAccountFactory.stripe, _stripe_headers, "charge.failed.json", "payment_intent.succeeded.json"
    ),
    GatewayProvider.RAZORPAY: WebhookDelivery(
        GatewayAccountFactory.razorpay, _razorpay_headers, "payment.failed.json", "payment.captured.json"
    ),
    GatewayProvider.SANDBOX: WebhookDelivery(
        GatewayAccountFactory.sandbox, _sandbox_headers, "payment.failed.json", "payment.succeeded.json"
    ),
}


def webhook_secret(organization: Organization) -> str:
    """A webhook secret of this organization's own (the factories' default is shared by all)."""
    return f"whsec_isolated_{organization.public_id}"


def webhook_account(organization: Organization, provider: str) -> GatewayAccount:
    """The organization's test-mode account at `provider`, signing with a secret of its own."""
    existing = GatewayAccount.objects.filter(organization=organization, provider=provider).first()
    return existing or WEBHOOK_DELIVERIES[provider].account(
        organization=organization, webhook_secret=webhook_secret(organization)
    )


def webhook_path(account: GatewayAccount) -> str:
    return reverse(
        "payments:webhook", kwargs={"provider": account.provider, "endpoint_id": account.webhook_endpoint_id}
    )


def webhook_post(client: Client, path: str, *, provider: str, body: bytes, secret: str) -> ClientResponse:
    """POST `body` to `path` signed with `secret` as `provider`'s gateway signs it."""
    headers = WEBHOOK_DELIVERIES[provider].headers(body, secret)
    return client.post(path, data=body, content_type="application/json", **headers)  # type: ignore[arg-type]


def sandbox_checkout_open(
    account: GatewayAccount, *, transaction_ref: str = FIXTURE_TRANSACTION_REF
) -> SandboxCheckout:
    """An open checkout at the sandbox gateway for the merchant's payment `transaction_ref`."""
    session = gateway_checkout_create(
        account=account,
        request=CheckoutRequest(
            amount=Money(49900, "INR"),
            description=f"Order {transaction_ref}",
            idempotency_key=f"checkout-{transaction_ref}",
            references=PaymentReferences(transaction_ref=transaction_ref, link_id="rec_5pQ1"),
            customer=CustomerDetails(email="asha@example.com", name="Asha Rao"),
        ),
    )
    return SandboxCheckout.objects.get(public_id=session.checkout_id)


@public_route(
    "payments:webhook",
    unknown={"provider": GatewayProvider.STRIPE, "endpoint_id": "whep_0000000000000000"},
    carries_credential=True,
)
def webhook_visit(organization: Organization) -> PublicVisit:
    provider = GatewayProvider.STRIPE
    account = webhook_account(organization, provider)
    body = fixture_bytes(provider, WEBHOOK_DELIVERIES[provider].failure)

    def deliver(client: Client, path: str) -> ClientResponse:
        return webhook_post(client, path, provider=provider, body=body, secret=webhook_secret(organization))

    return PublicVisit(kwargs={"provider": provider, "endpoint_id": account.webhook_endpoint_id}, send=deliver)


@public_route("payments:sandbox_checkout", unknown={"checkout_id": "sbxcs_0000000000000000"}, carries_credential=False)
def sandbox_checkout_visit(organization: Organization) -> PublicVisit:
    checkout = sandbox_checkout_open(webhook_account(organization, GatewayProvider.SANDBOX))

    def pay(client: Client, path: str) -> ClientResponse:
        return client.post(path, {"action": "pay"})

    return PublicVisit(kwargs={"checkout_id": checkout.public_id}, send=pay)


@admin_row("payments.GatewayAccount")
def gateway_account_row(organization: Organization) -> GatewayAccount:
    return webhook_account(organization, GatewayProvider.STRIPE)


@admin_row("payments.WebhookEvent")
def webhook_event_row(organization: Organization) -> WebhookEvent:
    account = webhook_account(organization, GatewayProvider.STRIPE)
    body = fixture(GatewayProvider.STRIPE, WEBHOOK_DELIVERIES[GatewayProvider.STRIPE].failure)
    return inbox_event(account, body, status=WebhookEventStatus.FAILED, last_error="Malformed event: KeyError")


@isolation_factory("account_id")
def account_id(organization: Organization) -> str:
    return webhook_account(organization, GatewayProvider.STRIPE).public_id


@isolation_factory("event_id")
def event_id(organization: Organization) -> str:
    account = webhook_account(organization, GatewayProvider.STRIPE)
    body = fixture(GatewayProvider.STRIPE, WEBHOOK_DELIVERIES[GatewayProvider.STRIPE].failure)
    return inbox_event(account, body, status=WebhookEventStatus.FAILED).event_id


@admin_row("payments.SandboxCheckout")
def sandbox_checkout_row(organization: Organization) -> SandboxCheckout:
    return sandbox_checkout_open(webhook_account(organization, GatewayProvider.SANDBOX))
