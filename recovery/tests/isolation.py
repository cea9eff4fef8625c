"""Recovery's objects for the tenant-isolation suites (accounts/tests/isolation.py)."""

from django.utils import timezone

from accounts.models import Organization
from accounts.tests.isolation import admin_row, isolation_factory
from recovery.models import ClassifierRule, FailureEvent, PaymentMismatch, Transaction
from recovery.services import FailureInput, transaction_record_failure
from recovery.tests.factories import classifier_rule, record_failure


@isolation_factory("transaction_ref")
def transaction_ref(organization: Organization) -> str:
    failure = FailureInput(
        transaction_ref="isolated-order-7",
        amount=4200,
        currency="USD",
        occurred_at=timezone.now(),
        failure_code="insufficient_funds",
    )
    return transaction_record_failure(
        organization=organization, livemode=False, failure=failure
    ).transaction.transaction_ref


@isolation_factory("rule_slug")
def rule_slug(organization: Organization) -> str:
    return classifier_rule(organization=organization).slug


@admin_row("recovery.ClassifierRule")
def classifier_rule_row(organization: Organization) -> ClassifierRule:
    return classifier_rule(organization=organization)


@admin_row("recovery.Transaction")
def transaction_row(organization: Organization) -> Transaction:
    return record_failure(organization=organization).transaction


@admin_row("recovery.FailureEvent")
def failure_event_row(organization: Organization) -> FailureEvent:
    return record_failure(organization=organization).event


@admin_row("recovery.PaymentMismatch")
def payment_mismatch_row(organization: Organization) -> PaymentMismatch:
    txn = record_failure(organization=organization).transaction
    return PaymentMismatch.objects.create(
        organization=organization,
        livemode=txn.livemode,
        transaction=txn,
        amount=txn.amount - 1,
        currency=txn.currency,
        paid_at=timezone.now(),
        recovered=False,
        reason="paid less than owed",
    )
