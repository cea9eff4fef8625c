"""Examples in the OpenAPI descriptions of the recovery API: requests a merchant sends, and answers."""

from __future__ import annotations

from typing import Any

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

_TRANSACTION: dict[str, Any] = {
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
    "recovered_by": None,
    "recovery_note": None,
    "recovery_paused": False,
    "recovery_paused_at": None,
    "recovery_restarted_at": None,
    "metadata": {"plan": "annual"},
    "created_at": "2026-11-20T03:45:01.204113Z",
    "updated_at": "2026-11-20T03:45:01.204113Z",
}

_CLASSIFICATION: dict[str, Any] = {
    "category": "funds",
    "retryable": True,
    "action": "retry_later",
    "recommendation": "Retry after the cooldown, when funds are more likely to be there, "
    "and offer the payer another method meanwhile.",
    "alternatives": ["upi", "netbanking", "wallet", "card"],
    "cooldown_seconds": 86400,
    "rule": "stripe:insufficient_funds",
    "explanation": "The card has insufficient funds.",
}

_EVENT: dict[str, Any] = {
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
    "classification": _CLASSIFICATION,
    "created_at": "2026-11-20T03:45:01.204113Z",
}

# As the planner wrote them for this failure under the Standard policy.
_REASONS = [
    {
        "code": "india.no_mandate",
        "text": "India-issued card with no active e-mandate: link sent instead of a re-charge",
    },
    {"code": "schedule.backoff", "text": "attempt 1 of 6: 1 day after the failure (+2 hours 21 minutes jitter)"},
    {
        "code": "channel.link",
        "text": "recovery link by email, valid 3 days; the payer may pay by UPI, netbanking, wallet, card",
    },
]

_ATTEMPT: dict[str, Any] = {
    "id": "att_7hJ2kL9mN4pQ8rS1tU5vW3",
    "object": "recovery_attempt",
    "number": 1,
    "channel": "email",
    "status": "scheduled",
    "scheduled_at": "2026-11-21T06:06:50Z",
    "started_at": None,
    "finished_at": None,
    "gateway_payment_id": None,
    "error": None,
    "reasons": _REASONS,
}

INGEST_RESPONSE_EXAMPLE = OpenApiExample(
    "Recorded",
    response_only=True,
    status_codes=["201"],
    value={
        "transaction": _TRANSACTION,
        "event": _EVENT,
        "classification": _CLASSIFICATION,
        "transaction_effect": "created",
        "next_step": {
            "action": "email",
            "attempt": _ATTEMPT["id"],
            "number": 1,
            "scheduled_at": _ATTEMPT["scheduled_at"],
            "reasons": _REASONS,
        },
    },
)

TRANSACTION_DETAIL_EXAMPLE = OpenApiExample(
    "A failed payment and its first attempt",
    response_only=True,
    status_codes=["200"],
    value={**_TRANSACTION, "events": [_EVENT], "attempts": [_ATTEMPT], "payment_mismatches": []},
)

PAYMENT_SUCCEEDED_EXAMPLE = OpenApiExample(
    "Paid by bank transfer",
    request_only=True,
    value={
        "transaction_ref": "order_1042",
        "amount": 249900,
        "currency": "INR",
        "paid_at": "2026-11-21T10:30:00+05:30",
        "note": "NEFT from the customer, UTR 4183 0021 7745",
    },
)

_RECOVERED_BY_MERCHANT: dict[str, Any] = {
    **_TRANSACTION,
    "status": "recovered",
    "recovered_amount": 249900,
    "recovered_at": "2026-11-21T05:00:00Z",
    "recovered_by": "merchant",
    "recovery_note": "NEFT from the customer, UTR 4183 0021 7745",
    "updated_at": "2026-11-21T05:02:13.551020Z",
}

PAYMENT_SUCCEEDED_RESPONSE_EXAMPLE = OpenApiExample(
    "Recovered, credited to the merchant",
    response_only=True,
    status_codes=["200"],
    value={
        "object": "payment_result",
        "effect": "recovered",
        "transaction": _RECOVERED_BY_MERCHANT,
        "payment_mismatch": None,
    },
)

_PAUSED_ATTEMPT: dict[str, Any] = {
    **_ATTEMPT,
    "status": "cancelled",
    "finished_at": "2026-11-20T08:12:40.118342Z",
    "error": "recovery paused by the merchant",
}

CONTROL_RESPONSE_EXAMPLE = OpenApiExample(
    "Paused",
    response_only=True,
    status_codes=["200"],
    value={
        "object": "recovery_control",
        "action": "pause",
        "changed": True,
        "next_step": None,
        "transaction": {
            **_TRANSACTION,
            "recovery_paused": True,
            "recovery_paused_at": "2026-11-20T08:12:40.118342Z",
            "updated_at": "2026-11-20T08:12:40.118342Z",
            "events": [_EVENT],
            "attempts": [_PAUSED_ATTEMPT],
            "payment_mismatches": [],
        },
    },
)

LINK_RESPONSE_EXAMPLE = OpenApiExample(
    "A link for your own message",
    response_only=True,
    status_codes=["201"],
    value={
        "object": "recovery_link",
        "url": "https://tinko.example.com/pay/retry/rlk_3kP9sT2vX8yZ1aB4cD6eF7.kq0WcRZ8yL1m3fN7pXb2sQ4tV9uA6dE5hJ8kM1nP3rS/",
        "expires_at": "2026-11-23T08:12:40.118342Z",
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
