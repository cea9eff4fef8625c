"""Fixtures for payments' tests: a fake gateway API for the SDKs and a recording outcome handler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from payments.tests import recording
from payments.tests.factories import GatewayAccountFactory
from payments.tests.fake_gateway import FakeGateway


@pytest.fixture
def fake_gateway(settings: Any) -> Iterator[FakeGateway]:
    """Stripe's and Razorpay's API bases pointed at a local server that records every request."""
    gateway = FakeGateway().start()
    settings.PAYMENTS_STRIPE_API_BASE = gateway.url
    settings.PAYMENTS_RAZORPAY_API_BASE = gateway.url
    yield gateway
    gateway.stop()


@pytest.fixture
def outcomes(settings: Any) -> Iterator[list[Any]]:
    """PAYMENTS_OUTCOME_HANDLER pointed at a recorder; yields the (outcome, account) pairs it got."""
    settings.PAYMENTS_OUTCOME_HANDLER = "payments.tests.recording.record_outcome"
    recording.RECEIVED.clear()
    recording.FAIL_WITH.clear()
    yield recording.RECEIVED
    recording.RECEIVED.clear()
    recording.FAIL_WITH.clear()


@pytest.fixture
def stripe_account(db: None) -> Any:
    return GatewayAccountFactory.stripe()


@pytest.fixture
def razorpay_account(db: None) -> Any:
    return GatewayAccountFactory.razorpay()


@pytest.fixture
def sandbox_account(db: None) -> Any:
    return GatewayAccountFactory.sandbox()
