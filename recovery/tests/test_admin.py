"""Django admin: amounts read as money, and the classifier rules fit a laptop screen."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from recovery.models import PaymentMismatch
from recovery.tests.factories import classifier_rule, record_failure

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_transactions_show_their_amounts_as_money_in_the_list_and_on_the_page(
    admin_client: Client, organization
) -> None:
    recorded = record_failure(organization=organization, amount=2499900, currency="INR")

    listing = admin_client.get("/admin/recovery/transaction/").content.decode()
    page = admin_client.get(f"/admin/recovery/transaction/{recorded.transaction.pk}/change/").content.decode()

    assert "₹24,999.00" in listing
    assert "2499900" not in listing
    assert "₹24,999.00" in page
    assert "2499900" not in page


def test_payment_mismatches_show_the_amount_paid_as_money(admin_client: Client, organization) -> None:
    transaction = record_failure(organization=organization, amount=1999, currency="USD").transaction
    mismatch = PaymentMismatch.objects.create(
        organization=organization,
        livemode=False,
        transaction=transaction,
        amount=500,
        currency="EUR",
        gateway="stripe",
        gateway_payment_id="pi_partial",
        paid_at=transaction.created_at,
        recovered=False,
        reason="partial",
    )

    listing = admin_client.get("/admin/recovery/paymentmismatch/").content.decode()
    page = admin_client.get(f"/admin/recovery/paymentmismatch/{mismatch.pk}/change/").content.decode()
    transaction_page = admin_client.get(f"/admin/recovery/transaction/{transaction.pk}/change/").content.decode()

    assert "€5.00" in listing
    assert "€5.00" in page
    assert "€5.00" in transaction_page


def test_the_classifier_rules_list_keeps_to_a_few_columns_and_cuts_long_text(admin_client: Client) -> None:
    long_slug = "stripe:" + "very-long-decline-code-" * 4
    classifier_rule(slug=long_slug, code="do_not_honor")

    listing = admin_client.get("/admin/recovery/classifierrule/")
    columns = listing.context["cl"].list_display

    assert len(columns) <= 7
    content = listing.content.decode()
    assert f"{long_slug}</a>" not in content
    assert f"{long_slug[:30]}" in content
    assert "…</a></th>" in content
    assert "css/admin_classifier_rules.css" in content
