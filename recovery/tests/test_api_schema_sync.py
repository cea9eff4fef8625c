"""The OpenAPI descriptions (schemas.py) and the parser (parsing.py) accept the same fields, with
the same limits: both read them from recovery/limits.py, whose lengths come from the model fields."""

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from recovery import limits
from recovery.api import schemas
from recovery.api.parsing import (
    BATCH_ITEM_FIELDS,
    CLASSIFY_FIELDS,
    CUSTOMER_FIELDS,
    EVENT_FIELDS,
    PAYMENT_SUCCEEDED_FIELDS,
)
from recovery.enums import Action, PaymentMethodType, RecoveredBy, TransactionStatus
from recovery.models import FailureEvent, Transaction
from retries.enums import AttemptStatus, Channel

BLANK = {"type": "string", "maxLength": 0}


def _optional(constraints: dict[str, Any]) -> dict[str, Any]:
    """An optional string field: null, "" or a value within `constraints`."""
    return {"nullable": True, "oneOf": [{"type": "string", **constraints}, BLANK]}


def _text(max_length: int) -> dict[str, Any]:
    return _optional({"maxLength": max_length, "pattern": limits.TEXT_PATTERN.pattern})


NETWORK_CODE = _optional({"maxLength": limits.NETWORK_CODE_MAX_LENGTH, "pattern": limits.NETWORK_CODE_PATTERN.pattern})
GATEWAY = _optional({"maxLength": limits.GATEWAY_MAX_LENGTH, "pattern": limits.GATEWAY_PATTERN.pattern})
PAYMENT_METHOD_TYPE = {
    "nullable": True,
    "oneOf": [
        {"$ref": "#/components/schemas/PaymentMethodTypeEnum"},
        {"$ref": "#/components/schemas/BlankEnum"},
        {"$ref": "#/components/schemas/NullEnum"},
    ],
}
EVENT = {
    "transaction_ref": {
        "type": "string",
        "minLength": 1,
        "maxLength": limits.TRANSACTION_REF_MAX_LENGTH,
        "pattern": limits.REQUIRED_TEXT_PATTERN.pattern,
    },
    "amount": {"type": "integer", "format": "int64", "minimum": 1, "maximum": limits.MAX_AMOUNT},
    "currency": {"allOf": [{"$ref": "#/components/schemas/CurrencyEnum"}]},
    "gateway": GATEWAY,
    "failure_code": _text(limits.FAILURE_CODE_MAX_LENGTH),
    "failure_reason": _text(limits.FAILURE_CODE_MAX_LENGTH),
    "failure_message": _text(limits.FAILURE_MESSAGE_MAX_LENGTH),
    "network_decline_code": NETWORK_CODE,
    "network_advice_code": NETWORK_CODE,
    "advice_code": _text(limits.ADVICE_CODE_MAX_LENGTH),
    "payment_method_type": PAYMENT_METHOD_TYPE,
    "occurred_at": {"type": "string", "format": "date-time", "nullable": True},
    "customer": {"allOf": [{"$ref": "#/components/schemas/CustomerInRequest"}], "nullable": True},
    "gateway_customer_id": _optional(
        {"maxLength": limits.GATEWAY_ID_MAX_LENGTH, "pattern": limits.GATEWAY_ID_PATTERN.pattern}
    ),
    "gateway_payment_method_id": _optional(
        {"maxLength": limits.GATEWAY_ID_MAX_LENGTH, "pattern": limits.GATEWAY_ID_PATTERN.pattern}
    ),
    "metadata": {
        "type": "object",
        "maxProperties": limits.METADATA_MAX_KEYS,
        "propertyNames": {"pattern": limits.METADATA_KEY_PATTERN.pattern},
        "additionalProperties": {
            "oneOf": [
                {
                    "type": "string",
                    "maxLength": limits.METADATA_VALUE_MAX_LENGTH,
                    "pattern": limits.TEXT_PATTERN.pattern,
                },
                BLANK,
            ]
        },
        "nullable": True,
    },
}
CUSTOMER = {
    "email": _optional({"format": "email", "maxLength": limits.CUSTOMER_EMAIL_MAX_LENGTH}),
    "phone": _optional({"maxLength": limits.CUSTOMER_PHONE_MAX_LENGTH, "pattern": limits.PHONE_PATTERN.pattern}),
    "name": _text(limits.CUSTOMER_NAME_MAX_LENGTH),
}
CLASSIFY = {
    "gateway": GATEWAY,
    "code": _text(limits.FAILURE_CODE_MAX_LENGTH),
    "message": _text(limits.FAILURE_MESSAGE_MAX_LENGTH),
    "payment_method_type": PAYMENT_METHOD_TYPE,
    "network_decline_code": NETWORK_CODE,
    "network_advice_code": NETWORK_CODE,
    "advice_code": _text(limits.ADVICE_CODE_MAX_LENGTH),
}


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def _constraints(component: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {key: value for key, value in field.items() if key != "description"}
        for name, field in component["properties"].items()
    }


