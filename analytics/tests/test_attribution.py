"""Every recovery is credited to what produced it, and the rollups count it under that credit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from analytics.enums import Credit
from analytics.rollups import rollups_refresh
from analytics.selectors import AnalyticsQuery, analytics_kpis
from recovery.enums import RecoveredBy
from recovery.models import Transaction
from recovery.services import PaymentReceived, transaction_mark_recovered
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.tests.factories import attempt, transaction


def acted(txn: Transaction, channel: Channel, status: AttemptStatus, **values: Any) -> RecoveryAttempt:
    now = timezone.now()
    return attempt(transaction=txn, channel=channel, status=status, started_at=now, finished_at=now, **values)


def pay(txn: Transaction, **values: Any) -> Transaction:
    payment = PaymentReceived(
        transaction_ref=txn.transaction_ref,
        amount=txn.amount,
        currency=txn.currency,
        paid_at=timezone.now(),
        gateway="stripe",
        gateway_payment_id=values.pop("gateway_payment_id", "pi_payer_own"),
        **values,
    )
    applied = transaction_mark_recovered(organization=txn.organization, livemode=txn.livemode, payment=payment)
    assert applied.transaction is not None
    return applied.transaction


def credited(organization: Any) -> dict[str, int]:
    rollups_refresh()
    today = timezone.localdate()
    query = AnalyticsQuery(
        organization=organization, livemode=False, start=today - timedelta(days=2), end=today + timedelta(days=2)
    )
    (usd,) = analytics_kpis(query=query)
    return {credit: amount.count for credit, amount in usd.current.by_credit.items() if amount.count}


@pytest.mark.django_db
def test_a_recharge_that_charged_the_payment_is_credited_to_the_automatic_recharge(organization) -> None:
    txn = transaction(organization=organization)
    acted(txn, Channel.EMAIL, AttemptStatus.SENT, number=1)
    acted(txn, Channel.AUTO_CHARGE, AttemptStatus.CHARGED, number=2, gateway_payment_id="pi_recharge")

    recovered = pay(txn, gateway_payment_id="pi_recharge")

    assert (recovered.recovered_by, recovered.recovered_after_attempts) == (RecoveredBy.AUTO_CHARGE, 2)
    assert credited(organization) == {Credit.AUTO_CHARGE: 1}


@pytest.mark.django_db
def test_a_payment_after_the_email_reached_the_payer_is_credited_to_the_email_link(organization) -> None:
    txn = transaction(organization=organization)
    acted(txn, Channel.AUTO_CHARGE, AttemptStatus.FAILED, number=1)
    acted(txn, Channel.EMAIL, AttemptStatus.SENT, number=2)

    recovered = pay(txn)

    assert (recovered.recovered_by, recovered.recovered_after_attempts) == (RecoveredBy.EMAIL_LINK, 2)
    assert credited(organization) == {Credit.EMAIL_LINK: 1}


@pytest.mark.django_db
def test_a_payment_before_any_attempt_is_the_payers_own_before_any_attempt(organization) -> None:
    txn = transaction(organization=organization)
    attempt(transaction=txn, channel=Channel.EMAIL, status=AttemptStatus.SCHEDULED, number=1)

    recovered = pay(txn)

    assert (recovered.recovered_by, recovered.recovered_after_attempts) == (RecoveredBy.PAYER, 0)
    assert credited(organization) == {Credit.PAYER_BEFORE_ANY_ATTEMPT: 1}


@pytest.mark.django_db
def test_a_payment_after_attempts_that_never_reached_the_payer_is_theirs_after_attempts(organization) -> None:
    txn = transaction(organization=organization)
    acted(txn, Channel.AUTO_CHARGE, AttemptStatus.FAILED, number=1, gateway_payment_id="pi_declined")
    attempt(transaction=txn, channel=Channel.EMAIL, status=AttemptStatus.SKIPPED, number=2, finished_at=timezone.now())

    recovered = pay(txn)

    assert (recovered.recovered_by, recovered.recovered_after_attempts) == (RecoveredBy.PAYER, 1)
    assert credited(organization) == {Credit.PAYER_AFTER_ATTEMPTS: 1}


@pytest.mark.django_db
def test_a_payment_the_merchant_reports_is_credited_to_the_merchant_whatever_ran(organization) -> None:
    txn = transaction(organization=organization)
    acted(txn, Channel.EMAIL, AttemptStatus.SENT, number=1)

    recovered = pay(txn, recovered_by=RecoveredBy.MERCHANT, note="NEFT")

    assert (recovered.recovered_by, recovered.recovered_after_attempts) == (RecoveredBy.MERCHANT, 1)
    assert credited(organization) == {Credit.MERCHANT: 1}


def test_every_credit_has_a_test_above() -> None:
    tested = {
        Credit.AUTO_CHARGE,
        Credit.EMAIL_LINK,
        Credit.PAYER_BEFORE_ANY_ATTEMPT,
        Credit.PAYER_AFTER_ATTEMPTS,
        Credit.MERCHANT,
    }
    assert tested == set(Credit)
