"""Gateway fixtures and signatures computed exactly as each gateway computes them."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import stripe

GATEWAYS_DIR = Path(__file__).resolve().parent.parent / "gateways"


def fixture_bytes(provider: str, name: str) -> bytes:
    return (GATEWAYS_DIR / provider / "tests" / "fixtures" / name).read_bytes()


def fixture(provider: str, name: str) -> Any:
    return json.loads(fixture_bytes(provider, name))


def stripe_signature(body: bytes, secret: str, timestamp: int) -> str:
    """Stripe-Signature as Stripe sends it (stripe-python's own test helper)."""
    return stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)


def razorpay_signature(body: bytes, secret: str) -> str:
    """X-Razorpay-Signature: hex HMAC-SHA256 of the raw body with the webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