def test_documented_request_fields_are_exactly_the_parsed_ones() -> None:
    assert set(schemas.PaymentFailedIn().fields) == EVENT_FIELDS
    assert set(schemas.BatchItemIn().fields) == BATCH_ITEM_FIELDS
    assert set(schemas.CustomerIn().fields) == CUSTOMER_FIELDS
    assert set(schemas.ClassifyIn().fields) == CLASSIFY_FIELDS
    assert set(schemas.BatchIn().fields) == {"events"}
    assert set(schemas.PaymentSucceededIn().fields) == PAYMENT_SUCCEEDED_FIELDS


def test_a_payment_succeeded_body_is_documented_with_the_parsers_limits(components) -> None:
    body = components["PaymentSucceededInRequest"]

    assert _constraints(body) == {
        "transaction_ref": EVENT["transaction_ref"],
        "amount": EVENT["amount"],
        "currency": EVENT["currency"],
        "paid_at": {"type": "string", "format": "date-time", "nullable": True},
        "note": _text(limits.RECOVERY_NOTE_MAX_LENGTH),
    }
    assert (body["required"], body["additionalProperties"]) == (["amount", "currency", "transaction_ref"], False)
    assert limits.RECOVERY_NOTE_MAX_LENGTH == Transaction._meta.get_field("recovery_note").max_length == 500


def test_every_event_field_is_documented_with_the_parsers_limits(components) -> None:
    event = components["PaymentFailedInRequest"]

    assert _constraints(event) == EVENT
    assert (event["required"], event["additionalProperties"]) == (["amount", "currency", "transaction_ref"], False)
    assert event["not"] == {"required": ["failure_code", "failure_reason"]}
    forbidden = [clause["not"] for clause in event["allOf"]]
    assert {(shape["properties"]["gateway"]["pattern"], *shape["required"][1:]) for shape in forbidden} == {
        (schemas._any_case(gateway), name) for gateway, shapes in limits.SAVED_METHOD_SHAPES.items() for name in shapes
    }


def test_a_batch_item_is_an_event_with_its_key(components) -> None:
    item = components["BatchItemInRequest"]

    assert _constraints(item) == {
        **EVENT,
        "idempotency_key": {"type": "string", "minLength": 1, "pattern": schemas.IDEMPOTENCY_KEY_PATTERN},
    }
    assert item["additionalProperties"] is False


def test_a_batch_takes_any_items_and_answers_each_bad_one_with_its_error(components) -> None:
    events = components["BatchInRequest"]["properties"]["events"]

    assert (events["minItems"], events["maxItems"]) == (1, limits.MAX_BATCH_SIZE)
    assert events["items"]["anyOf"] == [{"$ref": "#/components/schemas/BatchItemInRequest"}, {}]


def test_customer_and_classify_fields_are_documented_with_the_parsers_limits(components) -> None:
    assert _constraints(components["CustomerInRequest"]) == CUSTOMER
    assert _constraints(components["ClassifyInRequest"]) == CLASSIFY
    assert components["CustomerInRequest"]["additionalProperties"] is False
    assert components["ClassifyInRequest"]["additionalProperties"] is False


def test_enums_are_the_accepted_values(components) -> None:
    assert components["CurrencyEnum"]["enum"] == list(limits.CURRENCY_CODES)
    assert components["PaymentMethodTypeEnum"]["enum"] == PaymentMethodType.values


def test_enums_of_fields_that_share_a_name_are_named_for_what_they_are(components) -> None:
    assert components["StatusEnum"]["enum"] == TransactionStatus.values
    assert components["AttemptStatusEnum"]["enum"] == AttemptStatus.values
    assert components["ActionEnum"]["enum"] == Action.values
    assert components["NextStepActionEnum"]["enum"] == [*Channel.values, "give_up", "wait", "paused"]
    assert components["ControlActionEnum"]["enum"] == ["pause", "resume", "cancel", "restart"]
    assert components["PaymentEffectEnum"]["enum"] == ["recovered", "mismatch"]
    assert components["RecoveredByEnum"]["enum"] == RecoveredBy.values


def test_stored_lengths_come_from_the_model_fields() -> None:
    def max_length(model: Any, name: str) -> int:
        return model._meta.get_field(name).max_length

    assert limits.TRANSACTION_REF_MAX_LENGTH == max_length(Transaction, "transaction_ref") == 255
    assert {
        "failure_code": max_length(FailureEvent, "failure_code"),
        "network_decline_code": max_length(FailureEvent, "network_decline_code"),
        "network_advice_code": max_length(FailureEvent, "network_advice_code"),
        "advice_code": max_length(FailureEvent, "advice_code"),
    } == limits.CODE_LIMITS
    assert limits.CODE_LIMITS == {
        "failure_code": 100,
        "network_decline_code": 8,
        "network_advice_code": 8,
        "advice_code": 64,
    }
    assert limits.FAILURE_MESSAGE_MAX_LENGTH == max_length(FailureEvent, "failure_message") == 1000
    assert limits.GATEWAY_MAX_LENGTH == max_length(FailureEvent, "gateway") == 40
    assert limits.CUSTOMER_EMAIL_MAX_LENGTH == max_length(Transaction, "customer_email") == 254
    assert limits.CUSTOMER_NAME_MAX_LENGTH == max_length(Transaction, "customer_name") == 200
