"""The payments part of `load_demo`: a connected sandbox gateway and an open checkout to try."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from accounts.models import Organization
from payments.enums import GatewayProvider
from payments.interface import CheckoutRequest, CustomerDetails, PaymentReferences
from payments.services import gateway_account_connect, gateway_checkout_create
from tinko.money import Money


@dataclass(frozen=True)
class DemoGateway:
    webhook_url: str
    checkout_url: str


def demo_gateway_load(*, organization: Organization) -> DemoGateway:
    """Connect the sandbox gateway (keeping its secrets if already connected) and open a fresh checkout."""
    connected = gateway_account_connect(organization=organization, provider=GatewayProvider.SANDBOX)
    reference = f"demo-{secrets.token_hex(3)}"
    session = gateway_checkout_create(
        account=connected.account,
        request=CheckoutRequest(
            amount=Money(49900, organization.default_currency),
            description="Demo order: annual plan",
            idempotency_key=f"demo-checkout-{reference}",
            references=PaymentReferences(transaction_ref=reference),
            customer=CustomerDetails(email="payer@example.com", name="Priya Payer"),
        ),
    )
    return DemoGateway(webhook_url=connected.webhook_url, checkout_url=session.url)
