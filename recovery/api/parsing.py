"""Request bodies → typed inputs, with a 400 that names the first bad field.

Hand-written rather than DRF serializers: batch ingest validates up to 1,000 events per call
and serializers cost about ten times more per event. `recovery/api/schemas.py` documents the same
fields for OpenAPI, and a test keeps the two in step.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from rest_framework.request import Request

from recovery.classifier import ClassifierInput
from recovery.enums import EventSource, PaymentMethodType
from recovery.services import GATEWAY_PATTERN, MAX_AMOUNT, Customer, FailureInput
from tinko.api import ApiError
from tinko.money import UnknownCurrency, normalize_currency

EVENT_FIELDS = frozenset(
    {
        "transaction_ref",
        "amount",
        "currency",
        "gateway",
        "failure_code",
        "failure_reason",
        "failure_message",
        "network_decline_code",
        "network_advice_code",
        "advice_code",
        "payment_method_type",
        "occurred_at",
        "customer",
        "metadata",
    }
)
BATCH_ITEM_FIELDS = EVENT_FIELDS | {"idempotency_key"}
CUSTOMER_FIELDS = frozenset({"email", "phone", "name"})
CLASSIFY_FIELDS = frozenset(
    {"gateway", "code", "message", "payment_method_type", "network_decline_code", "network_advice_code", "advice_code"}
)
MAX_BATCH_SIZE = 1000
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500
# A little clock skew between the merchant's servers and ours is normal; more is a bug.
FUTURE_TOLERANCE = timedelta(minutes=5)

_PAYMENT_METHOD_TYPES = frozenset(PaymentMethodType.values)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NETWORK_CODE = re.compile(r"^[A-Za-z0-9]{1,8}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


def bad_request(*, code: str, message: str, param: str | None) -> ApiError:
    return ApiError(status_code=400, code=code, message=message, param=param)


def read_json_body(request: Request) -> Any:
    """The parsed JSON body, or 415/413/400 errors that change nothing."""
    if request.content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            status_code=415, code="unsupported_media_type", message="Send a JSON body (Content-Type: application/json)."
        )
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise ApiError(status_code=413, code="request_too_large", message="The request body is too large.") from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(code="invalid_json", message=f"The body is not valid JSON: {exc.msg}.", param=None) from exc


def require_object(value: Any, *, param: str | None, what: str = "The body") -> dict[str, Any]:
    if not isinstance(value, dict):
        where = param or what
        raise bad_request(code="invalid_type", message=f"{where} must be a JSON object.", param=param)
    return value


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def reject_unknown_fields(payload: dict[str, Any], allowed: frozenset[str], *, prefix: str = "") -> None:
    for name in payload:
        if name not in allowed:
            raise bad_request(
                code="unknown_field", message=f"Unknown field {_path(prefix, name)!r}.", param=_path(prefix, name)
            )


def _field_error(prefix: str, name: str, *, code: str, message: str) -> ApiError:
    # The field's path is only spelled out for an error: a batch reads a dozen texts per event.
    param = _path(prefix, name)
    return bad_request(code=code, message=message.format(param=param), param=param)


def _text(payload: dict[str, Any], name: str, *, max_length: int, prefix: str = "", required: bool = False) -> str:
    value = payload.get(name)
    if value is None:
        if required:
            raise _field_error(prefix, name, code="missing_field", message="{param} is required.")
        return ""
    if not isinstance(value, str):
        raise _field_error(prefix, name, code="invalid_type", message="{param} must be a string.")
    value = value.strip()
    if required and not value:
        raise _field_error(prefix, name, code="missing_field", message="{param} must not be empty.")
    if len(value) > max_length:
        raise _field_error(prefix, name, code="too_long", message=f"{{param}} must be at most {max_length} characters.")
    if _CONTROL.search(value):
        raise _field_error(prefix, name, code="invalid_characters", message="{param} contains control characters.")
    return value


def _network_code(payload: dict[str, Any], name: str) -> str:
    value = _text(payload, name, max_length=8)
    if value and not _NETWORK_CODE.match(value):
        raise bad_request(code="invalid_code", message=f"{name} must be 1 to 8 letters or digits.", param=name)
    return value


def _gateway(payload: dict[str, Any]) -> str:
    value = _text(payload, "gateway", max_length=40).lower() or "other"
    if not GATEWAY_PATTERN.match(value):
        raise bad_request(
            code="invalid_gateway",
            message="gateway must be a short name of lower-case letters, digits, '_', '-' or '.' (e.g. 'stripe').",
            param="gateway",
        )
    return value


def _payment_method_type(payload: dict[str, Any]) -> str:
    value = _text(payload, "payment_method_type", max_length=16) or PaymentMethodType.OTHER
    if value not in _PAYMENT_METHOD_TYPES:
        raise bad_request(
            code="invalid_choice",
            message=f"payment_method_type must be one of {', '.join(PaymentMethodType.values)}.",
            param="payment_method_type",
        )
    return value


def _amount(payload: dict[str, Any]) -> int:
    value = payload.get("amount")
    if value is None:
        raise bad_request(code="missing_field", message="amount is required.", param="amount")
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(
            code="invalid_amount", message="amount must be an integer in the currency's minor unit.", param="amount"
        )
    if not 0 < value <= MAX_AMOUNT:
        raise bad_request(code="invalid_amount", message=f"amount must be between 1 and {MAX_AMOUNT}.", param="amount")
    return value


def _currency(payload: dict[str, Any]) -> str:
    value = _text(payload, "currency", max_length=3, required=True)
    try:
        return normalize_currency(value)
    except UnknownCurrency as exc:
        raise bad_request(code="invalid_currency", message=str(exc), param="currency") from exc


def parse_datetime(value: Any, *, param: str) -> datetime:
    """An ISO-8601 timestamp with a UTC offset, as an aware UTC datetime."""
    if not isinstance(value, str):
        raise bad_request(code="invalid_type", message=f"{param} must be an ISO-8601 string.", param=param)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise bad_request(
            code="invalid_datetime", message=f"{param} must be ISO-8601, e.g. 2026-01-31T12:00:00Z.", param=param
        ) from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise bad_request(
            code="invalid_datetime", message=f"{param} needs a UTC offset (e.g. Z or +05:30).", param=param
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise bad_request(code="invalid_datetime", message=f"{param} is out of range.", param=param) from exc


def _occurred_at(payload: dict[str, Any], now: datetime) -> datetime:
    value = payload.get("occurred_at")
    if value is None:
        return now
    occurred_at = parse_datetime(value, param="occurred_at")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise bad_request(code="occurred_at_in_future", message="occurred_at is in the future.", param="occurred_at")
    return occurred_at


def _customer(payload: dict[str, Any]) -> Customer:
    value = payload.get("customer")
    if value is None:
        return Customer()
    customer = require_object(value, param="customer")
    reject_unknown_fields(customer, CUSTOMER_FIELDS, prefix="customer")
    email = _text(customer, "email", max_length=254, prefix="customer")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise bad_request(
                code="invalid_email", message="customer.email is not a valid email address.", param="customer.email"
            ) from exc
        local, _, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}"
    phone = _text(customer, "phone", max_length=32, prefix="customer")
    if phone:
        phone = _PHONE_PUNCTUATION.sub("", phone)
        if not _E164.match(phone):
            raise bad_request(
                code="invalid_phone",
                message="customer.phone must be in E.164 form, e.g. +919876543210.",
                param="customer.phone",
            )
    name = _text(customer, "name", max_length=200, prefix="customer")
    return Customer(email=email, phone=phone, name=name)


def _metadata(payload: dict[str, Any]) -> dict[str, str]:
    value = payload.get("metadata")
    if value is None:
        return {}
    metadata = require_object(value, param="metadata")
    if len(metadata) > METADATA_MAX_KEYS:
        raise bad_request(
            code="metadata_too_large", message=f"metadata may have at most {METADATA_MAX_KEYS} keys.", param="metadata"
        )
    for key, item in metadata.items():
        param = f"metadata.{key}"
        if not 0 < len(key) <= METADATA_KEY_MAX_LENGTH or _CONTROL.search(key):
            raise bad_request(
                code="invalid_metadata",
                message=f"metadata keys must be 1 to {METADATA_KEY_MAX_LENGTH} characters.",
                param="metadata",
            )
        if not isinstance(item, str):
            raise bad_request(code="invalid_metadata", message=f"{param} must be a string.", param=param)
        if len(item) > METADATA_VALUE_MAX_LENGTH or _CONTROL.search(item):
            raise bad_request(
                code="invalid_metadata",
                message=f"{param} must be at most {METADATA_VALUE_MAX_LENGTH} characters, without control characters.",
                param=param,
            )
    return metadata


def _failure_code(payload: dict[str, Any]) -> str:
    code = _text(payload, "failure_code", max_length=100)
    # `failure_reason` is the older name of the same field.
    reason = _text(payload, "failure_reason", max_length=100)
    if code and reason and code != reason:
        raise bad_request(
            code="conflicting_fields",
            message="failure_reason is the older name of failure_code; send one of them.",
            param="failure_reason",
        )
    return code or reason


def parse_failure(
    payload: Any, *, idempotency_key: str, allowed: frozenset[str] = EVENT_FIELDS, now: datetime | None = None
) -> FailureInput:
    """A payment_failed event body → FailureInput, or a 400 naming the first bad field."""
    body = require_object(payload, param=None)
    reject_unknown_fields(body, allowed)
    return FailureInput(
        transaction_ref=_text(body, "transaction_ref", max_length=255, required=True),
        amount=_amount(body),
        currency=_currency(body),
        occurred_at=_occurred_at(body, now or timezone.now()),
        gateway=_gateway(body),
        failure_code=_failure_code(body),
        failure_message=_text(body, "failure_message", max_length=1000),
        network_decline_code=_network_code(body, "network_decline_code"),
        network_advice_code=_network_code(body, "network_advice_code"),
        advice_code=_text(body, "advice_code", max_length=64),
        payment_method_type=_payment_method_type(body),
        customer=_customer(body),
        metadata=_metadata(body),
        raw_payload=body,
        idempotency_key=idempotency_key,
        source=EventSource.API,
    )


def parse_batch(payload: Any) -> list[Any]:
    """The list of events in a batch body (each item is checked on its own later)."""
    body = require_object(payload, param=None)
    reject_unknown_fields(body, frozenset({"events"}))
    events = body.get("events")
    if not isinstance(events, list):
        raise bad_request(code="invalid_type", message="events must be a list of events.", param="events")
    if not 1 <= len(events) <= MAX_BATCH_SIZE:
        raise bad_request(
            code="invalid_batch_size", message=f"events must hold 1 to {MAX_BATCH_SIZE} events.", param="events"
        )
    return events


def parse_classify(payload: Any) -> ClassifierInput:
    body = require_object(payload, param=None)
    reject_unknown_fields(body, CLASSIFY_FIELDS)
    return ClassifierInput(
        gateway=_gateway(body),
        code=_text(body, "code", max_length=100),
        message=_text(body, "message", max_length=1000),
        payment_method_type=_payment_method_type(body),
        network_decline_code=_network_code(body, "network_decline_code"),
        network_advice_code=_network_code(body, "network_advice_code"),
        advice_code=_text(body, "advice_code", max_length=64),
    )
