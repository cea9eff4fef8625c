"""Executing claimed attempts: sandbox re-charges and emails, their outcomes and what they cause,
and every way a second run must do nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from messaging.enums import NotificationStatus
from messaging.models import NotificationLog, RecoveryLink, ReminderOptOut
from payments.enums import PaymentStatus
from payments.exceptions import GatewayTransientError
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.interface import ChargeResult
from payments.models import SandboxEvent, SandboxPayment
from payments.services import webhook_event_process
from payments.tests.factories import inbox_event
from recovery.enums import EventSource, TransactionStatus
from recovery.models import FailureEvent, Transaction
from recovery.services import Customer
from retries import execution, outcomes
from retries.enums import AttemptStatus, Channel
from retries.execution import attempt_execute, attempts_execute
from retries.models import RecoveryAttempt
from retries.outcomes import Executed, attempt_charge_settle
from retries.tests.running import (
    SAVED_INSUFFICIENT,
    claim_again,
    claimed,
    later_attempts,
    sandbox_transaction,
)
from tinko.money import Money

pytestmark = pytest.mark.django_db


def _reload(*rows):
    for row in rows:
        row.refresh_from_db()


# --- re-charges ----------------------------------------------------------------------------------


def test_a_re_charge_that_succeeds_recovers_the_transaction_credited_to_the_attempt(organization, account) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.CHARGED

    _reload(attempt, txn)
    payment = SandboxPayment.objects.get()
    assert (attempt.status, attempt.gateway_payment_id) == (AttemptStatus.CHARGED, payment.public_id)
    assert attempt.idempotency_key == f"tinko_{attempt.public_id}" == payment.idempotency_key
    assert (attempt.tries, attempt.finished_at is not None) == (1, True)
    assert (txn.status, txn.recovered_amount) == (TransactionStatus.RECOVERED, 49900)
    assert payment.metadata == {"tinko_transaction_ref": txn.transaction_ref, "tinko_attempt_id": attempt.public_id}
    assert later_attempts(txn, attempt) == []


def test_a_declined_re_charge_is_recorded_as_a_retry_failure_and_planned_again(organization, account) -> None:
    txn = sandbox_transaction(organization=organization, method=SAVED_INSUFFICIENT)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.DECLINED

    _reload(attempt, txn)
    assert attempt.status == AttemptStatus.FAILED
    assert attempt.error == "Your card has insufficient funds."
    assert attempt.gateway_payment_id == SandboxPayment.objects.get().public_id
    event = FailureEvent.objects.get(transaction=txn, source=EventSource.RETRY)
    assert event.idempotency_key == f"retry:{attempt.public_id}"
    assert (event.failure_code, event.network_decline_code) == ("insufficient_funds", "51")
    assert (txn.failure_count, txn.status) == (2, TransactionStatus.RECOVERING)
    [following] = later_attempts(txn, attempt)
    assert following.status == AttemptStatus.SCHEDULED
    assert following.scheduled_at > timezone.now()


def test_the_gateways_webhook_and_the_worker_record_one_decline(organization, account, settings) -> None:
    """The sandbox tells Tinko of the decline by webhook too: both are keyed on the attempt."""
    settings.PAYMENTS_OUTCOME_HANDLER = "recovery.gateway_events.payment_outcome_handle"
    txn = sandbox_transaction(organization=organization, method=SAVED_INSUFFICIENT)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    attempt_execute(attempt_id=attempt.pk)

    event = SandboxEvent.objects.get()
    webhook = inbox_event(account, json.loads(event.body))
    assert webhook_event_process(webhook_event_id=webhook.pk) == "done"

    assert FailureEvent.objects.filter(transaction=txn, source=EventSource.RETRY).count() == 1
    assert Transaction.objects.get(pk=txn.pk).failure_count == 2
    assert len(later_attempts(txn, attempt)) == 1


def test_a_second_run_of_a_re_charge_never_calls_the_gateway(organization, account, monkeypatch) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    calls: list[str] = []
    original = SandboxAdapter.charge_saved_methods

    def counting(self, *, credentials, requests):
        calls.extend(request.idempotency_key for request in requests)
        return original(self, credentials=credentials, requests=requests)

    monkeypatch.setattr(SandboxAdapter, "charge_saved_methods", counting)

    assert attempts_execute(attempt_ids=[attempt.pk]) == [Executed.CHARGED]
    assert attempts_execute(attempt_ids=[attempt.pk]) == [Executed.TAKEN]
    assert calls == [f"tinko_{attempt.public_id}"]


def test_a_run_that_finds_the_key_written_leaves_the_attempt_to_the_sweeper(organization, account) -> None:
    """Its worker died after claiming the gateway call: only the gateway can say what happened."""
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    RecoveryAttempt.objects.filter(pk=attempt.pk).update(idempotency_key=f"tinko_{attempt.public_id}", tries=1)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.TAKEN

    _reload(attempt)
    assert (attempt.status, attempt.tries) == (AttemptStatus.IN_PROGRESS, 1)
    assert not SandboxPayment.objects.exists()


@pytest.mark.parametrize(
    "status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED, TransactionStatus.ABANDONED]
)
def test_an_attempt_of_a_closed_transaction_is_cancelled_without_acting(organization, account, status) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    Transaction.objects.filter(pk=txn.pk).update(status=status)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.CANCELLED

    _reload(attempt)
    assert (attempt.status, attempt.error) == (AttemptStatus.CANCELLED, f"the transaction is {status}")
    assert not SandboxPayment.objects.exists()


def test_an_attempt_no_longer_in_progress_is_left_alone(organization, account) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    RecoveryAttempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.CANCELLED, finished_at=timezone.now())

    assert attempt_execute(attempt_id=attempt.pk) == Executed.TAKEN
    assert not SandboxPayment.objects.exists()


def test_the_transaction_is_recovering_while_its_attempt_runs(organization, account, monkeypatch) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    seen: list[str] = []

    def observing(*, account, requests):
        seen.append(Transaction.objects.get(pk=txn.pk).status)
        return [GatewayTransientError("Sandbox: timed out", provider="sandbox") for _ in requests]

    monkeypatch.setattr(execution, "gateway_saved_method_charges", observing)

    attempt_execute(attempt_id=attempt.pk)

    assert seen == [TransactionStatus.RECOVERING]


def test_a_passing_gateway_error_sends_the_attempt_back_a_little_later_a_few_times(
    organization, account, monkeypatch, settings
) -> None:
    settings.RETRY_TRANSIENT_MAX_TRIES = 2
    settings.RETRY_TRANSIENT_DELAY_SECONDS = 60
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)

    def outage(*, account, requests):
        return [
            GatewayTransientError("Sandbox: 503 Service Unavailable", provider="sandbox", http_status=503)
            for _ in requests
        ]

    monkeypatch.setattr(execution, "gateway_saved_method_charges", outage)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.RESCHEDULED
    _reload(attempt)
    assert (attempt.status, attempt.tries, attempt.idempotency_key) == (AttemptStatus.SCHEDULED, 1, "")
    assert attempt.error == "Sandbox: 503 Service Unavailable"
    assert timedelta(seconds=55) < attempt.scheduled_at - timezone.now() <= timedelta(seconds=60)

    attempt = claim_again(attempt)
    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED
    _reload(attempt, txn)
    assert (attempt.status, attempt.tries) == (AttemptStatus.SKIPPED, 2)
    assert attempt.error == "Sandbox: 503 Service Unavailable (gave up after 2 tries)"
    assert len(later_attempts(txn, attempt)) == 1, "the next step is planned"


def test_a_refused_re_charge_is_skipped_with_the_gateways_words_and_planned_again(organization, account) -> None:
    txn = sandbox_transaction(organization=organization, method="sbx_pm_card_unheard_of")
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED

    _reload(attempt)
    assert attempt.error == "GatewayTerminalError: No such payment method: sbx_pm_card_unheard_of"
    assert len(later_attempts(txn, attempt)) == 1


def test_without_a_gateway_account_in_the_transactions_mode_the_re_charge_is_skipped(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED

    _reload(attempt)
    assert attempt.error == "no sandbox gateway account is connected in test mode"


def test_without_a_saved_method_the_re_charge_is_skipped(organization, account) -> None:
    txn = sandbox_transaction(organization=organization, method="")
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED
    _reload(attempt)
    assert attempt.error == "no saved payment method to re-charge"


def test_a_charge_the_gateway_has_not_settled_stays_in_progress_with_its_payment(organization, account) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.AUTO_CHARGE)
    pending = ChargeResult(
        provider="sandbox", payment_id="sbxpay_pending", status=PaymentStatus.PROCESSING, amount=Money(49900, "INR")
    )

    assert attempt_charge_settle(attempt=attempt, transaction=txn, result=pending) == Executed.UNSETTLED

    _reload(attempt, txn)
    assert (attempt.status, attempt.gateway_payment_id) == (AttemptStatus.IN_PROGRESS, "sbxpay_pending")
    assert txn.status == TransactionStatus.FAILED


# --- emails --------------------------------------------------------------------------------------


def test_an_email_attempt_sends_the_link_once_and_plans_the_next_step(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.EMAIL)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SENT
    assert attempt_execute(attempt_id=attempt.pk) == Executed.TAKEN

    _reload(attempt, txn)
    assert attempt.status == AttemptStatus.SENT
    assert txn.status == TransactionStatus.RECOVERING
    [message] = mail.outbox
    assert message.to == ["payer@example.com"]
    link = RecoveryLink.objects.get(transaction=txn)
    assert link.attempt_number == attempt.number
    assert timedelta(hours=71) < link.expires_at - timezone.now() <= timedelta(hours=72)
    assert NotificationLog.objects.get(transaction=txn).status == NotificationStatus.SENT
    [following] = later_attempts(txn, attempt)
    assert following.status == AttemptStatus.SCHEDULED


def test_a_second_worker_finding_the_email_still_being_sent_leaves_it(organization) -> None:
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.EMAIL)
    NotificationLog.objects.create(
        organization=organization,
        livemode=False,
        transaction=txn,
        attempt_number=attempt.number,
        channel="email",
        template="recovery",
        language="en",
        status=NotificationStatus.PENDING,
    )

    assert attempt_execute(attempt_id=attempt.pk) == Executed.TAKEN

    _reload(attempt)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert mail.outbox == []


def test_an_email_to_a_payer_who_stopped_reminders_is_skipped_and_no_message_is_planned(organization, account) -> None:
    txn = sandbox_transaction(organization=organization, currency="USD", amount=1999)
    ReminderOptOut.objects.create(organization=organization, livemode=False, transaction=txn, source="stop_page")
    attempt = claimed(transaction=txn, channel=Channel.EMAIL)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED

    _reload(attempt)
    assert attempt.error == "not sent: The payer stopped reminders for this payment"
    assert mail.outbox == []
    [later] = later_attempts(txn, attempt)
    assert later.channel == Channel.AUTO_CHARGE, "the saved method may still be re-charged"
    assert "payer.reminders_stopped" in {reason["code"] for reason in later.reasons}


def test_a_payer_who_stopped_reminders_and_cannot_be_re_charged_is_given_up(organization) -> None:
    txn = sandbox_transaction(organization=organization)  # INR with no e-mandate: never re-charged
    ReminderOptOut.objects.create(organization=organization, livemode=False, transaction=txn, source="stop_page")
    attempt = claimed(transaction=txn, channel=Channel.EMAIL)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED

    assert later_attempts(txn, attempt) == []
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.ABANDONED


def test_an_email_without_an_address_is_skipped(organization) -> None:
    txn = sandbox_transaction(organization=organization, customer=Customer())
    attempt = claimed(transaction=txn, channel=Channel.EMAIL)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.SKIPPED
    _reload(attempt)
    assert attempt.error == "not sent: No address for this channel"


def test_a_refused_send_is_tried_again_later(organization, settings) -> None:
    settings.EMAIL_BACKEND = "messaging.tests.mail_backends.GreylistingBackend"
    txn = sandbox_transaction(organization=organization)
    attempt = claimed(transaction=txn, channel=Channel.EMAIL)

    assert attempt_execute(attempt_id=attempt.pk) == Executed.RESCHEDULED

    _reload(attempt)
    assert attempt.status == AttemptStatus.SCHEDULED
    assert attempt.error.startswith("email not sent: SMTPRecipientsRefused")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    attempt = claim_again(attempt)
    assert attempt_execute(attempt_id=attempt.pk) == Executed.SENT
    assert len(mail.outbox) == 1


def test_one_attempt_that_raises_does_not_stop_the_others(organization, account, monkeypatch) -> None:
    first = claimed(transaction=sandbox_transaction(organization=organization), channel=Channel.AUTO_CHARGE)
    second = claimed(transaction=sandbox_transaction(organization=organization), channel=Channel.EMAIL)

    def broken(*, account, requests):
        raise RuntimeError("boom")

    monkeypatch.setattr(execution, "gateway_saved_method_charges", broken)

    assert attempts_execute(attempt_ids=[first.pk, second.pk]) == [None, Executed.SENT]
    _reload(first)
    assert first.status == AttemptStatus.IN_PROGRESS, "left for the sweeper"


def test_bookkeeping_that_fails_for_one_attempt_is_retried_alone_and_the_others_settle(
    organization, account, monkeypatch
) -> None:
    first_txn = sandbox_transaction(organization=organization)
    second_txn = sandbox_transaction(organization=organization)
    first = claimed(transaction=first_txn, channel=Channel.AUTO_CHARGE)
    second = claimed(transaction=second_txn, channel=Channel.AUTO_CHARGE)
    real, real_many = outcomes.transaction_mark_recovered, outcomes.transactions_mark_recovered

    def failing_for_the_first(*, organization, livemode, payment):
        if payment.transaction_ref == first_txn.transaction_ref:
            raise RuntimeError("the database went away")
        return real(organization=organization, livemode=livemode, payment=payment)

    def failing_with_the_first(*, payments):
        if any(paid.payment.transaction_ref == first_txn.transaction_ref for paid in payments):
            raise RuntimeError("the database went away")
        return real_many(payments=payments)

    monkeypatch.setattr(outcomes, "transaction_mark_recovered", failing_for_the_first)
    monkeypatch.setattr(outcomes, "transactions_mark_recovered", failing_with_the_first)

    assert attempts_execute(attempt_ids=[first.pk, second.pk]) == [None, Executed.CHARGED]

    _reload(first, second)
    assert (first.status, first.idempotency_key) == (AttemptStatus.IN_PROGRESS, f"tinko_{first.public_id}")
    assert second.status == AttemptStatus.CHARGED
    assert Transaction.objects.get(pk=second_txn.pk).status == TransactionStatus.RECOVERED
    assert SandboxPayment.objects.count() == 2, "the first was charged: the sweeper will find it"
