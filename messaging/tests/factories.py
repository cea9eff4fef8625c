from __future__ import annotations

from datetime import timedelta
from typing import Any

from accounts.models import Organization
from messaging.services import IssuedLink, recovery_link_issue
from recovery.models import Transaction
from recovery.services import Customer
from recovery.tests.factories import record_failure

# ₹1,00,000.00: Indian digit grouping shows in every formatted amount.
LAKH_IN_PAISE = 10_000_000


def failed_transaction(*, organization: Organization, **overrides: Any) -> Transaction:
    """A rupee payment of ₹1,00,000 that failed for insufficient funds (category funds), through the service."""
    values: dict[str, Any] = {
        "amount": LAKH_IN_PAISE,
        "currency": "INR",
        "customer": Customer(email="asha.rao@example.com", phone="+919876543210", name="Asha Rao"),
    }
    values.update(overrides)
    return record_failure(organization=organization, **values).transaction


def issued_link(
    *, transaction: Transaction, lifetime: timedelta = timedelta(days=3), attempt_number: int | None = 1
) -> IssuedLink:
    return recovery_link_issue(transaction=transaction, lifetime=lifetime, attempt_number=attempt_number)


def transaction_set_status(transaction: Transaction, status: str) -> None:
    """Settle a transaction as the retry engine or a merchant will (their services come with the retry engine)."""
    Transaction.objects.filter(pk=transaction.pk).update(status=status)
    transaction.status = status
