"""Ingest: `POST /v1/events/payment_failed` and `POST /v1/events/batch`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import request_api_key
from accounts.enums import Role
from accounts.models import Organization
from recovery.api import schemas
from recovery.api.output import batch_result_data, dumps, recorded_data
from recovery.api.parsing import BATCH_ITEM_FIELDS, parse_batch, parse_failure, read_json_body, require_object
from recovery.exceptions import TransactionConflict
from recovery.services import (
    FailureInput,
    FailureRecorded,
    transaction_record_failure,
    transaction_record_failures,
    transaction_record_new,
)
from tinko.api import ApiError, error_body
from tinko.idempotency import (
    Claim,
    ClaimState,
    StoredResponse,
    claim_refusal,
    idempotency_claim_many,
    idempotency_guards,
    idempotency_key_validate,
    idempotency_link,
    idempotency_store,
    idempotent_call,
    request_fingerprint,
    retry_race,
)
from tinko.sql import ChainLink

PAYMENT_FAILED_ENDPOINT = "POST /v1/events/payment_failed"
BATCH_ENDPOINT = "POST /v1/events/batch"


def _conflict(exc: TransactionConflict) -> ApiError:
    return ApiError(status_code=409, code="transaction_conflict", message=exc.message, param=exc.field)


def _stored(result: FailureRecorded) -> StoredResponse:
    return StoredResponse(status=201 if result.created else 200, body=dumps(recorded_data(result)))


def _first_failure_in_one_statement(
    *, organization: Organization, key: str, fingerprint: str, payload: Any
) -> StoredResponse | None:
    """The common case, a new transaction's first failure under a fresh key, written by one
    statement: the transaction, the event and the stored response, behind the key's lock.

    None, having written nothing, for any other case (and for an invalid body): the general,
    transactional path then gives the answer, including the error to show.
    """
    try:
        failure = parse_failure(payload, idempotency_key=key)
    except ApiError:
        return None
    response: StoredResponse | None = None

    def store_response(result: FailureRecorded) -> list[ChainLink]:
        nonlocal response
        response = _stored(result)
        return [idempotency_link(organization=organization, key=key, fingerprint=fingerprint, stored=response)]

    recorded = transaction_record_new(
        organization=organization,
        failure=failure,
        guards=idempotency_guards(organization=organization, key=key),
        then=store_response,
    )
    return response if recorded is not None else None


class EventPaymentFailedApi(APIView):
    # Writes failures: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        operation_id="events_payment_failed",
        summary="Record a failed payment",
        description=(
            "Records one failed payment: upserts its transaction (by `transaction_ref`), stores the failure event, "
            "classifies the decline and returns all of it. Needs an `Idempotency-Key`. A failure on a recovered or "
            "cancelled transaction is recorded but does not reopen it (`transaction_effect: not_reopened`). "
            "Unknown fields are refused (400 naming the field)."
        ),
        tags=["events"],
        request=schemas.PaymentFailedIn,
        parameters=[schemas.IDEMPOTENCY_KEY_PARAMETER, schemas.REPLAYED_HEADER_PARAMETER],
        examples=[schemas.PAYMENT_FAILED_EXAMPLE, schemas.UPI_EXAMPLE, schemas.INGEST_RESPONSE_EXAMPLE],
        responses={
            201: OpenApiResponse(schemas.IngestOut, description="Recorded (or the replay of the first response)."),
            200: OpenApiResponse(
                schemas.IngestOut,
                description="This event was recorded before under the same key (beyond the replay window).",
            ),
            400: schemas.error("The body or the Idempotency-Key is invalid; nothing was recorded."),
            409: schemas.error(
                "idempotency_key_in_use: the first request with this key is still running; "
                "transaction_conflict: the transaction exists with another amount or currency."
            ),
            413: schemas.error("The body is too large."),
            415: schemas.error("The body is not JSON."),
            422: schemas.error("idempotency_key_reused: the key was used for a different request."),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        organization = request_api_key(request).organization
        key = idempotency_key_validate(request.headers.get("Idempotency-Key"))
        payload = read_json_body(request)
        fingerprint = request_fingerprint(endpoint=PAYMENT_FAILED_ENDPOINT, payload=payload)
        first = _first_failure_in_one_statement(
            organization=organization, key=key, fingerprint=fingerprint, payload=payload
        )
        if first is not None:
            return HttpResponse(first.body, status=first.status, content_type="application/json")

        def handle() -> StoredResponse:
            failure = parse_failure(payload, idempotency_key=key)
            try:
                result = transaction_record_failure(organization=organization, failure=failure)
            except TransactionConflict as exc:
                raise _conflict(exc) from exc
            return _stored(result)

        return idempotent_call(organization=organization, key=key, fingerprint=fingerprint, handler=handle)


@dataclass
class _Item:
    index: int
    key: str | None = None
    fingerprint: str = ""
    body: dict[str, Any] | None = None
    failure: FailureInput | None = None
    status: int = 0
    outcome: str = ""
    error: dict[str, Any] | None = None
    result: bytes | None = None

    def fail(self, exc: ApiError) -> None:
        self.status = exc.status_code
        self.outcome = "error"
        self.error = error_body(status_code=exc.status_code, code=exc.code, message=str(exc.detail), param=exc.param)[
            "error"
        ]

    def succeed(self, stored: StoredResponse, *, outcome: str) -> None:
        self.status = stored.status
        self.outcome = outcome
        self.result = stored.body

    def as_json(self) -> bytes:
        head = dumps(
            {
                "index": self.index,
                "idempotency_key": self.key,
                "status": self.status,
                "outcome": self.outcome,
                "error": self.error,
            }
        )
        # The result is spliced in as stored, so a replayed item carries exactly its first bytes.
        return head[:-1] + b',"result":' + (self.result or b"null") + b"}"


def _record_batch(*, organization: Organization, events: list[Any]) -> list[_Item]:
    """Each event's outcome, in one transaction that records the new ones and stores their results."""
    items = [_Item(index=index) for index in range(len(events))]
    first_with_key: dict[str, _Item] = {}
    repeats: list[_Item] = []
    for item, raw in zip(items, events, strict=True):
        try:
            item.body = require_object(raw, param=None, what="Each event")
            item.key = idempotency_key_validate(item.body.get("idempotency_key"), param="idempotency_key")
            item.fingerprint = request_fingerprint(endpoint=BATCH_ENDPOINT, payload=item.body)
        except ApiError as exc:
            item.fail(exc)
            continue
        if item.key in first_with_key:
            repeats.append(item)
        else:
            first_with_key[item.key] = item

    with transaction.atomic():
        claims = idempotency_claim_many(
            organization=organization, requests=[(key, item.fingerprint) for key, item in first_with_key.items()]
        )
        to_record: list[_Item] = []
        for key, item in first_with_key.items():
            claim = claims[key]
            if claim.state is ClaimState.REPLAY:
                assert claim.stored is not None
                item.succeed(claim.stored, outcome="replayed")
            elif claim.state is not ClaimState.FREE:
                item.fail(claim_refusal(claim, param="idempotency_key"))
            else:
                try:
                    item.failure = parse_failure(item.body, idempotency_key=key, allowed=BATCH_ITEM_FIELDS)
                except ApiError as exc:
                    item.fail(exc)
                else:
                    to_record.append(item)
        results = (
            transaction_record_failures(
                organization=organization, failures=[item.failure for item in to_record if item.failure]
            )
            if to_record
            else []
        )
        responses: list[tuple[str, str, StoredResponse]] = []
        for item, result in zip(to_record, results, strict=True):
            if isinstance(result, TransactionConflict):
                # Nothing is stored for it, so the event can be sent again.
                item.fail(_conflict(result))
                continue
            stored = StoredResponse(status=201 if result.created else 200, body=dumps(batch_result_data(result)))
            item.succeed(stored, outcome="created" if result.created else "replayed")
            assert item.key is not None
            responses.append((item.key, item.fingerprint, stored))
        if responses:
            idempotency_store(organization=organization, responses=responses)

    for item in repeats:
        assert item.key is not None
        first = first_with_key[item.key]
        if item.fingerprint != first.fingerprint:
            item.fail(claim_refusal(Claim(key=item.key, state=ClaimState.REUSED), param="idempotency_key"))
        elif first.outcome == "error":
            item.status, item.outcome, item.error = first.status, first.outcome, first.error
        else:
            item.succeed(StoredResponse(first.status, first.result or b"null"), outcome="replayed")
    return items


