"""Request bodies → typed inputs, with a 400 that names the first bad field.

Hand-written rather than DRF serializers: batch ingest validates up to 1,000 events per call
and serializers cost about ten times more per event. `recovery/api/schemas.py` documents the same
fields for OpenAPI from the same limits (`recovery/limits.py`), and a test keeps the two in step.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from rest_framework.request import Request

from recovery.classifier import ClassifierInput
from recovery.enums import EventSource, PaymentMethodType, RecoveredBy
from recovery.limits import (
    ADVICE_CODE_MAX_LENGTH,
    CURRENCY_CODES,
    CUSTOMER_EMAIL_MAX_LENGTH,
    CUSTOMER_NAME_MAX_LENGTH,
    CUSTOMER_PHONE_MAX_LENGTH,
    FAILURE_CODE_MAX_LENGTH,
    FAILURE_MESSAGE_MAX_LENGTH,
    GATEWAY_ID_MAX_LENGTH,
    GATEWAY_ID_PATTERN,
    GATEWAY_PATTERN,
    MAX_AMOUNT,
    MAX_BATCH_SIZE,
    METADATA_KEY_MAX_LENGTH,
    METADATA_KEY_PATTERN,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX_LENGTH,
    NETWORK_CODE_MAX_LENGTH,
    NETWORK_CODE_PATTERN,
    PHONE_PATTERN,
    PHONE_PUNCTUATION,
    RECOVERY_NOTE_MAX_LENGTH,
    REQUIRED_TEXT_PATTERN,
    SAVED_METHOD_FIELDS,
    SAVED_METHOD_SHAPES,
    TEXT_PATTERN,
    TRANSACTION_REF_MAX_LENGTH,
)
from recovery.services import Customer, FailureInput, PaymentReceived
from tinko.api import ApiError

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
        "gateway_customer_id",
        "gateway_payment_method_id",
    }
)
BATCH_ITEM_FIELDS = EVENT_FIELDS | {"idempotency_key"}
PAYMENT_SUCCEEDED_FIELDS = frozenset({"transaction_ref", "amount", "currency", "paid_at", "note"})
CUSTOMER_FIELDS = frozenset({"email", "phone", "name"})
CLASSIFY_FIELDS = frozenset(
    {"gateway", "code", "message", "payment_method_type", "network_decline_code", "network_advice_code", "advice_code"}
)
# A little clock skew between the merchant's servers and ours is normal; more is a bug.
FUTURE_TOLERANCE = timedelta(minutes=5)

_PAYMENT_METHOD_TYPES = frozenset(PaymentMethodType.values)
_CURRENCY_CODES = frozenset(CURRENCY_CODES)


def _email_validator() -> EmailValidator:
    """Django's email check, its patterns compiled once: Django compiles them lazily, and going
    through the lazy proxy on every call cost several times the check itself, per event."""
    validator = EmailValidator()
    for name in ("user_regex", "domain_regex", "literal_regex"):
        lazy = getattr(EmailValidator, name)
        setattr(validator, name, re.compile(lazy.pattern, lazy.flags))
    return validator


validate_email = _email_validator()


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


def _string(payload: dict[str, Any], name: str, *, prefix: str = "", required: bool = False) -> str:
    """The field as sent; "" when it is null or absent (and not required)."""
    value = payload.get(name)
    if value is None:
        if required:
            raise _field_error(prefix, name, code="missing_field", message="{param} is required.")
        return ""
    if not isinstance(value, str):
        raise _field_error(prefix, name, code="invalid_type", message="{param} must be a string.")
    return value


def _text(payload: dict[str, Any], name: str, *, max_length: int, prefix: str = "", required: bool = False) -> str:
    """Free text, trimmed once checked: the limits apply to the value as sent."""
    value = _string(payload, name, prefix=prefix, required=required)
    if len(value) > max_length:
        raise _field_error(prefix, name, code="too_long", message=f"{{param}} must be at most {max_length} characters.")
    if not value and not required:
        return ""
    if not (REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN).fullmatch(value):
        if required and not value.strip():
            raise _field_error(prefix, name, code="missing_field", message="{param} must not be empty.")
        raise _field_error(prefix, name, code="invalid_characters", message="{param} contains control characters.")
    return value.strip()


def _network_code(payload: dict[str, Any], name: str) -> str:
    value = _string(payload, name)
    if len(value) > NETWORK_CODE_MAX_LENGTH:
        raise bad_request(
            code="too_long", message=f"{name} must be at most {NETWORK_CODE_MAX_LENGTH} characters.", param=name
        )
    if value and not NETWORK_CODE_PATTERN.fullmatch(value):
        raise bad_request(
            code="invalid_code",
            message=f"{name} must be 1 to {NETWORK_CODE_MAX_LENGTH} letters or digits.",
            param=name,
        )
    return value


def _gateway(payload: dict[str, Any]) -> str:
    value = _string(payload, "gateway")
    if value and not GATEWAY_PATTERN.fullmatch(value):
        raise bad_request(
            code="invalid_gateway",
            message="gateway must be a short name of letters, digits, '_', '-' or '.' (e.g. 'stripe').",
            param="gateway",
        )
    return value.lower() or "other"


def _saved_method(payload: dict[str, Any], gateway: str) -> dict[str, str]:
    """The gateway's customer and saved-method ids, each in the shape its gateway gives them."""
    ids = {}
    shapes = SAVED_METHOD_SHAPES.get(gateway, {})
    for name in SAVED_METHOD_FIELDS:
        value = _string(payload, name)
        if value and not GATEWAY_ID_PATTERN.fullmatch(value):
            raise bad_request(
                code="invalid_gateway_id",
                message=f"{name} must be the gateway's id: up to {GATEWAY_ID_MAX_LENGTH} letters, digits, "
                "'_', '-', '.' or ':'.",
                param=name,
            )
        shape = shapes.get(name)
        if value and shape is not None and not shape.fullmatch(value):
            raise bad_request(
                code="invalid_gateway_id",
                message=f"{name} is not a {gateway} id (it looks like {shape.pattern}).",
                param=name,
            )
        ids[name] = value
    return ids


