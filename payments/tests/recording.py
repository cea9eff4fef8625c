"""A stand-in for PAYMENTS_OUTCOME_HANDLER that records what payments hands over."""

from __future__ import annotations

from typing import Any

from payments.interface import PaymentOutcome

RECEIVED: list[tuple[PaymentOutcome, Any]] = []
# Set by a test to make the next calls raise (TransientOutcomeError or anything else).
FAIL_WITH: list[BaseException] = []


def record_outcome(*, outcome: PaymentOutcome, account: Any) -> None:
    if FAIL_WITH:
        raise FAIL_WITH.pop(0)
    RECEIVED.append((outcome, account))
