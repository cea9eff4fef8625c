from __future__ import annotations

from typing import Any

import factory

from accounts.tests.factories import OrganizationFactory
from payments.crypto import secret_encrypt, secret_hint
from payments.enums import GatewayMode, GatewayProvider
from payments.models import GatewayAccount, WebhookEvent

STRIPE_SECRET_KEY = "sk_test_51QpTinkoTestKey0000000001"
STRIPE_WEBHOOK_SECRET = "whsec_tinkoTestWebhookSecret0001"
RAZORPAY_KEY_ID = "rzp_test_TinkoKey0001"
RAZORPAY_KEY_SECRET = "razorpayTestSecret0001"
RAZORPAY_WEBHOOK_SECRET = "razorpay-webhook-secret-0001"
SANDBOX_SECRET_KEY = "sbx_sk_testSandboxKey0001"
SANDBOX_WEBHOOK_SECRET = "sbx_whsec_testSandboxSecret0001"


class GatewayAccountFactory(factory.django.DjangoModelFactory[GatewayAccount]):
    """An already-validated account (tests of connecting use the service instead)."""

    class Meta:
        model = GatewayAccount

    class Params:
        secret_key = STRIPE_SECRET_KEY
        webhook_secret = STRIPE_WEBHOOK_SECRET

    organization = factory.SubFactory(OrganizationFactory)
    provider = GatewayProvider.STRIPE
    mode = GatewayMode.TEST
    secret_key_ciphertext = factory.LazyAttribute(lambda o: secret_encrypt(o.secret_key))
    secret_key_hint = factory.LazyAttribute(lambda o: secret_hint(o.secret_key))
    webhook_secret_ciphertext = factory.LazyAttribute(lambda o: secret_encrypt(o.webhook_secret))
    webhook_secret_hint = factory.LazyAttribute(lambda o: secret_hint(o.webhook_secret))

    @classmethod
    def stripe(cls, **kwargs: object) -> GatewayAccount:
        return cls.create(**kwargs)

    @classmethod
    def razorpay(cls, **kwargs: object) -> GatewayAccount:
        defaults: dict[str, object] = {
            "provider": GatewayProvider.RAZORPAY,
            "key_id": RAZORPAY_KEY_ID,
            "secret_key": RAZORPAY_KEY_SECRET,
            "webhook_secret": RAZORPAY_WEBHOOK_SECRET,
        }
        return cls.create(**{**defaults, **kwargs})

    @classmethod
    def sandbox(cls, **kwargs: object) -> GatewayAccount:
        defaults: dict[str, object] = {
            "provider": GatewayProvider.SANDBOX,
            "secret_key": SANDBOX_SECRET_KEY,
            "webhook_secret": SANDBOX_WEBHOOK_SECRET,
        }
        return cls.create(**{**defaults, **kwargs})


def inbox_event(account: GatewayAccount, body: dict[str, Any], /, **fields: Any) -> WebhookEvent:
    """An inbox row for `body` (a gateway's event) as the webhook endpoint stores it; `fields` override."""
    defaults: dict[str, Any] = {
        "organization_id": account.organization_id,
        "gateway_account": account,
        "provider": account.provider,
        "event_id": body.get("id", "evt_PqEvent0001"),
        "event_type": body.get("type") or body.get("event"),
        "payload": body,
        "livemode": body.get("livemode") if account.provider == "stripe" else None,
    }
    return WebhookEvent.objects.create(**{**defaults, **fields})