class EventBatchApi(APIView):
    # Writes failures: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        operation_id="events_batch",
        summary="Record up to 1,000 failed payments",
        description=(
            "Each event carries its own `idempotency_key` and is handled as `POST /v1/events/payment_failed` "
            "would handle it. Results come back in request order, one per event: `created`, `replayed` (the key was "
            "used before with the same event: its first result), or `error` (with the status and error it would have "
            "had alone). One bad event does not sink the others. The call itself answers 200 unless the body as a "
            "whole is unusable."
        ),
        tags=["events"],
        request=schemas.BatchIn,
        examples=[schemas.BATCH_EXAMPLE],
        responses={
            200: schemas.BatchOut,
            400: schemas.error("The body is not a batch (events must be a list of 1 to 1,000 events)."),
            413: schemas.error("The body is too large."),
            415: schemas.error("The body is not JSON."),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        organization = request_api_key(request).organization
        events = parse_batch(read_json_body(request))
        items = retry_race(lambda: _record_batch(organization=organization, events=events))
        summary = {
            "received": len(items),
            "created": sum(1 for item in items if item.outcome == "created"),
            "replayed": sum(1 for item in items if item.outcome == "replayed"),
            "failed": sum(1 for item in items if item.outcome == "error"),
        }
        body = (
            b'{"object":"batch_result","summary":'
            + dumps(summary)
            + b',"results":['
            + b",".join(item.as_json() for item in items)
            + b"]}"
        )
        return HttpResponse(body, content_type="application/json")
