import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.enums import Role
from accounts.models import Membership, Organization, User
from tinko.demo import DEMO_EMAIL, DEMO_ORG_SLUG, DEMO_PASSWORD


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_the_demo_user_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo")
    User.objects.filter(email=DEMO_EMAIL).update(password="!")  # someone broke the password
    call_command("load_demo")

    assert Organization.objects.filter(slug=DEMO_ORG_SLUG).count() == 1
    membership = Membership.objects.get(organization__slug=DEMO_ORG_SLUG)
    assert membership.user.email == DEMO_EMAIL
    assert membership.role == Role.OWNER
    assert authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD) == membership.user
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_has_a_spread_of_failed_payments_recorded_once() -> None:
    from recovery.models import FailureEvent, Transaction

    call_command("load_demo")
    call_command("load_demo")

    transactions = Transaction.objects.filter(organization__slug=DEMO_ORG_SLUG)
    events = FailureEvent.objects.filter(organization__slug=DEMO_ORG_SLUG)
    assert transactions.count() == 16
    assert events.count() == 17
    assert set(transactions.values_list("gateway", flat=True)) == {"stripe", "razorpay", "other"}
    assert {"INR", "USD", "EUR", "JPY"} <= set(transactions.values_list("currency", flat=True))
    assert set(transactions.values_list("payment_method_type", flat=True)) == {"card", "upi", "netbanking", "wallet"}
    assert len(set(events.values_list("category", flat=True))) >= 7
    assert events.filter(retryable=True).exists()
    assert events.filter(rule__startswith="law:").exists() or events.filter(category="do_not_retry").exists()
    assert transactions.get(transaction_ref="DS-1002").failure_count == 2
