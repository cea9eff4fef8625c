"""Ingest: `POST /v1/events/payment_failed`, `POST /v1/events/batch` and `POST /v1/events/payment_succeeded`."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import api_key_events_charge, request_api_key
from accounts.enums import Role
from recovery.api import examples, schemas
from recovery.api.parsing import (
    BATCH_ITEM_FIELDS,
    parse_batch,
    parse_failure,
    parse_payment_succeeded,
    read_json_body,
    require_object,
)
from recovery.exceptions import TransactionConflict
from recovery.resources import dumps
from recovery.services.ingest import (
    BatchEvent,
    BatchEventResult,
    failure_ingest,
    failures_ingest_batch,
    payment_succeeded_ingest,
    transaction_conflict_error,
)
from tinko.api import ApiError
from tinko.idempotency import idempotency_key_validate, request_fingerprint

PAYMENT_FAILED_ENDPOINT = "POST /v1/events/payment_failed"
BATCH_ENDPOINT = "POST /v1/events/batch"
PAYMENT_SUCCEEDED_ENDPOINT = "POST /v1/events/payment_succeeded"


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
        examples=[examples.PAYMENT_FAILED_EXAMPLE, examples.UPI_EXAMPLE, examples.INGEST_RESPONSE_EXAMPLE],
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
        api_key = request_api_key(request)
        key = idempotency_key_validate(request.headers.get("Idempotency-Key"))
        payload = read_json_body(request)
        fingerprint = request_fingerprint(endpoint=PAYMENT_FAILED_ENDPOINT, payload=payload)
        failure = parse_failure(payload, idempotency_key=key, request_fingerprint=fingerprint)
        try:
            result = failure_ingest(organization=api_key.organization, livemode=api_key.livemode, failure=failure)
        except TransactionConflict as exc:
            raise transaction_conflict_error(exc) from exc
        return result.as_http()


def _batch_event(raw: Any) -> BatchEvent:
    """One event of a batch read on its own: a bad one becomes an error for that event alone."""
    key: str | None = None
    fingerprint = ""
    try:
        body = require_object(raw, param=None, what="Each event")
        key = idempotency_key_validate(body.get("idempotency_key"), param="idempotency_key")
        fingerprint = request_fingerprint(endpoint=BATCH_ENDPOINT, payload=body)
        failure = parse_failure(body, idempotency_key=key, request_fingerprint=fingerprint, allowed=BATCH_ITEM_FIELDS)
    except ApiError as exc:
        return BatchEvent(key=key, fingerprint=fingerprint, error=exc)
    return BatchEvent(key=key, fingerprint=fingerprint, failure=failure)


def _batch_result_data(result: BatchEventResult) -> dict[str, Any]:
    return {
        "index": result.index,
        "idempotency_key": result.key,
        "status": result.status,
        "outcome": result.outcome,
        "error": result.error,
        # As stored: a replayed event carries exactly the bytes of its first answer.
        "result": orjson.Fragment(result.result) if result.result is not None else None,
    }


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
        examples=[examples.BATCH_EXAMPLE],
        responses={
            200: schemas.BatchOut,
            400: schemas.error("The body is not a batch (events must be a list of 1 to 1,000 events)."),
            413: schemas.error("The body is too large."),
            415: schemas.error("The body is not JSON."),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        api_key = request_api_key(request)
        raw_events = parse_batch(read_json_body(request))
        api_key_events_charge(api_key=request_api_key(request), events=len(raw_events))
        events = [_batch_event(raw) for raw in raw_events]
        results = failures_ingest_batch(organization=api_key.organization, livemode=api_key.livemode, events=events)
        summary = {
            "received": len(results),
            "created": sum(1 for result in results if result.outcome == "created"),
            "replayed": sum(1 for result in results if result.outcome == "replayed"),
            "failed": sum(1 for result in results if result.outcome == "error"),
        }
        data = {"object": "batch_result", "summary": summary, "results": [_batch_result_data(r) for r in results]}
        return HttpResponse(dumps(data), content_type="application/json")


class EventPaymentSucceededApi(APIView):
    # Recovers transactions: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        operation_id="events_payment_succeeded",
        summary="Report a payment made outside Tinko",
        description=(
            "The payer paid a failed payment some other way (bank transfer, cash, your own checkout): the transaction "
            "is recovered and credited to you (`recovered_by: merchant`); what was still scheduled is cancelled. A "
            "payment in another currency or for less than owed is kept as a payment mismatch and the transaction "
            "stays open (`effect: mismatch`); one for more recovers it and is kept too. Needs an `Idempotency-Key`, "
            "which works as on payment_failed."
        ),
        tags=["events"],
        request=schemas.PaymentSucceededIn,
        parameters=[schemas.IDEMPOTENCY_KEY_PARAMETER, schemas.REPLAYED_HEADER_PARAMETER],
        examples=[examples.PAYMENT_SUCCEEDED_EXAMPLE, examples.PAYMENT_SUCCEEDED_RESPONSE_EXAMPLE],
        responses={
            200: OpenApiResponse(
                schemas.PaymentSucceededOut, description="Recorded (or the replay of the first response)."
            ),
            400: schemas.error("The body or the Idempotency-Key is invalid; nothing was recorded."),
            404: schemas.error("transaction_not_found: no transaction with this reference; nothing was recorded."),
            409: schemas.error(
                "idempotency_key_in_use: the first request with this key is still running; "
                "transaction_recovered, transaction_cancelled: the transaction was closed before, nothing changed."
            ),
            413: schemas.error("The body is too large."),
            415: schemas.error("The body is not JSON."),
            422: schemas.error("idempotency_key_reused: the key was used for a different request."),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        api_key = request_api_key(request)
        key = idempotency_key_validate(request.headers.get("Idempotency-Key"))
        payload = read_json_body(request)
        fingerprint = request_fingerprint(endpoint=PAYMENT_SUCCEEDED_ENDPOINT, payload=payload)
        payment = parse_payment_succeeded(payload)
        result = payment_succeeded_ingest(
            organization=api_key.organization,
            livemode=api_key.livemode,
            key=key,
            fingerprint=fingerprint,
            payment=payment,
        )
        return result.as_http()
