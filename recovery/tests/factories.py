from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import Organization
from recovery.enums import Action, Category, CodeSystem
from recovery.models import ClassifierRule
from recovery.services import Customer, FailureInput, FailureRecorded, classifier_rule_save, transaction_record_failure

_counter = iter(range(1, 10**9))


def failure_input(**overrides: Any) -> FailureInput:
    """A valid failure (Stripe card, insufficient funds) with a fresh reference and key."""
    number = next(_counter)
    values: dict[str, Any] = {
        "transaction_ref": f"order-{number}",
        "amount": 1999,
        "currency": "USD",
        "occurred_at": timezone.now(),
        "gateway": "stripe",
        "failure_code": "insufficient_funds",
        "failure_message": "Your card has insufficient funds.",
        "payment_method_type": "card",
        "customer": Customer(email="payer@example.com", phone="+14155550100", name="Pat Payer"),
        "idempotency_key": f"key-{number}",
    }
    values.update(overrides)
    return FailureInput(**values)


def record_failure(
    *, organization: Organization, livemode: bool = False, occurred_at: datetime | None = None, **overrides: Any
) -> FailureRecorded:
    """A failure recorded in `organization`'s test data (or its live data with livemode=True)."""
    if occurred_at is not None:
        overrides["occurred_at"] = occurred_at
    return transaction_record_failure(organization=organization, livemode=livemode, failure=failure_input(**overrides))


def classifier_rule(**overrides: Any) -> ClassifierRule:
    """An organization override (or a global rule), saved through the service so caches hear of it."""
    values: dict[str, Any] = {
        "slug": f"test:rule-{next(_counter)}",
        "code_system": CodeSystem.GATEWAY,
        "gateway": "stripe",
        "code": "insufficient_funds",
        "category": Category.ISSUER_DECLINE,
        "retryable": True,
        "action": Action.RETRY_LATER,
        "cooldown_seconds": 3600,
        "alternatives": ["upi"],
        "priority": 50,
        "recommendation": "Try again in an hour.",
        "explanation": "Our override.",
    }
    values.update(overrides)
    return classifier_rule_save(rule=ClassifierRule(**values))
