"""Fixtures for retries' tests: the fake Stripe and Razorpay APIs of payments' tests, and the
organization's sandbox gateway account that re-charges go through."""

import pytest

from payments.conftest import fake_gateway
from payments.models import GatewayAccount
from retries.tests.running import sandbox_account

__all__ = ["fake_gateway"]


@pytest.fixture
def account(organization) -> GatewayAccount:
    return sandbox_account(organization)
