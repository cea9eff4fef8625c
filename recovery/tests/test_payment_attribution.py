"""transaction_mark_recovered: what a payment does to its transaction, and what it is credited to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import OrganizationFactory
from recovery.enums import PaymentEffect, RecoveredBy, TransactionStatus
from recovery.models import PaymentMismatch, Transaction
from recovery.services import PaymentFor, PaymentReceived, transaction_mark_recovered, transactions_mark_recovered
from recovery.tests.factories import record_failure
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.tests.factories import attempt

PAID_AT = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)


def paid(txn: Transaction, **overrides: Any) -> PaymentReceived:
    values: dict[str, Any] = {
        "transaction_ref": txn.transaction_ref,
        "amount": txn.amount,
        "currency": txn.currency,
        "paid_at": PAID_AT,
        "gateway": "stripe",
        "gateway_payment_id": "pi_3QpRecovered0001",
    }
    values.update(overrides)
    return PaymentReceived(**values)


def mark(txn: Transaction, **overrides: Any) -> Any:
    return transaction_mark_recovered(
        organization=txn.organization, livemode=txn.livemode, payment=paid(txn, **overrides)
    )


def ran(txn: Transaction, channel: Channel, status: AttemptStatus, **values: Any) -> RecoveryAttempt:
    now = timezone.now()
    values.setdefault("number", RecoveryAttempt.objects.filter(transaction=txn).count() + 1)
    if status != AttemptStatus.SKIPPED:
        values.setdefault("started_at", now)
    if status not in (AttemptStatus.SCHEDULED, AttemptStatus.IN_PROGRESS):
        values.setdefault("finished_at", now)
    return attempt(transaction=txn, channel=channel, status=status, scheduled_at=now - timedelta(hours=1), **values)


@pytest.fixture
def txn(organization) -> Transaction:
    return record_failure(organization=organization, transaction_ref="order-1042", amount=2000).transaction


@pytest.mark.django_db
def test_a_payment_before_any_attempt_ran_is_credited_to_the_payer_and_cancels_what_was_scheduled(txn) -> None:
    scheduled = RecoveryAttempt.objects.get(transaction=txn)

    applied = mark(txn)

    txn.refresh_from_db()
    scheduled.refresh_from_db()
    assert (applied.effect, applied.recovered, applied.transaction, applied.mismatch) == (
        PaymentEffect.RECOVERED,
        True,
        txn,
        None,
    )
    assert (txn.status, txn.recovered_amount, txn.recovered_at, txn.recovered_by, txn.recovery_note) == (
        TransactionStatus.RECOVERED,
        2000,
        PAID_AT,
        RecoveredBy.PAYER,
        "",
    )
    assert (scheduled.status, scheduled.error) == (AttemptStatus.CANCELLED, "the transaction was recovered")


@pytest.mark.django_db
def test_the_callers_word_wins_and_its_note_is_kept(txn) -> None:
    ran(txn, Channel.EMAIL, AttemptStatus.SENT)

    mark(txn, recovered_by=RecoveredBy.MERCHANT, note="Paid by bank transfer", gateway="", gateway_payment_id="")

    txn.refresh_from_db()
    assert (txn.recovered_by, txn.recovery_note) == (RecoveredBy.MERCHANT, "Paid by bank transfer")


@pytest.mark.django_db
def test_the_re_charge_that_took_this_payment_is_credited(txn) -> None:
    ran(txn, Channel.EMAIL, AttemptStatus.SENT)
    ran(txn, Channel.AUTO_CHARGE, AttemptStatus.CHARGED, gateway_payment_id="pi_3QpRecovered0001")

    mark(txn)

    txn.refresh_from_db()
    assert txn.recovered_by == RecoveredBy.AUTO_CHARGE


@pytest.mark.django_db
def test_a_re_charge_still_in_flight_is_credited_when_its_success_arrives_first(txn) -> None:
    ran(txn, Channel.AUTO_CHARGE, AttemptStatus.IN_PROGRESS)

    mark(txn)

    txn.refresh_from_db()
    assert txn.recovered_by == RecoveredBy.AUTO_CHARGE


@pytest.mark.django_db
def test_after_an_email_reached_the_payer_the_email_is_credited(txn) -> None:
    ran(txn, Channel.AUTO_CHARGE, AttemptStatus.FAILED, gateway_payment_id="pi_Declined0001")
    ran(txn, Channel.EMAIL, AttemptStatus.SENT)

    mark(txn)

    txn.refresh_from_db()
    assert txn.recovered_by == RecoveredBy.EMAIL_LINK


@pytest.mark.django_db
def test_attempts_that_never_reached_anyone_credit_the_payer(txn) -> None:
    ran(txn, Channel.AUTO_CHARGE, AttemptStatus.FAILED, gateway_payment_id="pi_Declined0001")
    ran(txn, Channel.EMAIL, AttemptStatus.SKIPPED)
    ran(txn, Channel.EMAIL, AttemptStatus.CANCELLED)

    mark(txn)

    txn.refresh_from_db()
    assert txn.recovered_by == RecoveredBy.PAYER


@pytest.mark.django_db
def test_recovery_ends_a_pause_and_an_abandoned_transaction_paid_late_is_recovered(txn) -> None:
    Transaction.objects.filter(pk=txn.pk).update(recovery_paused_at=timezone.now())
    mark(txn)
    txn.refresh_from_db()
    assert (txn.status, txn.recovery_paused_at) == (TransactionStatus.RECOVERED, None)

    abandoned = record_failure(organization=txn.organization, transaction_ref="order-7").transaction
    Transaction.objects.filter(pk=abandoned.pk).update(status=TransactionStatus.ABANDONED)
    assert mark(abandoned).effect == PaymentEffect.RECOVERED


@pytest.mark.django_db
def test_a_payment_for_less_is_a_mismatch_and_credits_nothing(txn) -> None:
    applied = mark(txn, amount=1500)

    txn.refresh_from_db()
    assert (applied.effect, applied.recovered) == (PaymentEffect.MISMATCH, False)
    assert applied.mismatch == PaymentMismatch.objects.get()
    assert (txn.status, txn.recovered_by) == (TransactionStatus.FAILED, "")
    assert RecoveryAttempt.objects.get(transaction=txn).status == AttemptStatus.SCHEDULED


@pytest.mark.django_db
def test_a_payment_for_more_recovers_and_is_kept_as_a_mismatch(txn) -> None:
    applied = mark(txn, amount=2500)

    assert (applied.effect, applied.mismatch.recovered, applied.mismatch.reason) == (
        PaymentEffect.RECOVERED,
        True,
        "paid 2500 USD, more than the 2000 owed",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED])
def test_a_closed_transaction_is_left_as_it_is(txn, status: str) -> None:
    Transaction.objects.filter(pk=txn.pk).update(status=status)

    applied = mark(txn)

    txn.refresh_from_db()
    assert (applied.effect, applied.transaction) == (PaymentEffect.ALREADY_CLOSED, txn)
    assert (txn.status, txn.recovered_amount, txn.recovered_by) == (status, None, "")


@pytest.mark.django_db
def test_a_payment_for_an_unknown_reference_or_the_other_mode_changes_nothing(txn) -> None:
    unknown = mark(txn, transaction_ref="order-unknown")
    other_mode = transaction_mark_recovered(organization=txn.organization, livemode=True, payment=paid(txn))

    txn.refresh_from_db()
    assert (unknown.effect, unknown.transaction) == (PaymentEffect.UNMATCHED, None)
    assert other_mode.effect == PaymentEffect.UNMATCHED
    assert txn.status == TransactionStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"recovered_by": RecoveredBy.MERCHANT}, "recovery_transaction_recovered_by_only_recovered"),
        (
            {"status": TransactionStatus.RECOVERED, "recovered_by": "magic"},
            "recovery_transaction_recovered_by_valid",
        ),
        (
            {"status": TransactionStatus.ABANDONED, "recovery_paused_at": timezone.now()},
            "recovery_transaction_paused_only_open",
        ),
    ],
)
def test_the_database_refuses_a_recovery_state_that_cannot_be(txn, changes: dict[str, Any], constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Transaction.objects.filter(pk=txn.pk).update(**changes)


@pytest.mark.django_db
def test_payments_marked_together_are_each_applied_as_alone(txn, organization) -> None:
    other_organization = OrganizationFactory.create()
    sent = record_failure(organization=organization, transaction_ref="order-1043", amount=2000).transaction
    ran(sent, Channel.EMAIL, AttemptStatus.SENT)
    elsewhere = record_failure(organization=other_organization, transaction_ref="order-1042", amount=2000).transaction
    payments = [
        PaymentFor(organization=organization, livemode=False, payment=paid(txn)),
        PaymentFor(organization=organization, livemode=False, payment=paid(txn, gateway_payment_id="pi_again")),
        PaymentFor(organization=organization, livemode=False, payment=paid(sent, amount=1500)),
        PaymentFor(organization=organization, livemode=False, payment=paid(sent, gateway_payment_id="pi_full")),
        PaymentFor(organization=other_organization, livemode=False, payment=paid(elsewhere)),
        PaymentFor(organization=organization, livemode=True, payment=paid(txn)),
    ]

    applied = transactions_mark_recovered(payments=payments)

    assert [result.effect for result in applied] == [
        PaymentEffect.RECOVERED,
        PaymentEffect.ALREADY_CLOSED,
        PaymentEffect.MISMATCH,
        PaymentEffect.RECOVERED,
        PaymentEffect.RECOVERED,
        PaymentEffect.UNMATCHED,
    ]
    recovered_by = dict(
        Transaction.objects.filter(pk__in=[txn.pk, sent.pk, elsewhere.pk]).values_list("pk", "recovered_by")
    )
    assert recovered_by == {txn.pk: RecoveredBy.PAYER, sent.pk: RecoveredBy.EMAIL_LINK, elsewhere.pk: RecoveredBy.PAYER}
    assert not RecoveryAttempt.objects.filter(
        transaction__in=[txn, sent, elsewhere], status=AttemptStatus.SCHEDULED
    ).exists()
