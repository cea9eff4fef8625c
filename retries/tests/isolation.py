"""Retries' objects for the tenant-isolation suites (accounts/tests/isolation.py)."""

from accounts.models import Organization
from accounts.tests.isolation import admin_row, isolation_factory
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
