"""The sweeper of attempts left in progress: it asks the gateway (or the message log) what happened
before anything is tried again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from messaging.enums import NotificationStatus
from messaging.models import NotificationLog
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.models import GatewayAccount, SandboxPayment
from payments.selectors import gateway_credentials
from payments.tests.factories import GatewayAccountFactory
from payments.tests.payloads import fixture
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from retries.enums import AttemptStatus, Channel
from retries.execution import attempt_execute
from retries.models import RecoveryAttempt
from retries.outcomes import Executed, charge_request
from retries.sweeping import attempt_recover, attempts_stuck, attempts_sweep
from retries.tests import factories
from retries.tests.running import (
    SAVED_INSUFFICIENT,
    claim_again,
    claimed,
    later_attempts,
    sandbox_account,
    sandbox_transaction,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stuck_after_a_minute(settings):
    settings.RETRY_STUCK_AFTER_SECONDS = 60


def _left_behind(attempt: RecoveryAttempt, *, key: bool) -> RecoveryAttempt:
    """As a worker that died leaves it: in progress, untouched for two minutes (its key written if
    it had claimed the gateway call)."""
    fields = {"updated_at": timezone.now() - timedelta(minutes=2), "tries": 1}
    if key:
        fields["idempotency_key"] = f"tinko_{attempt.public_id}"
    RecoveryAttempt.objects.filter(pk=attempt.pk).update(**fields)
    attempt.refresh_from_db()
    return attempt


def _stripe_re_charge_left_behind(organization, *, gateway_payment_id: str = "") -> tuple[Transaction, RecoveryAttempt]:
    """A re-charge of a saved Stripe card left behind after its worker claimed the gateway call
    (and stored the payment the gateway made, when one is given)."""
    GatewayAccountFactory.stripe(organization=organization)
    txn = factories.transaction(
        organization=organization,
        amount=2000,
        currency="USD",
        gateway_customer_id="cus_Rq7Payer0001",
        gateway_payment_method_id="pm_1QpCard0001",
    )
    attempt = _left_behind(claimed(transaction=txn, channel=Channel.AUTO_CHARGE), key=True)
    if gateway_payment_id:
        RecoveryAttempt.objects.filter(pk=attempt.pk).update(gateway_payment_id=gateway_payment_id)
    return txn, attempt


def _charge_at_the_gateway(account: GatewayAccount, attempt: RecoveryAttempt, txn: Transaction) -> str:
    """What the worker's gateway call did before the worker died."""
    request = charge_request(attempt=attempt, transaction=txn)
    return (
        SandboxAdapter()
        .charge_saved_method(credentials=gateway_credentials(account=account), request=request)
        .payment_id
    )


def test_only_attempts_untouched_past_the_timeout_are_stuck(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    fresh = claimed(transaction=txn, number=1)
    old = _left_behind(claimed(transaction=txn, number=2), key=False)

    assert attempts_stuck(now=timezone.now()) == [old.pk]
    assert attempt_recover(attempt_id=fresh.pk) == Executed.TAKEN


def test_a_re_charge_the_gateway_made_before_its_worker_died_finishes_as_charged(organization) -> None:
    account = sandbox_account(organization)
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn, channel=Channel.AUTO_CHARGE), key=True)
    payment_id = _charge_at_the_gateway(account, attempt, txn)

    assert attempts_sweep() == {"charged": 1}

    attempt.refresh_from_db()
    txn.refresh_from_db()
    assert (attempt.status, attempt.gateway_payment_id) == (AttemptStatus.CHARGED, payment_id)
    assert txn.status == TransactionStatus.RECOVERED
    assert SandboxPayment.objects.count() == 1


def test_a_decline_the_gateway_made_before_its_worker_died_is_recorded_and_planned_again(organization) -> None:
    account = sandbox_account(organization)
    txn = sandbox_transaction(organization=organization, method=SAVED_INSUFFICIENT)
    attempt = _left_behind(claimed(transaction=txn, channel=Channel.AUTO_CHARGE), key=True)
    _charge_at_the_gateway(account, attempt, txn)

    assert attempts_sweep() == {"declined": 1}

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    assert len(later_attempts(txn, attempt)) == 1


def test_a_re_charge_the_gateway_never_had_is_scheduled_again_and_then_charged_once(organization) -> None:
    sandbox_account(organization)
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn, channel=Channel.AUTO_CHARGE), key=True)

    assert attempts_sweep() == {"rescheduled": 1}

    attempt.refresh_from_db()
    assert (attempt.status, attempt.idempotency_key, attempt.started_at) == (AttemptStatus.SCHEDULED, "", None)
    assert attempt.scheduled_at <= timezone.now()
    assert not SandboxPayment.objects.exists(), "the sweeper only asks"
    assert attempt_execute(attempt_id=claim_again(attempt).pk) == Executed.CHARGED
    assert SandboxPayment.objects.count() == 1


