"""Attempts ready for a worker, for the tests of dispatching, executing and sweeping them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Organization
from payments.models import GatewayAccount
from payments.tests.factories import GatewayAccountFactory
from recovery.models import Transaction
from retries.dispatch import attempts_claim_due
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.tests import factories

SAVED_OK = "sbx_pm_card_ok"
SAVED_INSUFFICIENT = "sbx_pm_card_insufficient_funds"


def sandbox_account(organization: Organization) -> GatewayAccount:
    return GatewayAccountFactory.sandbox(organization=organization)


def sandbox_transaction(*, organization: Organization, method: str = SAVED_OK, **overrides: Any) -> Transaction:
    """A failed transaction at the sandbox gateway with a saved method, and no attempt yet."""
    values: dict[str, Any] = {
        "gateway": "sandbox",
        "currency": "INR",
        "amount": 49900,
        "gateway_customer_id": "cus_sbx_asha",
        "gateway_payment_method_id": method,
        "failure_code": "insufficient_funds",
        "network_decline_code": "51",
    }
    return factories.transaction(organization=organization, **{**values, **overrides})


def claimed(*, transaction: Transaction, channel: str = Channel.EMAIL, number: int = 1) -> RecoveryAttempt:
    """An attempt due a minute ago, claimed by the dispatcher (in progress, its task not yet run)."""
    attempt = factories.attempt(
        transaction=transaction, channel=channel, number=number, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    assert attempts_claim_due(now=timezone.now(), limit=1000) == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    return attempt


def claim_again(attempt: RecoveryAttempt) -> RecoveryAttempt:
    """A rescheduled attempt, made due now and claimed once more."""
    RecoveryAttempt.objects.filter(pk=attempt.pk).update(scheduled_at=timezone.now())
    assert attempts_claim_due(now=timezone.now(), limit=1000) == [attempt.pk]
    attempt.refresh_from_db()
    return attempt


def later_attempts(transaction: Transaction, after: RecoveryAttempt) -> list[RecoveryAttempt]:
    return list(RecoveryAttempt.objects.filter(transaction=transaction, number__gt=after.number).order_by("number"))
