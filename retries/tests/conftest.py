"""Fixtures for retries' tests: the fake Stripe and Razorpay APIs of payments' tests."""

from payments.conftest import fake_gateway

__all__ = ["fake_gateway"]
