"""Examples in the OpenAPI descriptions of the recovery API: requests a merchant sends, and answers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

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
        "gateway_customer_id": "cus_Qx7fTb2LmN4pR8",
        "gateway_payment_method_id": "pm_1QxR4tLmN0pR7sT1uVwYzA2b",
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
            "livemode": False,
            "transaction_ref": "order_1042",
            "amount": 249900,
            "currency": "INR",
            "gateway": "stripe",
            "payment_method_type": "card",
            "status": "failed",
            "category": "funds",
            "customer": {"email": "asha@example.com", "phone": "+919876543210", "name": "Asha Rao"},
            "gateway_customer_id": "cus_Qx7fTb2LmN4pR8",
            "gateway_payment_method_id": "pm_1QxR4tLmN0pR7sT1uVwYzA2b",
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
            "livemode": False,
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
