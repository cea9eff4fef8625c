"""Ingest through the API: failures recorded under idempotency keys, each answer built and stored
in the same transaction as what it answers for.

A single event takes one of two write paths with the same result, byte for byte: the common
case (a new transaction's first failure under a fresh key) is one statement on PostgreSQL
(`tinko.idempotency.idempotent_insert`); every other case, and every other database, runs the
transactional path (`tinko.idempotency.idempotent_run`). A merchant's report that a payment
succeeded outside Tinko takes the transactional path under its key, as a failure does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from accounts.models import Organization
from recovery.enums import PaymentEffect
from recovery.exceptions import EventKeyReused, TransactionConflict
from recovery.resources import batch_result_data, dumps, payment_applied_data, recorded_data
from recovery.services.failures import (
    FailureInput,
    FailureRecorded,
    transaction_first_failure,
    transaction_record_failure,
    transaction_record_failures,
)
from recovery.services.payments import PaymentReceived, transaction_mark_recovered
from tinko.api import ApiError, error_body
from tinko.idempotency import (
    IDEMPOTENCY_HEADER,
    Claim,
    ClaimState,
    IdempotentResult,
    StoredResponse,
    claim_refusal,
    idempotency_claim_many,
    idempotency_store,
    idempotent_insert,
    idempotent_run,
)
from tinko.races import RACE_ERRORS, atomic_retrying


def _answer(result: FailureRecorded) -> StoredResponse:
    return StoredResponse(status=201 if result.created else 200, body=dumps(recorded_data(result)))


def _in_one_statement(*, organization: Organization, livemode: bool, failure: FailureInput) -> IdempotentResult | None:
    """The common case written by one statement; None, having written nothing, for any other."""
    key = failure.idempotency_key
    assert key is not None
    first = transaction_first_failure(organization=organization, livemode=livemode, failure=failure)
    answer = _answer(first.recorded)
    ids = idempotent_insert(
        organization=organization,
        livemode=livemode,
        key=key,
        fingerprint=failure.request_fingerprint,
        stored=answer,
        links=first.links(),
        guards=first.guards(),
    )
    if ids is None:
        return None
    first.written(ids)
    return IdempotentResult(response=answer, replayed=False)


def _key_reused_error(exc: EventKeyReused, *, param: str) -> ApiError:
    return claim_refusal(Claim(key=exc.key, state=ClaimState.REUSED), param=param)


def failure_ingest(*, organization: Organization, livemode: bool, failure: FailureInput) -> IdempotentResult:
    """Record one failure sent to the API (with a live key or a test key) under
    `failure.idempotency_key`, answering a repeat of
    the request (same `request_fingerprint`) with the first answer. Raises the key's refusal
    (ApiError 409 or 422) and TransactionConflict (the transaction exists with another amount or
    currency), storing nothing."""
    key = failure.idempotency_key
    if not key or not failure.request_fingerprint:
        raise ValueError("API ingest needs the request's idempotency key and fingerprint on the failure.")
    first = _in_one_statement(organization=organization, livemode=livemode, failure=failure)
    if first is not None:
        return first

    def record() -> StoredResponse:
        try:
            return _answer(transaction_record_failure(organization=organization, livemode=livemode, failure=failure))
        except EventKeyReused as exc:
            raise _key_reused_error(exc, param=IDEMPOTENCY_HEADER) from exc

    return idempotent_run(
        organization=organization,
        livemode=livemode,
        key=key,
        fingerprint=failure.request_fingerprint,
        handler=record,
    )


@dataclass(frozen=True, kw_only=True)
class BatchEvent:
    """One event of a batch as the API read it: its key and fingerprint (None and "" when the event
    could not even say them), and the failure to record or the error that refuses it."""

    key: str | None
    fingerprint: str
    failure: FailureInput | None = None
    error: ApiError | None = None

    def __post_init__(self) -> None:
        if (self.failure is None) == (self.error is None):
            raise ValueError("A batch event has either a failure to record or an error.")


@dataclass(frozen=True, kw_only=True)
class BatchEventResult:
    """What became of one event of a batch: `created`, `replayed` (the key's first answer, as
    stored) or `error` (the status and error body it would have had alone)."""

    index: int
    key: str | None
    status: int
    outcome: str
    error: dict[str, Any] | None = None
    result: bytes | None = None


def _error(index: int, key: str | None, exc: ApiError) -> BatchEventResult:
    body = error_body(status_code=exc.status_code, code=exc.code, message=str(exc.detail), param=exc.param)
    return BatchEventResult(index=index, key=key, status=exc.status_code, outcome="error", error=body["error"])


def _answered(index: int, key: str | None, stored: StoredResponse, *, outcome: str) -> BatchEventResult:
    return BatchEventResult(index=index, key=key, status=stored.status, outcome=outcome, result=stored.body)


def _record_batch(
    *, organization: Organization, livemode: bool, events: Sequence[BatchEvent]
) -> list[BatchEventResult]:
    results: dict[int, BatchEventResult] = {}
    first_with_key: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.error is not None:
            results[index] = _error(index, event.key, event.error)
        elif event.key is not None and event.key not in first_with_key:
            first_with_key[event.key] = index

    claims = idempotency_claim_many(
        organization=organization,
        livemode=livemode,
        requests=[(key, events[index].fingerprint) for key, index in first_with_key.items()],
    )
    to_record: list[int] = []
    for key, index in first_with_key.items():
        claim = claims[key]
        if claim.state is ClaimState.REPLAY:
            assert claim.stored is not None
            results[index] = _answered(index, key, claim.stored, outcome="replayed")
        elif claim.state is not ClaimState.FREE:
            results[index] = _error(index, key, claim_refusal(claim, param="idempotency_key"))
        else:
            to_record.append(index)
    failures = [failure for index in to_record if (failure := events[index].failure) is not None]
    recorded = (
        transaction_record_failures(organization=organization, livemode=livemode, failures=failures) if failures else []
    )
    responses: list[tuple[str, str, StoredResponse]] = []
    for index, result in zip(to_record, recorded, strict=True):
        event = events[index]
        assert event.key is not None
        if isinstance(result, TransactionConflict):
            # Nothing is stored for it, so the event can be sent again.
            results[index] = _error(index, event.key, transaction_conflict_error(result))
            continue
        if isinstance(result, EventKeyReused):
            results[index] = _error(index, event.key, _key_reused_error(result, param="idempotency_key"))
            continue
        stored = StoredResponse(status=201 if result.created else 200, body=dumps(batch_result_data(result)))
        results[index] = _answered(index, event.key, stored, outcome="created" if result.created else "replayed")
        responses.append((event.key, event.fingerprint, stored))
    idempotency_store(organization=organization, livemode=livemode, responses=responses)

    for index, event in enumerate(events):
        if index in results or event.key is None:
            continue
        # A repeat of a key earlier in the same batch: the same event is answered as the first was.
        first = results[first_with_key[event.key]]
        if event.fingerprint != events[first_with_key[event.key]].fingerprint:
            refusal = claim_refusal(Claim(key=event.key, state=ClaimState.REUSED), param="idempotency_key")
            results[index] = _error(index, event.key, refusal)
        elif first.outcome == "error":
            results[index] = BatchEventResult(
                index=index, key=event.key, status=first.status, outcome="error", error=first.error
            )
        else:
            results[index] = BatchEventResult(
                index=index, key=event.key, status=first.status, outcome="replayed", result=first.result
            )
    return [results[index] for index in range(len(events))]


def failures_ingest_batch(
    *, organization: Organization, livemode: bool, events: Sequence[BatchEvent]
) -> list[BatchEventResult]:
    """Record a batch of failures sent to the API, each under its own key, in one transaction that
    also stores each new event's answer; results in request order. An event that another request
    is writing meanwhile makes the batch run once more, and that run replays it."""
    return atomic_retrying(
        lambda: _record_batch(organization=organization, livemode=livemode, events=events), errors=RACE_ERRORS
    )


def transaction_conflict_error(exc: TransactionConflict) -> ApiError:
    """The API's answer to a failure whose transaction exists with another amount or currency."""
    return ApiError(status_code=409, code="transaction_conflict", message=exc.message, param=exc.field)


