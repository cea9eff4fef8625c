from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import Organization
from accounts.services import SYSTEM
from recovery.models import Transaction
from recovery.tests.factories import record_failure
from retries.enums import Channel
from retries.models import RecoveryAttempt, RetryPolicy
from retries.services import retry_policy_create

_counter = iter(range(1, 10**9))


def policy(*, organization: Organization, **values: Any) -> RetryPolicy:
    """A policy saved through the service (the organization's first becomes its default)."""
    values.setdefault("name", f"Policy {next(_counter)}")
    return retry_policy_create(policy=RetryPolicy(organization=organization, **values), actor=SYSTEM)


def transaction(*, organization: Organization, **overrides: Any) -> Transaction:
    """A failed transaction, recorded as ingest records it, without the first attempt ingest
    planned (tests number their own attempts)."""
    txn = record_failure(organization=organization, **overrides).transaction
    RecoveryAttempt.objects.filter(transaction=txn).delete()
    return txn


def attempt(*, transaction: Transaction, scheduled_at: datetime | None = None, **values: Any) -> RecoveryAttempt:
    values.setdefault("number", next(_counter))
    values.setdefault("channel", Channel.EMAIL)
    return RecoveryAttempt.objects.create(
        organization_id=transaction.organization_id,
        livemode=transaction.livemode,
        transaction=transaction,
        scheduled_at=scheduled_at or timezone.now(),
        **values,
    )
