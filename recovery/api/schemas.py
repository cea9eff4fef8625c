"""OpenAPI descriptions of the recovery API's bodies (documentation only: parsing.py validates).

Both read their limits from `recovery/limits.py`. recovery/tests/test_api_schema_sync.py keeps
these in step with the parser; tinko/tests/test_openapi_contract.py runs schemathesis against them.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from recovery.enums import (
    Action,
    Category,
    EventSource,
    PaymentEffect,
    PaymentMethodType,
    RecoveredBy,
    TransactionEffect,
    TransactionStatus,
)
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
    GATEWAY_MAX_LENGTH,
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
    RECOVERY_NOTE_MAX_LENGTH,
    REQUIRED_TEXT_PATTERN,
    SAVED_METHOD_SHAPES,
    TEXT_PATTERN,
    TRANSACTION_REF_MAX_LENGTH,
)
from retries.enums import AttemptStatus, Channel
from retries.planner import StopKind
from tinko.idempotency import IDEMPOTENCY_HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER

IDEMPOTENCY_KEY_PATTERN = rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"


class RequiredBodySchema(AutoSchema):
    """For an operation whose body is required although each of its fields is optional."""

    def _get_request_body(self, direction: Direction = "request") -> dict[str, Any] | None:
        body: dict[str, Any] | None = super()._get_request_body(direction)
        return {**body, "required": True} if body else body


# A request body whose unknown fields are refused (documented as additionalProperties: false);
# `exclusive` names fields that may not be sent together, `forbidden` lists shapes the body may not have.
class ClosedSerializer(serializers.Serializer):
    exclusive: tuple[str, ...] = ()
    forbidden: tuple[dict[str, Any], ...] = ()


class ClosedSerializerExtension(OpenApiSerializerExtension):
    target_class = ClosedSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: Direction) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema = {**schema, "additionalProperties": False}
        if self.target.exclusive:
            schema["not"] = {"required": list(self.target.exclusive)}
        if self.target.forbidden:
            schema["allOf"] = [{"not": shape} for shape in self.target.forbidden]
        return schema


def _any_case(word: str) -> str:
    # ECMA-262 patterns in OpenAPI have no flags: a case-insensitive match, letter by letter.
    return "^" + "".join(f"[{ch.upper()}{ch.lower()}]" if ch.isalpha() else re.escape(ch) for ch in word) + "$"


def _foreign_ids() -> tuple[dict[str, Any], ...]:
    """For each gateway Tinko knows: a body naming it with a saved-method id not of its shape."""
    return tuple(
        {
            "required": ["gateway", name],
            "properties": {
                "gateway": {"type": "string", "pattern": _any_case(gateway)},
                name: {"type": "string", "minLength": 1, "not": {"pattern": shape.pattern}},
            },
        }
        for gateway, shapes in SAVED_METHOD_SHAPES.items()
        for name, shape in shapes.items()
    )


def text_field(max_length: int, **kwargs: Any) -> serializers.RegexField:
    """Optional free text: null or "" means absent; trimmed once checked."""
    return serializers.RegexField(
        TEXT_PATTERN.pattern, max_length=max_length, required=False, allow_null=True, allow_blank=True, **kwargs
    )


def code_field(pattern: re.Pattern[str], max_length: int, **kwargs: Any) -> serializers.RegexField:
    """An optional code taken as sent: null or "" means absent."""
    return serializers.RegexField(
        pattern.pattern, max_length=max_length, required=False, allow_null=True, allow_blank=True, **kwargs
    )


def payment_method_type_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=PaymentMethodType.values, required=False, allow_null=True, allow_blank=True, **kwargs
    )


class MetadataField(serializers.DictField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            help_text=(
                f"Your own string keys and values: at most {METADATA_MAX_KEYS} keys of 1 to "
                f"{METADATA_KEY_MAX_LENGTH} characters, values up to {METADATA_VALUE_MAX_LENGTH}; "
                "no control characters."
            ),
            **kwargs,
        )


class MetadataFieldExtension(OpenApiSerializerFieldExtension):
    target_class = MetadataField

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Direction) -> dict[str, Any]:
        return {
            "type": "object",
            "maxProperties": METADATA_MAX_KEYS,
            "propertyNames": {"pattern": METADATA_KEY_PATTERN.pattern},
            "additionalProperties": {
                "oneOf": [
                    {"type": "string", "maxLength": METADATA_VALUE_MAX_LENGTH, "pattern": TEXT_PATTERN.pattern},
                    {"type": "string", "maxLength": 0},
                ]
            },
        }


class CustomerIn(ClosedSerializer):
    email = serializers.EmailField(
        required=False, allow_null=True, allow_blank=True, max_length=CUSTOMER_EMAIL_MAX_LENGTH
    )
    phone = code_field(
        PHONE_PATTERN,
        CUSTOMER_PHONE_MAX_LENGTH,
        help_text="E.164, e.g. +919876543210; spaces, dashes, dots and brackets are ignored.",
    )
    name = text_field(CUSTOMER_NAME_MAX_LENGTH)


class PaymentFailedIn(ClosedSerializer):
    exclusive = ("failure_code", "failure_reason")
    forbidden = _foreign_ids()

    transaction_ref = serializers.RegexField(
        REQUIRED_TEXT_PATTERN.pattern,
        max_length=TRANSACTION_REF_MAX_LENGTH,
        help_text="Your reference for the payment; unique within your organization. Trimmed.",
    )
    amount = serializers.IntegerField(
        min_value=1, max_value=MAX_AMOUNT, help_text="In the currency's minor unit (paise, cents; yen for JPY)."
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CODES, help_text="ISO 4217 code, upper- or lower-case.")
    gateway = code_field(
        GATEWAY_PATTERN,
        GATEWAY_MAX_LENGTH,
        help_text="stripe, razorpay, or another name, in any case (stored lower-case; default other).",
    )
    failure_code = text_field(
        FAILURE_CODE_MAX_LENGTH,
        help_text=(
            "The gateway's code: for Stripe the decline_code (else the error code), for Razorpay the error reason, "
            "or an NPCI UPI code when payment_method_type is upi."
        ),
    )
    failure_reason = text_field(
        FAILURE_CODE_MAX_LENGTH, help_text="Older name of failure_code (deprecated); send one of the two."
    )
    failure_message = text_field(FAILURE_MESSAGE_MAX_LENGTH)
    network_decline_code = code_field(
        NETWORK_CODE_PATTERN,
        NETWORK_CODE_MAX_LENGTH,
        help_text="Raw network response code: ISO 8583 for cards (e.g. 51), NPCI for UPI (e.g. Z9).",
    )
    network_advice_code = code_field(
        NETWORK_CODE_PATTERN,
        NETWORK_CODE_MAX_LENGTH,
        help_text="Network advice code, e.g. a Mastercard Merchant Advice Code (03, 24 …).",
    )
    advice_code = text_field(
        ADVICE_CODE_MAX_LENGTH,
        help_text="The gateway's advice, e.g. Stripe's do_not_try_again, try_again_later, confirm_card_data.",
    )
    payment_method_type = payment_method_type_field(help_text="Default other.")
    occurred_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="ISO-8601 with a UTC offset, at most 5 minutes ahead of our clock; default now.",
    )
    customer = CustomerIn(required=False, allow_null=True)
    metadata = MetadataField(required=False, allow_null=True)
    gateway_customer_id = code_field(
        GATEWAY_ID_PATTERN,
        GATEWAY_ID_MAX_LENGTH,
        help_text="The gateway's customer: Stripe cus_…, Razorpay cust_…. With the saved method, lets Tinko "
        "charge again where the retry policy and the card networks allow it.",
    )
    gateway_payment_method_id = code_field(
        GATEWAY_ID_PATTERN,
        GATEWAY_ID_MAX_LENGTH,
        help_text="The saved method to charge again: Stripe pm_… (or card_…, src_…), Razorpay token_…, "
        "sandbox sbx_pm_…. Never card data.",
    )


class PaymentSucceededIn(ClosedSerializer):
    transaction_ref = serializers.RegexField(
        REQUIRED_TEXT_PATTERN.pattern,
        max_length=TRANSACTION_REF_MAX_LENGTH,
        help_text="Your reference of the failed payment that was paid.",
    )
    amount = serializers.IntegerField(
        min_value=1, max_value=MAX_AMOUNT, help_text="What was paid, in the currency's minor unit."
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CODES, help_text="ISO 4217 code, upper- or lower-case.")
    paid_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="ISO-8601 with a UTC offset, at most 5 minutes ahead of our clock; default now.",
    )
    note = text_field(RECOVERY_NOTE_MAX_LENGTH, help_text="How it was paid, for your colleagues (e.g. bank transfer).")


class BatchItemIn(PaymentFailedIn):
    idempotency_key = serializers.RegexField(
        IDEMPOTENCY_KEY_PATTERN, help_text="Unique per event; send the same one when you retry."
    )


class BatchEventField(serializers.JSONField):
    """One event of a batch: checked on its own, so any JSON value is taken and a bad one is an error result."""


class BatchEventFieldExtension(OpenApiSerializerFieldExtension):
    target_class = BatchEventField

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Direction) -> dict[str, Any]:
        event = auto_schema.resolve_serializer(BatchItemIn, direction)
        return {
            "anyOf": [event.ref, {}],
            "description": (
                "An event as BatchItemInRequest describes it. Each event is checked on its own: one that is not an "
                "object, misses a required field or breaks a rule still gets its result, `outcome: error` with "
                "the status and error it would have had alone, and the call answers 200."
            ),
        }


class BatchIn(ClosedSerializer):
    events = serializers.ListField(child=BatchEventField(), min_length=1, max_length=MAX_BATCH_SIZE)


class ClassifyIn(ClosedSerializer):
    gateway = code_field(GATEWAY_PATTERN, GATEWAY_MAX_LENGTH)
    code = text_field(FAILURE_CODE_MAX_LENGTH)
    message = text_field(FAILURE_MESSAGE_MAX_LENGTH)
    payment_method_type = payment_method_type_field()
    network_decline_code = code_field(NETWORK_CODE_PATTERN, NETWORK_CODE_MAX_LENGTH)
    network_advice_code = code_field(NETWORK_CODE_PATTERN, NETWORK_CODE_MAX_LENGTH)
    advice_code = text_field(ADVICE_CODE_MAX_LENGTH)


class ClassificationOut(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.values)
    retryable = serializers.BooleanField(
        help_text="May the same payment method be charged again automatically (never for hard declines)."
    )
    action = serializers.ChoiceField(choices=Action.values)
    recommendation = serializers.CharField(help_text="What to do, in plain language.")
    alternatives = serializers.ListField(
        child=serializers.ChoiceField(choices=[m for m in PaymentMethodType.values if m != "other"]),
        help_text="Payment methods to offer the payer, best first.",
    )
    cooldown_seconds = serializers.IntegerField(min_value=0, help_text="Wait at least this long before the next step.")
    rule = serializers.CharField(help_text="Id of the rule that decided, e.g. stripe:insufficient_funds.")
    explanation = serializers.CharField(help_text="One sentence a merchant can read.")


LIVEMODE_HELP = (
    "true: live data, written with a live key or a live gateway account; false: test data. "
    "A key sees only the data of its own mode."
)


class CustomerOut(serializers.Serializer):
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)


class TransactionOut(serializers.Serializer):
    id = serializers.CharField(help_text="txn_…")
    object = serializers.CharField(help_text='Always "transaction".')
    livemode = serializers.BooleanField(help_text=LIVEMODE_HELP)
    transaction_ref = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    gateway = serializers.CharField()
    payment_method_type = serializers.ChoiceField(choices=PaymentMethodType.values)
    status = serializers.ChoiceField(choices=TransactionStatus.values)
    category = serializers.ChoiceField(choices=Category.values, help_text="Of the latest failure.")
    customer = CustomerOut()
    gateway_customer_id = serializers.CharField(allow_null=True)
    gateway_payment_method_id = serializers.CharField(allow_null=True, help_text="The saved method a re-charge uses.")
    failure_count = serializers.IntegerField(min_value=0)
    first_failed_at = serializers.DateTimeField()
    last_failed_at = serializers.DateTimeField()
    recovered_amount = serializers.IntegerField(allow_null=True)
    recovered_at = serializers.DateTimeField(allow_null=True)
    recovered_by = serializers.ChoiceField(
        choices=RecoveredBy.values,
        allow_null=True,
        help_text=(
            "What brought the money back (null until recovered): merchant (you reported a payment made outside "
            "Tinko), auto_charge (Tinko re-charged the saved method), email_link (the payer paid after Tinko's "
            "email), payer (the payer paid on their own, before any attempt reached them)."
        ),
    )
    recovery_note = serializers.CharField(allow_null=True, help_text="Your note from payment_succeeded, if any.")
    recovery_paused = serializers.BooleanField(
        help_text="You paused recovery: nothing is scheduled, even after a new failure, until you resume it."
    )
    recovery_paused_at = serializers.DateTimeField(allow_null=True)
    recovery_restarted_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When you last restarted this abandoned recovery; attempts and the give-up time count from here.",
    )
    metadata = serializers.DictField(child=serializers.CharField(allow_blank=True))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    id = serializers.CharField(help_text="fev_…")
    object = serializers.CharField(help_text='Always "failure_event".')
    livemode = serializers.BooleanField(help_text=LIVEMODE_HELP)
    transaction = serializers.CharField(help_text="Id of the transaction (txn_…).")
    occurred_at = serializers.DateTimeField()
    # A field named like DRF's Field.source attribute; fine for a schema-only serializer.
    source = serializers.ChoiceField(choices=EventSource.values)  # type: ignore[assignment]
    gateway = serializers.CharField()
    payment_method_type = serializers.ChoiceField(choices=PaymentMethodType.values)
    failure_code = serializers.CharField(allow_null=True)
    failure_message = serializers.CharField(allow_null=True)
    network_decline_code = serializers.CharField(allow_null=True)
    network_advice_code = serializers.CharField(allow_null=True)
    advice_code = serializers.CharField(allow_null=True)
    classification = ClassificationOut()
    created_at = serializers.DateTimeField()


class ReasonOut(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, e.g. law.visa_category_1, window.moved, control.paused.")
    text = serializers.CharField(
        help_text='In plain words, e.g. "moved to 09:00 Asia/Kolkata: outside the send window".'
    )


NEXT_STEP_ACTIONS = [*Channel.values, *(str(kind) for kind in StopKind)]


class NextStepOut(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=NEXT_STEP_ACTIONS,
        help_text=(
            "auto_charge or email: an attempt is scheduled; wait: nothing until the payment's final status; "
            "give_up: nothing more to try (the transaction is abandoned); paused: you paused recovery."
        ),
    )
    attempt = serializers.CharField(allow_null=True, help_text="Id of the scheduled attempt (att_…).")
    number = serializers.IntegerField(allow_null=True, min_value=1)
    scheduled_at = serializers.DateTimeField(allow_null=True)
    reasons = ReasonOut(many=True, help_text="Why, in the planner's words (network law first).")


class AttemptOut(serializers.Serializer):
    id = serializers.CharField(help_text="att_…")
    object = serializers.CharField(help_text='Always "recovery_attempt".')
    number = serializers.IntegerField(min_value=1)
    channel = serializers.ChoiceField(choices=Channel.values)
    status = serializers.ChoiceField(
        choices=AttemptStatus.values,
        help_text="scheduled → in_progress → charged | sent | failed | skipped | cancelled.",
    )
    scheduled_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    gateway_payment_id = serializers.CharField(allow_null=True, help_text="The gateway's id of a re-charge.")
    error = serializers.CharField(allow_null=True, help_text="Why it failed, was skipped or was cancelled.")
    reasons = ReasonOut(many=True, help_text="Why the planner chose this channel and time, in plain words.")


class IngestOut(serializers.Serializer):
    transaction = TransactionOut()
    event = EventOut()
    classification = ClassificationOut()
    transaction_effect = serializers.ChoiceField(
        choices=TransactionEffect.values,
        help_text=(
            "created: a new transaction; updated: another failure of an open one; reopened: an abandoned one "
            "is open again; not_reopened: recorded, but the transaction is recovered or cancelled and stays so; "
            "unchanged: this event was recorded before."
        ),
    )
    next_step = NextStepOut(
        allow_null=True,
        help_text="What the retry engine decided after this failure; null when it was recorded before (unchanged) "
        "or does not reopen its transaction (not_reopened).",
    )


class ErrorDetailOut(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    param = serializers.CharField(allow_null=True)


class ErrorOut(serializers.Serializer):
    error = ErrorDetailOut()


class BatchResultOut(serializers.Serializer):
    transaction = serializers.CharField(help_text="Id of the transaction (txn_…).")
    transaction_ref = serializers.CharField()
    event = serializers.CharField(help_text="Id of the failure event (fev_…); the full record is on the transaction.")
    transaction_effect = serializers.ChoiceField(choices=TransactionEffect.values)
    category = serializers.ChoiceField(choices=Category.values)
    retryable = serializers.BooleanField()
    action = serializers.ChoiceField(choices=Action.values)
    cooldown_seconds = serializers.IntegerField(min_value=0)
    rule = serializers.CharField()


class BatchItemOut(serializers.Serializer):
    index = serializers.IntegerField(min_value=0, help_text="Position of the event in the request.")
    idempotency_key = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(help_text="The HTTP status this event would have had on its own.")
    outcome = serializers.ChoiceField(choices=["created", "replayed", "error"])
    error = ErrorDetailOut(allow_null=True)
    result = BatchResultOut(allow_null=True)


class BatchSummaryOut(serializers.Serializer):
    received = serializers.IntegerField(min_value=0)
    created = serializers.IntegerField(min_value=0)
    replayed = serializers.IntegerField(min_value=0)
    failed = serializers.IntegerField(min_value=0)


class BatchOut(serializers.Serializer):
    object = serializers.CharField(help_text='Always "batch_result".')
    summary = BatchSummaryOut()
    results = BatchItemOut(many=True)


class PaymentMismatchOut(serializers.Serializer):
    id = serializers.CharField(help_text="pmm_…")
    object = serializers.CharField(help_text='Always "payment_mismatch".')
    amount = serializers.IntegerField(help_text="What was paid, in the currency's minor unit.")
    currency = serializers.CharField()
    gateway = serializers.CharField(allow_null=True)
    gateway_payment_id = serializers.CharField(allow_null=True)
    paid_at = serializers.DateTimeField()
    recovered = serializers.BooleanField(
        help_text="false: another currency or less than owed, so the transaction stays open; true: more than owed."
    )
    reason = serializers.CharField()


class TransactionDetailOut(TransactionOut):
    events = EventOut(many=True, help_text="Every failure of this transaction, newest first.")
    attempts = AttemptOut(many=True, help_text="Every recovery attempt, in order, with the planner's reasons.")
    payment_mismatches = PaymentMismatchOut(
        many=True,
        help_text="Payments that did not match what the transaction owed (another currency, less, more); oldest first.",
    )


PAYMENT_SUCCEEDED_EFFECTS = [str(PaymentEffect.RECOVERED), str(PaymentEffect.MISMATCH)]


class PaymentSucceededOut(serializers.Serializer):
    object = serializers.CharField(help_text='Always "payment_result".')
    effect = serializers.ChoiceField(
        choices=PAYMENT_SUCCEEDED_EFFECTS,
        help_text=(
            "recovered: the transaction is recovered, credited to you (recovered_by: merchant); mismatch: the payment "
            "was in another currency or for less than owed, so it is kept as a payment mismatch and the transaction "
            "stays open."
        ),
    )
    transaction = TransactionOut()
    payment_mismatch = PaymentMismatchOut(
        allow_null=True, help_text="Set when the payment did not match: another currency, less or more than owed."
    )


class TransactionListOut(serializers.Serializer):
    object = serializers.CharField(help_text='Always "list".')
    # A field named like Serializer.data; fine for a schema-only serializer.
    data = TransactionOut(many=True)  # type: ignore[assignment]
    has_more = serializers.BooleanField()
    next_cursor = serializers.CharField(allow_null=True, help_text="Pass as ?cursor= for the next page.")


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorOut, description=description)


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    location=OpenApiParameter.HEADER,
    required=True,
    type=str,
    pattern=IDEMPOTENCY_KEY_PATTERN,
    description=(
        "Unique per event (e.g. a UUID); send the same key when you retry. Kept at least 24 hours: the same key "
        "with the same body replays the first response byte for byte (with `Idempotent-Replayed: true`); with a "
        "different body it is refused (422 idempotency_key_reused); while the first request is still running, 409 "
        "idempotency_key_in_use. A request that fails stores nothing and may be retried with its key."
    ),
)

REPLAYED_HEADER_PARAMETER = OpenApiParameter(
    name=REPLAYED_HEADER,
    location=OpenApiParameter.HEADER,
    type=str,
    enum=["true"],
    response=[200, 201],
    description="Present (true) when this response is the stored response of an earlier request with the same key.",
)
