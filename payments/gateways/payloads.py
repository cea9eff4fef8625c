"""Reading gateway JSON defensively: payloads are untrusted input and fields come and go by version."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from payments.exceptions import WebhookVerificationError


def as_mapping(value: Any) -> Mapping[str, Any]:
    # Razorpay sends empty notes as [] (a PHP habit); anything not an object counts as empty.
    return value if isinstance(value, Mapping) else {}


def text(value: Any) -> str | None:
    """A non-empty string, or None (Razorpay sends "" where it means "no value")."""
    if value is None or value == "":
        return None
    return str(value)


def object_id(value: Any) -> str | None:
    """The id of an expandable field: either the id itself or the expanded object."""
    if isinstance(value, Mapping):
        return text(value.get("id"))
    return text(value)


def string_map(value: Any) -> dict[str, str]:
    return {str(key): str(item) for key, item in as_mapping(value).items() if item is not None}


def timestamp(value: Any) -> datetime | None:
    if value in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or WebhookVerificationError('malformed_body')."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookVerificationError("malformed_body", "The body is not JSON.") from exc
    if not isinstance(parsed, dict):
        raise WebhookVerificationError("malformed_body", "The body is not a JSON object.")
    return parsed


def without_nul(value: Any) -> Any:
    """A parsed JSON value with every NUL character taken out of its keys and strings: PostgreSQL's
    jsonb and text refuse them, and a gateway would redeliver the refused event for days."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {str(key).replace("\x00", ""): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


# How far ahead of our clock a signature's timestamp may be (the gateway's clock drifts too).
FUTURE_SKEW_SECONDS = 300


def signed_at_check(*, signed_at: int, now: datetime, tolerance_seconds: int) -> None:
    """Refuse a signature older than the tolerance, or dated in the future beyond a small skew."""
    if signed_at < now.timestamp() - tolerance_seconds:
        raise WebhookVerificationError("stale_timestamp", "The signature is older than the tolerance.")
    if signed_at > now.timestamp() + FUTURE_SKEW_SECONDS:
        raise WebhookVerificationError("future_timestamp", "The signature is dated in the future.")


def signed_header_parts(header: str) -> tuple[int, list[str]]:
    """`t=…,v1=…[,v1=…]` (the Stripe scheme, also used by the sandbox) → (timestamp, v1 signatures).
    Exactly one timestamp: with two, a checker that reads the other one would accept a replay."""
    if not header.isascii():
        raise WebhookVerificationError("malformed_signature", "The signature header is not ASCII.")
    timestamp_value: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            if timestamp_value is not None:
                raise WebhookVerificationError("malformed_signature", "More than one timestamp in signature header.")
            try:
                timestamp_value = int(value)
            except ValueError as exc:
                raise WebhookVerificationError("malformed_signature", "Bad timestamp in signature header.") from exc
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp_value is None:
        raise WebhookVerificationError("malformed_signature", "No timestamp in signature header.")
    if not signatures:
        raise WebhookVerificationError("malformed_signature", "No v1 signature in signature header.")
    return timestamp_value, signatures
