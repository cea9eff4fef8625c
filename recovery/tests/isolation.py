"""Recovery's objects for the tenant-isolation suite (accounts/tests/test_tenant_isolation.py)."""

from django.utils import timezone

from accounts.models import Organization
from accounts.tests.isolation import isolation_factory
from recovery.services import FailureInput, transaction_record_failure


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
