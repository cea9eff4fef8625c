"""`GET /v1/transactions` and `GET /v1/transactions/{transaction_ref}`."""

from __future__ import annotations

import re

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import request_api_key
from accounts.enums import Role
from recovery.api import examples, schemas
from recovery.api.parsing import bad_request, parse_datetime
from recovery.enums import Category, PaymentMethodType, TransactionStatus
from recovery.limits import GATEWAY_PATTERN
from recovery.resources import dumps, transaction_data, transaction_detail_data
from recovery.selectors import InvalidCursor, TransactionFilters, transaction_get, transaction_list
from tinko.api import ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# str.isdigit() also takes digits such as "²" that int() refuses.
_DIGITS = re.compile(r"[0-9]+")
_LIST_PARAMETERS = frozenset(
    {"status", "category", "gateway", "payment_method_type", "created_gte", "created_lt", "limit", "cursor"}
)


def _choice(request: Request, name: str, choices: list[str]) -> str | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if value not in choices:
        raise bad_request(code="invalid_choice", message=f"{name} must be one of {', '.join(choices)}.", param=name)
    return value


def _limit(request: Request) -> int:
    value = request.query_params.get("limit")
    if value is None:
        return DEFAULT_LIMIT
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise bad_request(
            code="invalid_limit", message=f"limit must be a whole number from 1 to {MAX_LIMIT}.", param="limit"
        )
    return int(value)


class TransactionListApi(APIView):
    # Reads only: read-only keys may call it.
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="transactions_list",
        summary="List transactions",
        description="Your organization's transactions, newest first, a page at a time (follow `next_cursor`).",
        tags=["transactions"],
        parameters=[
            OpenApiParameter("status", enum=TransactionStatus.values),
            OpenApiParameter("category", enum=Category.values, description="Category of the latest failure."),
            OpenApiParameter("gateway", pattern=GATEWAY_PATTERN.pattern, description="A gateway name, in any case."),
            OpenApiParameter("payment_method_type", enum=PaymentMethodType.values),
            OpenApiParameter(
                "created_gte", OpenApiTypes.DATETIME, description="Created at or after (ISO-8601 with offset)."
            ),
            OpenApiParameter("created_lt", OpenApiTypes.DATETIME, description="Created before (ISO-8601 with offset)."),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}.",
            ),
            OpenApiParameter("cursor", description="next_cursor of the previous page."),
        ],
        responses={
            200: schemas.TransactionListOut,
            400: schemas.error("A filter is invalid."),
            404: schemas.error("cursor_not_found: the cursor is not one this API returned."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        api_key = request_api_key(request)
        for name in request.query_params:
            if name not in _LIST_PARAMETERS:
                raise bad_request(code="unknown_parameter", message=f"Unknown query parameter {name!r}.", param=name)
        gateway = request.query_params.get("gateway")
        if gateway is not None:
            if not GATEWAY_PATTERN.fullmatch(gateway):
                raise bad_request(code="invalid_gateway", message="gateway is not a gateway name.", param="gateway")
            gateway = gateway.lower()
        created_gte = request.query_params.get("created_gte")
        created_lt = request.query_params.get("created_lt")
        filters = TransactionFilters(
            status=_choice(request, "status", TransactionStatus.values),
            category=_choice(request, "category", Category.values),
            gateway=gateway,
            payment_method_type=_choice(request, "payment_method_type", PaymentMethodType.values),
            created_gte=parse_datetime(created_gte, param="created_gte") if created_gte is not None else None,
            created_lt=parse_datetime(created_lt, param="created_lt") if created_lt is not None else None,
        )
        try:
            page = transaction_list(
                organization=api_key.organization,
                livemode=api_key.livemode,
                filters=filters,
                limit=_limit(request),
                cursor=request.query_params.get("cursor") or None,
            )
        except InvalidCursor as exc:
            # As an unknown id in a path: any string is a well-formed cursor, only ours name a page.
            raise ApiError(status_code=404, code="cursor_not_found", message=str(exc), param="cursor") from exc
        body = {
            "object": "list",
            "data": [transaction_data(txn) for txn in page.transactions],
            "has_more": page.has_more,
            "next_cursor": page.next_cursor,
        }
        return HttpResponse(dumps(body), content_type="application/json")


class TransactionRetrieveApi(APIView):
    # Reads only: read-only keys may call it.
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="transactions_retrieve",
        summary="Retrieve a transaction",
        description=(
            "One transaction by your reference: every failure event (newest first), every recovery attempt in "
            "order with the planner's reasons in plain words, and its recovery state (paused, restarted, and what "
            "recovered it)."
        ),
        tags=["transactions"],
        examples=[examples.TRANSACTION_DETAIL_EXAMPLE],
        responses={200: schemas.TransactionDetailOut, 404: schemas.error("No transaction with this reference.")},
    )
    def get(self, request: Request, transaction_ref: str) -> HttpResponse:
        api_key = request_api_key(request)
        txn = transaction_get(
            organization=api_key.organization, livemode=api_key.livemode, transaction_ref=transaction_ref
        )
        if txn is None:
            raise ApiError(
                status_code=404,
                code="transaction_not_found",
                message="No transaction with this reference.",
                param="transaction_ref",
            )
        return HttpResponse(dumps(transaction_detail_data(txn)), content_type="application/json")