def test_a_re_charge_never_taken_up_is_scheduled_again_without_asking_the_gateway(organization, monkeypatch) -> None:
    sandbox_account(organization)
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn, channel=Channel.AUTO_CHARGE), key=False)
    monkeypatch.setattr(SandboxAdapter, "find_saved_method_charge", lambda *args, **kwargs: pytest.fail("asked"))

    assert attempts_sweep() == {"rescheduled": 1}
    attempt.refresh_from_db()
    assert (attempt.status, attempt.error) == (AttemptStatus.SCHEDULED, "its worker never took it up")


def test_a_never_taken_up_attempt_of_a_closed_transaction_is_cancelled(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn), key=False)
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.RECOVERED)

    assert attempts_sweep() == {"cancelled": 1}
    attempt.refresh_from_db()
    assert (attempt.status, attempt.error) == (AttemptStatus.CANCELLED, "the transaction is recovered")


def test_a_stored_payment_is_retrieved_and_one_still_unsettled_is_looked_at_again_later(
    organization, fake_gateway
) -> None:
    _, attempt = _stripe_re_charge_left_behind(organization, gateway_payment_id="pi_3QpOffSession01")
    processing = {**fixture("stripe", "api/payment_intent_succeeded.json"), "status": "processing"}
    fake_gateway.respond("GET", "/v1/payment_intents/pi_3QpOffSession01", processing)
    fake_gateway.respond(
        "GET", "/v1/payment_intents/pi_3QpOffSession01", fixture("stripe", "api/payment_intent_succeeded.json")
    )

    assert attempts_sweep() == {"unsettled": 1}
    assert attempts_stuck(now=timezone.now()) == [], "touched: looked at again after the timeout"
    assert attempts_sweep(now=timezone.now() + timedelta(minutes=2)) == {"charged": 1}

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.CHARGED
    assert fake_gateway.requests_to("POST", "/v1/payment_intents") == []


def test_a_charge_the_gateway_never_settles_fails_after_the_limit_and_the_next_step_is_planned(
    organization, fake_gateway, settings
) -> None:
    settings.RETRY_UNSETTLED_MAX_SECONDS = 3600
    txn, attempt = _stripe_re_charge_left_behind(organization, gateway_payment_id="pi_3QpOffSession01")
    processing = {**fixture("stripe", "api/payment_intent_succeeded.json"), "status": "processing"}
    fake_gateway.respond("GET", "/v1/payment_intents/pi_3QpOffSession01", processing)
    fake_gateway.respond("GET", "/v1/payment_intents/pi_3QpOffSession01", processing)

    assert attempts_sweep(now=timezone.now() + timedelta(minutes=30)) == {"unsettled": 1}
    assert attempts_sweep(now=timezone.now() + timedelta(hours=2)) == {"failed": 1}

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    assert attempt.error.startswith("the gateway had not settled the charge 2 hours")
    assert later_attempts(txn, attempt), "the next step is planned"
    assert attempts_sweep(now=timezone.now() + timedelta(days=30)) == {}, "never looked at again"


def test_a_stripe_charge_is_found_among_the_customers_payment_intents(organization, fake_gateway) -> None:
    _, attempt = _stripe_re_charge_left_behind(organization)
    intent = {
        **fixture("stripe", "api/payment_intent_succeeded.json"),
        "metadata": {"tinko_attempt_id": attempt.public_id},
    }
    fake_gateway.respond("GET", "/v1/payment_intents", {"object": "list", "data": [intent], "has_more": False})

    assert attempts_sweep() == {"charged": 1}
    assert fake_gateway.requests_to("POST", "/v1/payment_intents") == []


def test_when_the_gateway_cannot_be_asked_the_attempt_waits_for_a_later_look(organization, fake_gateway) -> None:
    _, attempt = _stripe_re_charge_left_behind(organization)
    fake_gateway.respond("GET", "/v1/payment_intents", {"error": {"type": "api_error"}}, status=500)

    assert attempts_sweep() == {"unsettled": 1}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.error.startswith("the gateway could not be asked: Stripe payment intents list")


# --- emails --------------------------------------------------------------------------------------


def _log(txn, attempt, status: str) -> NotificationLog:
    return NotificationLog.objects.create(
        organization=txn.organization,
        livemode=False,
        transaction=txn,
        attempt_number=attempt.number,
        channel="email",
        template="recovery",
        language="en",
        status=status,
        sent_at=timezone.now() if status == NotificationStatus.SENT else None,
    )


def test_an_email_the_log_says_was_sent_finishes_as_sent_and_plans_the_next_step(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn), key=False)
    _log(txn, attempt, NotificationStatus.SENT)

    assert attempts_sweep() == {"sent": 1}
    assert len(later_attempts(txn, attempt)) == 1
    assert mail.outbox == []


def test_an_email_whose_send_never_reported_back_is_not_sent_again(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn), key=False)
    _log(txn, attempt, NotificationStatus.PENDING)

    assert attempts_sweep() == {"failed": 1}

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    assert attempt.error.startswith("the send was interrupted")
    assert mail.outbox == []
    assert len(later_attempts(txn, attempt)) == 1


def test_an_email_never_begun_is_scheduled_again(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = _left_behind(claimed(transaction=txn), key=False)

    assert attempts_sweep() == {"rescheduled": 1}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SCHEDULED
