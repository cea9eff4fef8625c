"""The onboarding wizard: resumable steps, each made by the same services as the rest of the
console, ending with a test failure recorded through the ingest service."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.enums import Role
from accounts.models import ApiKey
from accounts.tests.factories import MembershipFactory
from payments.models import GatewayAccount
from recovery.models import Transaction

pytestmark = pytest.mark.django_db


def test_the_wizard_resumes_at_the_first_open_step_and_ends_with_a_test_failure() -> None:
    member = MembershipFactory.create(role=Role.OWNER, organization__default_currency="INR")
    organization = member.organization
    client = Client()
    client.force_login(member.user)

    assert client.get(reverse("console:onboarding"))["Location"] == reverse("console:onboarding_branding")
    client.post(reverse("console:onboarding_branding"), {"display_name": "Chai Point", "payer_language": "en"})
    assert client.get(reverse("console:onboarding"))["Location"] == reverse("console:onboarding_gateway")
    client.post(reverse("console:onboarding_gateway"), {"provider": "sandbox"})
    assert client.get(reverse("console:onboarding"))["Location"] == reverse("console:onboarding_api_key")
    key_page = client.post(reverse("console:onboarding_api_key"), {"name": "Checkout"})
    assert key_page["Cache-Control"].startswith("max-age=0")
    assert "tk_test_" in key_page.content.decode()
    home = client.get(reverse("console:home")).content.decode()
    assert "Set up Tinko" in home
    client.post(reverse("console:onboarding_test_failure"))
    arrivals = client.get(reverse("console:onboarding_arrivals"), headers={"HX-Request": "true"})

    assert GatewayAccount.objects.get(organization=organization).mode == "test"
    assert ApiKey.objects.get(organization=organization).mode == "test"
    txn = Transaction.objects.get(organization=organization)
    assert (txn.livemode, txn.amount, txn.currency, txn.category) == (False, 249900, "INR", "funds")
    assert txn.transaction_ref in arrivals.content.decode()
    assert client.get(reverse("console:onboarding"))["Location"] == reverse("console:home")
    assert "Set up Tinko" not in client.get(reverse("console:home")).content.decode()


def test_an_analyst_is_kept_out_of_the_wizard_and_sees_the_steps_without_links() -> None:
    member = MembershipFactory.create(role=Role.ANALYST)
    client = Client()
    client.force_login(member.user)

    assert client.post(reverse("console:onboarding_test_failure")).status_code == 403
    assert not Transaction.objects.filter(organization=member.organization).exists()
    home = client.get(reverse("console:home")).content.decode()
    assert "Continue setting up" not in home