def _payment_method_type(payload: dict[str, Any]) -> str:
    value = _string(payload, "payment_method_type") or PaymentMethodType.OTHER
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
    value = _string(payload, "currency", required=True)
    if value not in _CURRENCY_CODES:
        raise bad_request(
            code="invalid_currency",
            message=f"{value!r} is not an ISO 4217 currency code (upper- or lower-case).",
            param="currency",
        )
    return value.upper()


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


def _happened_at(payload: dict[str, Any], name: str, now: datetime) -> datetime:
    """When something happened (default now): never in the future, beyond a little clock skew."""
    value = payload.get(name)
    if value is None:
        return now
    happened_at = parse_datetime(value, param=name)
    if happened_at > now + FUTURE_TOLERANCE:
        raise bad_request(code=f"{name}_in_future", message=f"{name} is in the future.", param=name)
    return happened_at


def _customer(payload: dict[str, Any]) -> Customer:
    value = payload.get("customer")
    if value is None:
        return Customer()
    customer = require_object(value, param="customer")
    reject_unknown_fields(customer, CUSTOMER_FIELDS, prefix="customer")
    email = _string(customer, "email", prefix="customer")
    if len(email) > CUSTOMER_EMAIL_MAX_LENGTH:
        raise bad_request(
            code="too_long",
            message=f"customer.email must be at most {CUSTOMER_EMAIL_MAX_LENGTH} characters.",
            param="customer.email",
        )
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise bad_request(
                code="invalid_email", message="customer.email is not a valid email address.", param="customer.email"
            ) from exc
        local, _, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}"
    phone = _string(customer, "phone", prefix="customer")
    if len(phone) > CUSTOMER_PHONE_MAX_LENGTH:
        raise bad_request(
            code="too_long",
            message=f"customer.phone must be at most {CUSTOMER_PHONE_MAX_LENGTH} characters.",
            param="customer.phone",
        )
    if phone and not PHONE_PATTERN.fullmatch(phone):
        raise bad_request(
            code="invalid_phone",
            message=(
                "customer.phone must be in E.164 form, e.g. +919876543210 "
                "(spaces, dashes, dots and brackets are ignored)."
            ),
            param="customer.phone",
        )
    name = _text(customer, "name", max_length=CUSTOMER_NAME_MAX_LENGTH, prefix="customer")
    return Customer(email=email, phone=PHONE_PUNCTUATION.sub("", phone), name=name)


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
        if not METADATA_KEY_PATTERN.fullmatch(key):
            raise bad_request(
                code="invalid_metadata",
                message=f"metadata keys must be 1 to {METADATA_KEY_MAX_LENGTH} characters, without control characters.",
                param="metadata",
            )
        if not isinstance(item, str):
            raise bad_request(code="invalid_metadata", message=f"{param} must be a string.", param=param)
        if len(item) > METADATA_VALUE_MAX_LENGTH or (item and not TEXT_PATTERN.fullmatch(item)):
            raise bad_request(
                code="invalid_metadata",
                message=f"{param} must be at most {METADATA_VALUE_MAX_LENGTH} characters, without control characters.",
                param=param,
            )
    return metadata


