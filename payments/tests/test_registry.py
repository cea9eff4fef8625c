"""The registry: adapters by provider slug from settings, the outcome handler loaded on first use."""

import pytest

from payments.exceptions import UnknownProvider
from payments.gateways.razorpay.adapter import RazorpayAdapter
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.gateways.stripe.adapter import StripeAdapter
from payments.interface import GatewayAdapter
from payments.registry import gateway_adapter

# Typed assignments: mypy checks that every adapter satisfies the GatewayAdapter protocol.
ADAPTERS: dict[str, GatewayAdapter] = {
    "stripe": StripeAdapter(),
    "razorpay": RazorpayAdapter(),
    "sandbox": SandboxAdapter(),
}


@pytest.mark.parametrize("provider", sorted(ADAPTERS))
def test_each_provider_slug_loads_its_adapter(provider: str) -> None:
    adapter = gateway_adapter(provider)

    assert type(adapter) is type(ADAPTERS[provider])
    assert adapter.provider == provider
    assert gateway_adapter(provider) is adapter, "loaded once"


def test_an_unknown_provider_is_refused() -> None:
    with pytest.raises(UnknownProvider):
        gateway_adapter("paypal")


def test_the_registry_follows_the_setting(settings) -> None:
    settings.PAYMENTS_GATEWAYS = {"stripe": "payments.gateways.sandbox.adapter.SandboxAdapter"}

    assert isinstance(gateway_adapter("stripe"), SandboxAdapter)
    with pytest.raises(UnknownProvider):
        gateway_adapter("razorpay")


@pytest.mark.django_db
def test_the_outcome_handler_is_imported_lazily_from_the_setting(settings, stripe_account) -> None:
    from payments.gateways.sandbox.webhooks import normalize
    from payments.registry import outcome_deliver
    from payments.tests import recording
    from payments.tests.payloads import fixture

    payload = fixture("sandbox", "payment.failed.json")
    outcome = normalize(event_id=payload["id"], payload=payload)
    assert outcome is not None
    settings.PAYMENTS_OUTCOME_HANDLER = "payments.tests.recording.record_outcome"
    recording.RECEIVED.clear()

    outcome_deliver(outcome=outcome, account=stripe_account)

    assert [(outcome, stripe_account)] == recording.RECEIVED
    recording.RECEIVED.clear()
    settings.PAYMENTS_OUTCOME_HANDLER = "payments.tests.no_such_module.handle"
    with pytest.raises(ModuleNotFoundError):
        outcome_deliver(outcome=outcome, account=stripe_account)
