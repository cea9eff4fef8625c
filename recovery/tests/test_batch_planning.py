"""A batch's first attempts, planned together (each plan prepared once for the transactions alike),
are exactly those each transaction would get planned alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import Organization
from payments.tests.factories import GatewayAccountFactory
from recovery.services import FailureRecorded, transaction_record_failures
from recovery.services.failures import Customer, FailureInput
from recovery.tests.factories import failure_input
from retries.models import RecoveryAttempt
from retries.scheduling import first_attempt_build
from retries.selectors import decline_of

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

# (gateway, method, currency, amount, failure code, network decline code, network advice code, saved method,
# email, metadata): alike in twos and threes, and unlike in every fact the planner reads.
SHAPES = [
    ("stripe", "card", "USD", 1999, "insufficient_funds", "51", "", "pm_1", "a@example.com", {}),
    ("stripe", "card", "USD", 2999, "insufficient_funds", "51", "", "pm_1", "a@example.com", {}),
    ("stripe", "card", "USD", 1999, "do_not_honor", "05", "24", "pm_1", "a@example.com", {}),
    ("stripe", "card", "USD", 1999, "do_not_honor", "05", "03", "pm_1", "", {}),
    ("stripe", "card", "USD", 1999, "generic_decline", "05", "02", "", "a@example.com", {}),
    ("stripe", "card", "INR", 2_000_000, "do_not_honor", "05", "", "pm_2", "b@example.com", {"mandate_active": "true"}),
    ("stripe", "card", "INR", 9_900, "do_not_honor", "05", "", "pm_2", "b@example.com", {"mandate_active": "true"}),
    ("razorpay", "upi", "INR", 49_900, "payment_collect_request_expired", "", "", "", "c@example.com", {}),
    ("razorpay", "upi", "INR", 49_900, "U30", "Z9", "", "", "", {"issuer_country": "IN"}),
    ("other", "card", "JPY", 5_400, "", "54", "", "pm_3", "d@example.com", {"issuer_country": "JP"}),
    ("stripe", "card", "EUR", 4_900, "lost_card", "41", "", "pm_4", "e@example.com", {}),
]


def _varied_batch() -> list[FailureInput]:
    failures = []
    for index in range(66):
        gateway, method, currency, amount, code, decline, advice, saved, email, metadata = SHAPES[index % len(SHAPES)]
        failures.append(
            failure_input(
                transaction_ref=f"batch-{index}",
                gateway=gateway,
                payment_method_type=method,
                currency=currency,
                amount=amount,
                failure_code=code,
                network_decline_code=decline,
                network_advice_code=advice,
                gateway_payment_method_id=saved,
                gateway_customer_id="cus_1" if saved else "",
                customer=Customer(email=email),
                metadata=metadata,
                # Failures of one shape minutes, hours and days apart (some past the give-up time).
                occurred_at=NOW - timedelta(minutes=7 * index**2),
            )
        )
    # A second failure of a transaction opened in the same batch, earlier than its first.
    failures.append(failure_input(transaction_ref="batch-3", occurred_at=NOW - timedelta(days=2)))
    return failures


@pytest.mark.django_db
def test_a_batch_plans_each_first_attempt_as_it_would_be_planned_alone(organization: Organization) -> None:
    GatewayAccountFactory(organization=organization)  # Stripe, test mode: re-charges can go through it

    with time_machine.travel(NOW, tick=False):
        results = transaction_record_failures(organization=organization, livemode=False, failures=_varied_batch())

    recorded = {result.transaction.pk: result for result in results if isinstance(result, FailureRecorded)}
    assert len(recorded) == len(SHAPES * 6)
    written = {attempt.transaction_id: attempt for attempt in RecoveryAttempt.objects.all()}
    channels = set()
    stops = 0
    for transaction_id, result in recorded.items():
        latest = max(
            (r.event for r in results if isinstance(r, FailureRecorded) and r.transaction.pk == transaction_id),
            key=lambda event: event.occurred_at,
        )
        alone = first_attempt_build(txn=result.transaction, decline=decline_of(latest), now=NOW)
        step = result.next_step
        assert step is not None
        if alone.attempt is None:
            stops += 1
            assert step.attempt is None
            assert transaction_id not in written
            assert step.stop == alone.stop
            continue
        channels.add(alone.attempt.channel)
        row = written[transaction_id]
        expected = (alone.attempt.number, alone.attempt.channel, alone.attempt.scheduled_at, alone.attempt.reasons)
        assert (row.number, row.channel, row.scheduled_at, row.reasons) == expected
    # The batch is varied: re-charges, emails and stops among the plans.
    assert channels == {"auto_charge", "email"}
    assert stops > 0
