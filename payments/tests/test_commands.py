"""The demo's sandbox gateway and the sandbox_checkout command a person uses to try the flow."""

import pytest
from django.core.management import CommandError, call_command

from payments.models import GatewayAccount, SandboxCheckout
from payments.services import gateway_account_connect
from tinko.demo import DEMO_ORG_SLUG


@pytest.mark.django_db
def test_load_demo_connects_the_sandbox_once_and_opens_a_checkout_each_time(capsys):
    call_command("load_demo")
    call_command("load_demo")

    account = GatewayAccount.objects.get(organization__slug=DEMO_ORG_SLUG)
    assert (account.provider, account.mode) == ("sandbox", "test")
    checkouts = list(SandboxCheckout.objects.filter(gateway_account=account).order_by("pk"))
    assert [(c.amount, c.currency, c.status) for c in checkouts] == [(49900, "INR", "open")] * 2
    out = capsys.readouterr().out
    assert f"/webhooks/sandbox/{account.webhook_endpoint_id}/" in out
    assert f"/sandbox/checkout/{checkouts[-1].public_id}/ (pay it or fail it)" in out


@pytest.mark.django_db
def test_sandbox_checkout_prints_the_checkout_url_last(organization, capsys):
    gateway_account_connect(organization=organization, provider="sandbox")

    call_command("sandbox_checkout", "--org", organization.slug, "--amount", "12.50", "--ref", "order-9")

    checkout = SandboxCheckout.objects.get()
    assert (checkout.amount, checkout.currency, checkout.metadata) == (
        1250,
        "USD",
        {"tinko_transaction_ref": "order-9"},
    )
    assert (
        capsys.readouterr().out.strip().splitlines()[-1]
        == f"http://127.0.0.1:8000/sandbox/checkout/{checkout.public_id}/"
    )


@pytest.mark.django_db
def test_sandbox_checkout_explains_what_is_missing(organization):
    with pytest.raises(CommandError, match="connect_gateway"):
        call_command("sandbox_checkout", "--org", organization.slug, "--amount", "1")
    gateway_account_connect(organization=organization, provider="sandbox")
    with pytest.raises(CommandError, match="Bad amount"):
        call_command("sandbox_checkout", "--org", organization.slug, "--amount", "1.234")
