import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.enums import Role
from accounts.models import ApiKey, Invitation, Membership, Organization, User
from tinko.demo import DEMO_EMAIL, DEMO_EU_ORG_SLUG, DEMO_ORG_SLUG, DEMO_PASSWORD


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_the_demo_user_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo")
    User.objects.filter(email=DEMO_EMAIL).update(password="!")  # someone broke the password
    call_command("load_demo")

    assert Organization.objects.filter(slug=DEMO_ORG_SLUG).count() == 1
    roles = dict(Membership.objects.filter(organization__slug=DEMO_ORG_SLUG).values_list("user__email", "role"))
    assert roles == {DEMO_EMAIL: Role.OWNER, "ravi@tinko.test": Role.ADMIN, "asha@tinko.test": Role.ANALYST}
    assert Membership.objects.get(organization__slug=DEMO_EU_ORG_SLUG, user__email=DEMO_EMAIL).role == Role.ADMIN
    demo_user = User.objects.get(email=DEMO_EMAIL)
    assert authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD) == demo_user
    assert EmailAddress.objects.get(user=demo_user).verified
    assert ApiKey.objects.filter(organization__slug=DEMO_ORG_SLUG).count() == 1
    assert Invitation.objects.filter(organization__slug=DEMO_ORG_SLUG, accepted_at__isnull=True).count() == 1
    assert Organization.objects.get(slug=DEMO_ORG_SLUG).accent_colour == "#0f766e"
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_user_signs_in_at_the_sign_in_page_and_lands_on_the_console(client, settings) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    call_command("load_demo")

    response = client.post("/accounts/login/", {"login": DEMO_EMAIL, "password": DEMO_PASSWORD})

    assert response["Location"] == "/app/"
    page = client.get("/app/").content.decode()
    assert "<h1>Demo Store</h1>" in page
    assert "Demo Store Europe" in page, "the switcher offers the second organization"


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
