"""The gateways' API base URLs come from the environment, and the clients call whatever they name."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from payments.gateways.razorpay import client as razorpay_client
from payments.gateways.stripe import client as stripe_client
from payments.selectors import gateway_credentials
from payments.tests.payloads import fixture

READ_BASES = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.PAYMENTS_STRIPE_API_BASE); print(settings.PAYMENTS_RAZORPAY_API_BASE)"
)


def _bases_with(**environment: str) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("STRIPE_API_BASE", "RAZORPAY_API_BASE")}
    env.update(DJANGO_SETTINGS_MODULE="tinko.settings.base", **environment)
    completed = subprocess.run(
        [sys.executable, "-c", READ_BASES],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.splitlines()


def test_the_api_bases_default_to_the_real_gateways() -> None:
    assert _bases_with() == ["https://api.stripe.com", "https://api.razorpay.com"]


def test_the_api_bases_are_read_from_the_environment_without_a_trailing_slash() -> None:
    bases = _bases_with(STRIPE_API_BASE="http://127.0.0.1:12111/", RAZORPAY_API_BASE="http://127.0.0.1:12112")

    assert bases == ["http://127.0.0.1:12111", "http://127.0.0.1:12112"]


@pytest.mark.django_db
def test_the_stripe_client_calls_the_configured_base(fake_gateway, stripe_account) -> None:
    fake_gateway.respond("GET", "/v1/account", fixture("stripe", "api/account.json"))

    account = stripe_client.account_retrieve(gateway_credentials(account=stripe_account))

    assert fake_gateway.url == django_settings.PAYMENTS_STRIPE_API_BASE
    assert account["id"] == fixture("stripe", "api/account.json")["id"]
    assert [(r.method, r.path) for r in fake_gateway.requests] == [("GET", "/v1/account")]


@pytest.mark.django_db
def test_the_razorpay_client_calls_the_configured_base(fake_gateway, razorpay_account) -> None:
    fake_gateway.respond("GET", "/v1/payments", {"entity": "collection", "count": 0, "items": []})

    razorpay_client.payments_list_one(gateway_credentials(account=razorpay_account))

    assert fake_gateway.url == django_settings.PAYMENTS_RAZORPAY_API_BASE
    assert [(r.method, r.path, r.query) for r in fake_gateway.requests] == [("GET", "/v1/payments", {"count": ["1"]})]