def _failure_code(payload: dict[str, Any]) -> str:
    # `failure_reason` is the older name of the same field: one or the other, even when null.
    if "failure_code" in payload and "failure_reason" in payload:
        raise bad_request(
            code="conflicting_fields",
            message="failure_reason is the older name of failure_code; send one of them.",
            param="failure_reason",
        )
    name = "failure_reason" if "failure_reason" in payload else "failure_code"
    return _text(payload, name, max_length=FAILURE_CODE_MAX_LENGTH)


def parse_failure(
    payload: Any,
    *,
    idempotency_key: str,
    request_fingerprint: str = "",
    allowed: frozenset[str] = EVENT_FIELDS,
    now: datetime | None = None,
) -> FailureInput:
    """A payment_failed event body → FailureInput, or a 400 naming the first bad field."""
    body = require_object(payload, param=None)
    reject_unknown_fields(body, allowed)
    gateway = _gateway(body)
    return FailureInput(
        transaction_ref=_text(body, "transaction_ref", max_length=TRANSACTION_REF_MAX_LENGTH, required=True),
        amount=_amount(body),
        currency=_currency(body),
        occurred_at=_happened_at(body, "occurred_at", now or timezone.now()),
        gateway=gateway,
        failure_code=_failure_code(body),
        failure_message=_text(body, "failure_message", max_length=FAILURE_MESSAGE_MAX_LENGTH),
        network_decline_code=_network_code(body, "network_decline_code"),
        network_advice_code=_network_code(body, "network_advice_code"),
        advice_code=_text(body, "advice_code", max_length=ADVICE_CODE_MAX_LENGTH),
        payment_method_type=_payment_method_type(body),
        customer=_customer(body),
        metadata=_metadata(body),
        **_saved_method(body, gateway),
        raw_payload=body,
        idempotency_key=idempotency_key,
        request_fingerprint=request_fingerprint,
        source=EventSource.API,
    )


def parse_payment_succeeded(payload: Any, *, now: datetime | None = None) -> PaymentReceived:
    """A payment_succeeded body → the merchant's PaymentReceived, or a 400 naming the first bad field."""
    body = require_object(payload, param=None)
    reject_unknown_fields(body, PAYMENT_SUCCEEDED_FIELDS)
    return PaymentReceived(
        transaction_ref=_text(body, "transaction_ref", max_length=TRANSACTION_REF_MAX_LENGTH, required=True),
        amount=_amount(body),
        currency=_currency(body),
        paid_at=_happened_at(body, "paid_at", now or timezone.now()),
        recovered_by=RecoveredBy.MERCHANT,
        note=_text(body, "note", max_length=RECOVERY_NOTE_MAX_LENGTH),
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
        code=_text(body, "code", max_length=FAILURE_CODE_MAX_LENGTH),
        message=_text(body, "message", max_length=FAILURE_MESSAGE_MAX_LENGTH),
        payment_method_type=_payment_method_type(body),
        network_decline_code=_network_code(body, "network_decline_code"),
        network_advice_code=_network_code(body, "network_advice_code"),
        advice_code=_text(body, "advice_code", max_length=ADVICE_CODE_MAX_LENGTH),
    )
