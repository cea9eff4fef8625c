"""Resources as the API shows them (plain dicts, rendered with orjson)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from recovery.classifier import Classification
from recovery.models import FailureEvent, PaymentMismatch, Transaction
from retries.models import RecoveryAttempt

if TYPE_CHECKING:
    from recovery.services.failures import FailureRecorded
    from recovery.services.payments import PaymentApplied

_JSON_OPTIONS = orjson.OPT_UTC_Z


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, option=_JSON_OPTIONS)


def _or_none(value: str) -> str | None:
    return value or None


def transaction_data(txn: Transaction) -> dict[str, Any]:
    return {
        "id": txn.public_id,
        "object": "transaction",
        "livemode": txn.livemode,
        "transaction_ref": txn.transaction_ref,
        "amount": txn.amount,
        "currency": txn.currency,
        "gateway": txn.gateway,
        "payment_method_type": txn.payment_method_type,
        "status": txn.status,
        "category": txn.category,
        "customer": {
            "email": _or_none(txn.customer_email),
            "phone": _or_none(txn.customer_phone),
            "name": _or_none(txn.customer_name),
        },
        "gateway_customer_id": _or_none(txn.gateway_customer_id),
        "gateway_payment_method_id": _or_none(txn.gateway_payment_method_id),
        "failure_count": txn.failure_count,
        "first_failed_at": txn.first_failed_at,
        "last_failed_at": txn.last_failed_at,
        "recovered_amount": txn.recovered_amount,
        "recovered_at": txn.recovered_at,
        "recovered_by": _or_none(txn.recovered_by),
        "recovery_note": _or_none(txn.recovery_note),
        "recovery_paused": txn.recovery_paused_at is not None,
        "recovery_paused_at": txn.recovery_paused_at,
        "recovery_restarted_at": txn.recovery_restarted_at,
        "metadata": txn.metadata,
        "created_at": txn.created_at,
        "updated_at": txn.updated_at,
    }


def classification_data(decision: Classification) -> dict[str, Any]:
    return decision.as_dict()


def event_data(event: FailureEvent, *, transaction_id: str) -> dict[str, Any]:
    return {
        "id": event.public_id,
        "object": "failure_event",
        "livemode": event.livemode,
        "transaction": transaction_id,
        "occurred_at": event.occurred_at,
        "source": event.source,
        "gateway": event.gateway,
        "payment_method_type": event.payment_method_type,
        "failure_code": _or_none(event.failure_code),
        "failure_message": _or_none(event.failure_message),
        "network_decline_code": _or_none(event.network_decline_code),
        "network_advice_code": _or_none(event.network_advice_code),
        "advice_code": _or_none(event.advice_code),
        "classification": {
            "category": event.category,
            "retryable": event.retryable,
            "action": event.action,
            "recommendation": event.recommendation,
            "alternatives": event.alternatives,
            "cooldown_seconds": event.cooldown_seconds,
            "rule": event.rule,
            "explanation": event.explanation,
        },
        "created_at": event.created_at,
    }


def recorded_data(result: FailureRecorded) -> dict[str, Any]:
    """The body of an ingest response: the transaction, the event, the decision and what comes next."""
    txn = result.transaction
    return {
        "transaction": transaction_data(txn),
        "event": event_data(result.event, transaction_id=txn.public_id),
        "classification": classification_data(result.classification),
        "transaction_effect": result.transaction_effect,
        # What the retry engine scheduled next, or why nothing (null for a failure recorded before).
        "next_step": result.next_step.as_data() if result.next_step is not None else None,
    }


def batch_result_data(result: FailureRecorded) -> dict[str, Any]:
    """One event's result in a batch: ids, effect and decision (the full resources are one GET away)."""
    decision = result.classification
    return {
        "transaction": result.transaction.public_id,
        "transaction_ref": result.transaction.transaction_ref,
        "event": result.event.public_id,
        "transaction_effect": result.transaction_effect,
        "category": decision.category,
        "retryable": decision.retryable,
        "action": decision.action,
        "cooldown_seconds": decision.cooldown_seconds,
        "rule": decision.rule,
    }


def transaction_detail_data(txn: Transaction) -> dict[str, Any]:
    """A transaction with its failures, its recovery attempts (and why each was planned) and the
    payments that did not match it."""
    data = transaction_data(txn)
    data["events"] = [event_data(event, transaction_id=txn.public_id) for event in txn.events.all()]
    data["attempts"] = [attempt_data(attempt) for attempt in txn.attempts.all()]
    data["payment_mismatches"] = [payment_mismatch_data(mismatch) for mismatch in txn.payment_mismatches.all()]
    return data


def attempt_data(attempt: RecoveryAttempt) -> dict[str, Any]:
    return {
        "id": attempt.public_id,
        "object": "recovery_attempt",
        "number": attempt.number,
        "channel": attempt.channel,
        "status": attempt.status,
        "scheduled_at": attempt.scheduled_at,
        "started_at": attempt.started_at,
        "finished_at": attempt.finished_at,
        "gateway_payment_id": _or_none(attempt.gateway_payment_id),
        "error": _or_none(attempt.error),
        # As the planner wrote them: [{"code": …, "text": …}], the words meant for people.
        "reasons": attempt.reasons,
    }


def payment_applied_data(applied: PaymentApplied) -> dict[str, Any]:
    """The body of a payment_succeeded answer: what the payment did, and the transaction after it."""
    assert applied.transaction is not None
    return {
        "object": "payment_result",
        "effect": applied.effect,
        "transaction": transaction_data(applied.transaction),
        "payment_mismatch": payment_mismatch_data(applied.mismatch) if applied.mismatch is not None else None,
    }


def payment_mismatch_data(mismatch: PaymentMismatch) -> dict[str, Any]:
    return {
        "id": mismatch.public_id,
        "object": "payment_mismatch",
        "amount": mismatch.amount,
        "currency": mismatch.currency,
        "gateway": _or_none(mismatch.gateway),
        "gateway_payment_id": _or_none(mismatch.gateway_payment_id),
        "paid_at": mismatch.paid_at,
        "recovered": mismatch.recovered,
        "reason": mismatch.reason,
    }
