"""The merchant's hold on a transaction's recovery, through the API:
`POST /v1/transactions/{transaction_ref}/pause` (`/resume`, `/cancel`, `/restart`) and
`POST /v1/recoveries/by_ref/{transaction_ref}/link` for merchants who send their own messages.

Thin callers of `retries.controls`; each answers the transaction as it now is. A control is
idempotent by nature: asking again for the state a transaction is in answers 200 with that state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import request_api_key
from accounts.enums import Role
from recovery.api import examples, schemas
from recovery.resources import dumps, transaction_detail_data
from recovery.selectors import transaction_get
from retries.controls import (
    ControlResult,
    merchant_link_issue,
    recovery_cancel,
    recovery_pause,
    recovery_restart,
    recovery_resume,
)
from retries.exceptions import RecoveryConflict, TransactionNotFound
from tinko.api import ApiError

CONTROL_ACTIONS = ("pause", "resume", "cancel", "restart")


class ControlOut(serializers.Serializer):
    object = serializers.CharField(help_text='Always "recovery_control".')
    action = serializers.ChoiceField(choices=list(CONTROL_ACTIONS))
    changed = serializers.BooleanField(
        help_text="false: the transaction was already in the state asked for, and nothing changed."
    )
    next_step = schemas.NextStepOut(
        allow_null=True,
        help_text="What the retry engine decided, when this call made it plan (resume, restart); null otherwise.",
    )
    transaction = schemas.TransactionDetailOut()


class RecoveryLinkOut(serializers.Serializer):
    object = serializers.CharField(help_text='Always "recovery_link".')
    url = serializers.URLField(help_text="${PUBLIC_BASE_URL}/pay/retry/<token>/: the page where the payer pays.")
    expires_at = serializers.DateTimeField(help_text="The link stops working then (the policy's link lifetime).")


_TRANSACTION_REF = OpenApiParameter(
    "transaction_ref",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Your reference of the transaction, as sent in payment_failed.",
)


def _not_found() -> ApiError:
    return ApiError(
        status_code=404,
        code="transaction_not_found",
        message="No transaction with this reference.",
        param="transaction_ref",
    )


def _conflict(exc: RecoveryConflict) -> ApiError:
    return ApiError(status_code=409, code=exc.code, message=exc.message, param="transaction_ref")


def _control_schema(*, action: str, summary: str, description: str, conflicts: str) -> dict[str, Any]:
    return {
        "operation_id": f"transactions_{action}",
        "summary": summary,
        "description": description,
        "tags": ["transactions"],
        "request": None,
        "parameters": [_TRANSACTION_REF],
        "examples": [examples.CONTROL_RESPONSE_EXAMPLE] if action == "pause" else [],
        "responses": {
            200: OpenApiResponse(ControlOut, description="The transaction as it now is."),
            404: schemas.error("transaction_not_found: no transaction with this reference."),
            409: schemas.error(f"{conflicts}; nothing changed."),
        },
    }


def _control_response(
    request: Request, transaction_ref: str, *, action: str, control: Callable[..., ControlResult]
) -> HttpResponse:
    api_key = request_api_key(request)
    organization, livemode = api_key.organization, api_key.livemode
    try:
        result = control(organization=organization, livemode=livemode, transaction_ref=transaction_ref)
    except TransactionNotFound as exc:
        raise _not_found() from exc
    except RecoveryConflict as exc:
        raise _conflict(exc) from exc
    txn = transaction_get(organization=organization, livemode=livemode, transaction_ref=transaction_ref)
    assert txn is not None
    body = {
        "object": "recovery_control",
        "action": action,
        "changed": result.changed,
        "next_step": result.next_step.as_data() if result.next_step is not None else None,
        "transaction": transaction_detail_data(txn),
    }
    return HttpResponse(dumps(body), content_type="application/json")


class TransactionPauseApi(APIView):
    # Changes what Tinko does: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        **_control_schema(
            action="pause",
            summary="Pause a transaction's recovery",
            description=(
                "Cancels the attempts still scheduled and plans nothing more, not even after a new failure, until "
                "you resume. An attempt already running finishes. Pausing a paused transaction changes nothing."
            ),
            conflicts="transaction_recovered, transaction_cancelled, transaction_abandoned: it is not being recovered",
        )
    )
    def post(self, request: Request, transaction_ref: str) -> HttpResponse:
        return _control_response(request, transaction_ref, action="pause", control=recovery_pause)


class TransactionResumeApi(APIView):
    # Changes what Tinko does: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        **_control_schema(
            action="resume",
            summary="Resume a paused recovery",
            description=(
                "The retry engine plans the next attempt from now (`next_step`), or gives the transaction up if its "
                "time ran out while paused. Resuming a transaction that is not paused changes nothing."
            ),
            conflicts=(
                "transaction_recovered, transaction_cancelled: it is closed; "
                "transaction_abandoned: it was given up (restart it)"
            ),
        )
    )
    def post(self, request: Request, transaction_ref: str) -> HttpResponse:
        return _control_response(request, transaction_ref, action="resume", control=recovery_resume)


class TransactionCancelApi(APIView):
    # Changes what Tinko does: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        **_control_schema(
            action="cancel",
            summary="Cancel a transaction's recovery",
            description=(
                "For good: the transaction becomes cancelled, its scheduled attempts are cancelled and its recovery "
                "links stop working. Later failures are recorded but never reopen it. Cancelling a cancelled "
                "transaction changes nothing."
            ),
            conflicts="transaction_recovered: the money came back",
        )
    )
    def post(self, request: Request, transaction_ref: str) -> HttpResponse:
        return _control_response(request, transaction_ref, action="cancel", control=recovery_cancel)


class TransactionRestartApi(APIView):
    # Changes what Tinko does: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        **_control_schema(
            action="restart",
            summary="Restart an abandoned recovery",
            description=(
                "Reopens an abandoned transaction and plans anew (`next_step`): its attempts and the policy's "
                "give-up time count from now (`recovery_restarted_at`), while its earlier re-charges still count "
                "against the card networks' caps. A transaction still being recovered changes nothing."
            ),
            conflicts=(
                "transaction_recovered, transaction_cancelled: it is closed; transaction_paused: resume it instead"
            ),
        )
    )
    def post(self, request: Request, transaction_ref: str) -> HttpResponse:
        return _control_response(request, transaction_ref, action="restart", control=recovery_restart)


class RecoveryLinkCreateApi(APIView):
    # Hands out a way to pay: full-access keys only.
    required_role = Role.ADMIN

    @extend_schema(
        operation_id="recoveries_link_create",
        summary="Get a recovery link to send yourself",
        description=(
            "For merchants who send their own messages: a new signed link to the page where the payer pays "
            "again, valid as long as your default retry policy's link lifetime. It stops working once the "
            "transaction is recovered, cancelled or abandoned. Each call makes a new link."
        ),
        tags=["recoveries"],
        request=None,
        parameters=[_TRANSACTION_REF],
        examples=[examples.LINK_RESPONSE_EXAMPLE],
        responses={
            201: RecoveryLinkOut,
            404: schemas.error("transaction_not_found: no transaction with this reference."),
            409: schemas.error(
                "transaction_recovered, transaction_cancelled, transaction_abandoned: there is nothing to pay."
            ),
        },
    )
    def post(self, request: Request, transaction_ref: str) -> HttpResponse:
        api_key = request_api_key(request)
        try:
            issued = merchant_link_issue(
                organization=api_key.organization, livemode=api_key.livemode, transaction_ref=transaction_ref
            )
        except TransactionNotFound as exc:
            raise _not_found() from exc
        except RecoveryConflict as exc:
            raise _conflict(exc) from exc
        body = {"object": "recovery_link", "url": issued.url, "expires_at": issued.expires_at}
        return HttpResponse(dumps(body), status=201, content_type="application/json")