def payment_succeeded_ingest(
    *, organization: Organization, livemode: bool, key: str, fingerprint: str, payment: PaymentReceived
) -> IdempotentResult:
    """Record the merchant's report that `payment` was paid outside Tinko, under the request's
    idempotency key: the transaction is recovered (credited as `payment.recovered_by` says), or the
    payment is kept as a mismatch and the transaction stays open. Raises the key's refusal (409,
    422), a 404 for an unknown reference and a 409 for a transaction already recovered or
    cancelled, storing nothing."""

    def record() -> StoredResponse:
        applied = transaction_mark_recovered(organization=organization, livemode=livemode, payment=payment)
        if applied.effect == PaymentEffect.UNMATCHED:
            raise ApiError(
                status_code=404,
                code="transaction_not_found",
                message="No transaction with this reference.",
                param="transaction_ref",
            )
        txn = applied.transaction
        assert txn is not None
        if applied.effect == PaymentEffect.ALREADY_CLOSED:
            raise ApiError(
                status_code=409,
                code=f"transaction_{txn.status}",
                message=f"Transaction {txn.transaction_ref!r} was {txn.status} before: the payment changes nothing.",
                param="transaction_ref",
            )
        return StoredResponse(status=200, body=dumps(payment_applied_data(applied)))

    return idempotent_run(
        organization=organization, livemode=livemode, key=key, fingerprint=fingerprint, handler=record
    )
