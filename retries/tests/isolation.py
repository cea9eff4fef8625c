"""Retries' objects for the tenant-isolation suites (accounts/tests/isolation.py)."""

from datetime import timedelta

from accounts.models import Organization
from accounts.tests.isolation import admin_row, isolation_factory
from messaging.services import recovery_email_send, recovery_link_issue
from retries.models import RecoveryAttempt, RetryPolicy
from retries.tests.factories import attempt, policy, transaction


@admin_row("retries.RetryPolicy")
def retry_policy_row(organization: Organization) -> RetryPolicy:
    # Not the default, which cannot be deleted.
    if not RetryPolicy.objects.for_org(organization).exists():
        policy(organization=organization)
    return policy(organization=organization)


@isolation_factory("policy_id")
def policy_id(organization: Organization) -> str:
    # Not the default, so that deleting it is allowed.
    if not RetryPolicy.objects.for_org(organization).exists():
        policy(organization=organization)
    return policy(organization=organization).public_id


@admin_row("retries.RecoveryAttempt")
def recovery_attempt_row(organization: Organization) -> RecoveryAttempt:
    return attempt(transaction=transaction(organization=organization))


@isolation_factory("transaction_id")
def transaction_id(organization: Organization) -> str:
    """A test-mode transaction (the console shows test data until an organization has a live key)."""
    return transaction(organization=organization).public_id


@isolation_factory("notification_id")
def notification_id(organization: Organization) -> str:
    txn = transaction(organization=organization)
    link = recovery_link_issue(transaction=txn, lifetime=timedelta(days=3), attempt_number=1).link
    return recovery_email_send(transaction=txn, link=link).public_id
