"""OpenAPI descriptions of the recovery API's bodies (documentation only: parsing.py validates).

tests/test_api_schema.py keeps these in step with the parser and runs schemathesis against them.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from recovery.api.parsing import (
    MAX_BATCH_SIZE,
    METADATA_KEY_MAX_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX_LENGTH,
)
from recovery.enums import Action, Category, EventSource, PaymentMethodType, TransactionEffect, TransactionStatus
from recovery.services import MAX_AMOUNT
from tinko.idempotency import IDEMPOTENCY_HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER
from tinko.money import CURRENCIES

NETWORK_CODE_PATTERN = r"^[A-Za-z0-9]{1,8}$"
GATEWAY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


class MetadataField(serializers.DictField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            child=serializers.CharField(max_length=METADATA_VALUE_MAX_LENGTH, allow_blank=True),
            help_text=(
                f"Your own string keys and values: at most {METADATA_MAX_KEYS} keys of up to "
                f"{METADATA_KEY_MAX_LENGTH} characters, values up to {METADATA_VALUE_MAX_LENGTH}."
            ),
            **kwargs,  # type: ignore[arg-type]
        )


class CustomerIn(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_null=True, max_length=254)
    phone = serializers.CharField(
        required=False, allow_null=True, help_text="E.164, e.g. +919876543210 (spaces and dashes are ignored)."
    )
    name = serializers.CharField(required=False, allow_null=True, max_length=200)


class PaymentFailedIn(serializers.Serializer):
    transaction_ref = serializers.CharField(
        max_length=255, help_text="Your reference for the payment; unique within your organization."
    )
    amount = serializers.IntegerField(
        min_value=1, max_value=MAX_AMOUNT, help_text="In the currency's minor unit (paise, cents; yen for JPY)."
    )
    currency = serializers.ChoiceField(choices=sorted(CURRENCIES), help_text="ISO 4217 code.")
    gateway = serializers.RegexField(
        GATEWAY_PATTERN,
        required=False,
        allow_null=True,
        help_text="stripe, razorpay, or another name (default other).",
    )
    failure_code = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=100,
        help_text=(
            "The gateway's code: for Stripe the decline_code (else the error code), for Razorpay the error reason, "
            "or an NPCI UPI code when payment_method_type is upi."
        ),
    )
    failure_reason = serializers.CharField(
        required=False, allow_null=True, max_length=100, help_text="Older name of failure_code (deprecated)."
    )
    failure_message = serializers.CharField(required=False, allow_null=True, max_length=1000)
    network_decline_code = serializers.RegexField(
        NETWORK_CODE_PATTERN,
        required=False,
        allow_null=True,
        help_text="Raw network response code: ISO 8583 for cards (e.g. 51), NPCI for UPI (e.g. Z9).",
    )
    network_advice_code = serializers.RegexField(
        NETWORK_CODE_PATTERN,
        required=False,
        allow_null=True,
        help_text="Network advice code, e.g. a Mastercard Merchant Advice Code (03, 24 …).",
    )
    advice_code = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=64,
        help_text="The gateway's advice, e.g. Stripe's do_not_try_again, try_again_later, confirm_card_data.",
    )
    payment_method_type = serializers.ChoiceField(
        choices=PaymentMethodType.values, required=False, allow_null=True, help_text="Default other."
    )
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="ISO-8601 with a UTC offset; default now."
    )
    customer = CustomerIn(required=False, allow_null=True)
    metadata = MetadataField(required=False, allow_null=True)


class BatchItemIn(PaymentFailedIn):
    idempotency_key = serializers.RegexField(
        rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$", help_text="Unique per event; send the same one when you retry."
    )


class BatchIn(serializers.Serializer):
    events = serializers.ListField(child=BatchItemIn(), min_length=1, max_length=MAX_BATCH_SIZE)


class ClassifyIn(serializers.Serializer):
    gateway = serializers.RegexField(GATEWAY_PATTERN, required=False, allow_null=True)
    code = serializers.CharField(required=False, allow_null=True, max_length=100)
    message = serializers.CharField(required=False, allow_null=True, max_length=1000)
    payment_method_type = serializers.ChoiceField(choices=PaymentMethodType.values, required=False, allow_null=True)
    network_decline_code = serializers.RegexField(NETWORK_CODE_PATTERN, required=False, allow_null=True)
    network_advice_code = serializers.RegexField(NETWORK_CODE_PATTERN, required=False, allow_null=True)
    advice_code = serializers.CharField(required=False, allow_null=True, max_length=64)


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


class CustomerOut(serializers.Serializer):
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)


class TransactionOut(serializers.Serializer):
    id = serializers.CharField(help_text="txn_…")
    object = serializers.CharField(help_text='Always "transaction".')
    transaction_ref = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    gateway = serializers.CharField()
    payment_method_type = serializers.ChoiceField(choices=PaymentMethodType.values)
    status = serializers.ChoiceField(choices=TransactionStatus.values)
    category = serializers.ChoiceField(choices=Category.values, help_text="Of the latest failure.")
    customer = CustomerOut()
    failure_count = serializers.IntegerField(min_value=0)
    first_failed_at = serializers.DateTimeField()
    last_failed_at = serializers.DateTimeField()
    recovered_amount = serializers.IntegerField(allow_null=True)
    recovered_at = serializers.DateTimeField(allow_null=True)
    metadata = serializers.DictField(child=serializers.CharField(allow_blank=True))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    id = serializers.CharField(help_text="fev_…")
    object = serializers.CharField(help_text='Always "failure_event".')
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
    next_step = serializers.DictField(
        allow_null=True, help_text="The first scheduled recovery step; null until a retry policy schedules one."
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


class TransactionDetailOut(TransactionOut):
    events = EventOut(many=True, help_text="Every failure of this transaction, newest first.")


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
    pattern=rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$",
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

PAYMENT_FAILED_EXAMPLE = OpenApiExample(
    "Stripe card, insufficient funds",
    request_only=True,
    value={
        "transaction_ref": "order_1042",
        "amount": 249900,
        "currency": "INR",
        "gateway": "stripe",
        "failure_code": "insufficient_funds",
        "failure_message": "Your card has insufficient funds.",
        "network_decline_code": "51",
        "payment_method_type": "card",
        "occurred_at": "2026-11-20T09:15:00+05:30",
        "customer": {"email": "asha@example.com", "phone": "+919876543210", "name": "Asha Rao"},
        "metadata": {"plan": "annual"},
    },
)

UPI_EXAMPLE = OpenApiExample(
    "Razorpay UPI, collect request expired",
    request_only=True,
    value={
        "transaction_ref": "sub_88-2026-11",
        "amount": 49900,
        "currency": "INR",
        "gateway": "razorpay",
        "failure_code": "payment_collect_request_expired",
        "payment_method_type": "upi",
    },
)

INGEST_RESPONSE_EXAMPLE = OpenApiExample(
    "Recorded",
    response_only=True,
    status_codes=["201"],
    value={
        "transaction": {
            "id": "txn_4fJ2kQ9xLmN0pR7sT1uVwY",
            "object": "transaction",
            "transaction_ref": "order_1042",
            "amount": 249900,
            "currency": "INR",
            "gateway": "stripe",
            "payment_method_type": "card",
            "status": "failed",
            "category": "funds",
            "customer": {"email": "asha@example.com", "phone": "+919876543210", "name": "Asha Rao"},
            "failure_count": 1,
            "first_failed_at": "2026-11-20T03:45:00Z",
            "last_failed_at": "2026-11-20T03:45:00Z",
            "recovered_amount": None,
            "recovered_at": None,
            "metadata": {"plan": "annual"},
            "created_at": "2026-11-20T03:45:01.204113Z",
            "updated_at": "2026-11-20T03:45:01.204113Z",
        },
        "event": {
            "id": "fev_9aB3cD4eF5gH6iJ7kL8mN0",
            "object": "failure_event",
            "transaction": "txn_4fJ2kQ9xLmN0pR7sT1uVwY",
            "occurred_at": "2026-11-20T03:45:00Z",
            "source": "api",
            "gateway": "stripe",
            "payment_method_type": "card",
            "failure_code": "insufficient_funds",
            "failure_message": "Your card has insufficient funds.",
            "network_decline_code": "51",
            "network_advice_code": None,
            "advice_code": None,
            "classification": {
                "category": "funds",
                "retryable": True,
                "action": "retry_later",
                "recommendation": "Retry after the cooldown, when funds are more likely to be there, "
                "and offer the payer another method meanwhile.",
                "alternatives": ["upi", "netbanking", "wallet", "card"],
                "cooldown_seconds": 86400,
                "rule": "stripe:insufficient_funds",
                "explanation": "The card has insufficient funds.",
            },
            "created_at": "2026-11-20T03:45:01.204113Z",
        },
        "classification": {
            "category": "funds",
            "retryable": True,
            "action": "retry_later",
            "recommendation": "Retry after the cooldown, when funds are more likely to be there, "
            "and offer the payer another method meanwhile.",
            "alternatives": ["upi", "netbanking", "wallet", "card"],
            "cooldown_seconds": 86400,
            "rule": "stripe:insufficient_funds",
            "explanation": "The card has insufficient funds.",
        },
        "transaction_effect": "created",
        "next_step": None,
    },
)

CLASSIFY_EXAMPLE = OpenApiExample(
    "NPCI code on a UPI payment",
    request_only=True,
    value={"gateway": "other", "code": "U69", "payment_method_type": "upi"},
)

CLASSIFY_RESPONSE_EXAMPLE = OpenApiExample(
    "Collect request expired",
    response_only=True,
    value={
        "category": "auth_timeout",
        "retryable": True,
        "action": "retry_later",
        "recommendation": "Send the payer a link to try again and finish the approval step.",
        "alternatives": ["upi", "card", "netbanking", "wallet"],
        "cooldown_seconds": 900,
        "rule": "npci:U69",
        "explanation": "The payer did not approve the collect request before it expired.",
    },
)

BATCH_EXAMPLE = OpenApiExample(
    "Two events",
    request_only=True,
    value={
        "events": [
            {
                "idempotency_key": "evt-7c1e0f5a",
                "transaction_ref": "order_1043",
                "amount": 1999,
                "currency": "USD",
                "gateway": "stripe",
                "failure_code": "expired_card",
                "payment_method_type": "card",
            },
            {
                "idempotency_key": "evt-7c1e0f5b",
                "transaction_ref": "order_1044",
                "amount": 5000,
                "currency": "JPY",
                "gateway": "other",
                "network_decline_code": "05",
                "payment_method_type": "card",
            },
        ]
    },
)
