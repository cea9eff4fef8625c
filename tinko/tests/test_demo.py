from typing import Any

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

    history = Transaction.objects.filter(organization__slug=DEMO_ORG_SLUG, transaction_ref__startswith="demo-")
    transactions = Transaction.objects.filter(organization__slug=DEMO_ORG_SLUG).exclude(pk__in=history)
    events = FailureEvent.objects.filter(organization__slug=DEMO_ORG_SLUG).exclude(transaction__in=history)
    assert history.count() == 400  # the analytics history, written once
    assert transactions.count() == 24
    assert events.count() == 25
    assert set(transactions.values_list("gateway", flat=True)) == {"stripe", "razorpay", "other", "sandbox"}
    assert {"INR", "USD", "EUR", "JPY"} <= set(transactions.values_list("currency", flat=True))
    assert set(transactions.values_list("payment_method_type", flat=True)) == {"card", "upi", "netbanking", "wallet"}
    assert len(set(events.values_list("category", flat=True))) >= 7
    assert events.filter(retryable=True).exists()
    assert events.filter(rule__startswith="law:").exists() or events.filter(category="do_not_retry").exists()
    assert transactions.get(transaction_ref="DS-1002").failure_count == 2


def _recovery_rows() -> tuple[list[dict[str, Any]], ...]:
    from messaging.models import RecoveryLink
    from recovery.models import FailureEvent, PaymentMismatch, Transaction
    from retries.models import RecoveryAttempt

    models: tuple[Any, ...] = (Transaction, FailureEvent, PaymentMismatch, RecoveryAttempt, RecoveryLink)
    return tuple(
        list(model.objects.filter(organization__slug=DEMO_ORG_SLUG).order_by("pk").values()) for model in models
    )


@pytest.mark.django_db
def test_the_demo_shows_attempts_in_every_state_and_loading_it_again_changes_none() -> None:
    from recovery.enums import RecoveredBy, TransactionStatus
    from recovery.models import Transaction
    from retries.enums import AttemptStatus
    from retries.models import RecoveryAttempt

    call_command("load_demo")
    first = _recovery_rows()
    call_command("load_demo")

    assert _recovery_rows() == first
    attempts = RecoveryAttempt.objects.filter(organization__slug=DEMO_ORG_SLUG)
    assert set(attempts.values_list("status", flat=True)) == set(AttemptStatus.values)
    assert all(attempt.reasons for attempt in attempts), "every attempt says why it was planned"
    demo = {
        txn.transaction_ref: txn
        for txn in Transaction.objects.filter(organization__slug=DEMO_ORG_SLUG).exclude(
            transaction_ref__startswith="demo-"
        )
    }
    assert {txn.recovered_by for txn in demo.values() if txn.status == TransactionStatus.RECOVERED} == {
        RecoveredBy.AUTO_CHARGE,
        RecoveredBy.MERCHANT,
    }
    assert demo["DS-2007"].recovery_paused_at is not None
    assert demo["DS-2008"].status == TransactionStatus.ABANDONED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ref", "channel", "saved_method"),
    [
        ("DS-2001", "auto_charge", "sbx_pm_card_ok"),
        ("DS-2002", "auto_charge", "sbx_pm_card_insufficient_funds"),
        ("DS-2003", "email", ""),
    ],
)
def test_the_demo_has_attempts_due_the_moment_tinko_starts(ref: str, channel: str, saved_method: str) -> None:
    from django.utils import timezone

    from recovery.models import Transaction
    from retries.enums import AttemptStatus
    from retries.models import RecoveryAttempt

    call_command("load_demo")

    txn = Transaction.objects.get(organization__slug=DEMO_ORG_SLUG, transaction_ref=ref)
    due = RecoveryAttempt.objects.get(transaction=txn)
    assert (txn.gateway, txn.gateway_payment_method_id, txn.livemode) == ("sandbox", saved_method, False)
    assert (due.channel, due.status) == (channel, AttemptStatus.SCHEDULED)
    assert due.scheduled_at <= timezone.now()
    assert due.reasons[-1]["code"] == "demo.due_now"


@pytest.mark.django_db
def test_the_demo_email_that_falls_due_can_be_sent(mailoutbox) -> None:
    from datetime import timedelta

    from messaging.enums import NotificationStatus
    from messaging.services import recovery_email_send, recovery_link_issue
    from recovery.models import Transaction

    call_command("load_demo")
    txn = Transaction.objects.get(organization__slug=DEMO_ORG_SLUG, transaction_ref="DS-2003")

    issued = recovery_link_issue(transaction=txn, lifetime=timedelta(days=3), attempt_number=1)
    log = recovery_email_send(transaction=txn, link=issued.link)

    assert log.status == NotificationStatus.SENT
    assert [message.to for message in mailoutbox] == [["liam@example.com"]]
