"""The periodic refresh keeps rollups equal to a recomputation from scratch, whatever happens."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
import time_machine
from django.db.models import Model
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import Organization
from accounts.tests.factories import OrganizationFactory
from analytics.buckets import COUNTERS
from analytics.models import DailyRollup, DeclineCodeRollup
from analytics.rollups import decline_code_rows, rollup_rows, rollups_refresh
from recovery.enums import RecoveredBy, TransactionStatus
from recovery.models import Transaction
from recovery.services import PaymentReceived, RefundReceived, transaction_mark_recovered, transaction_record_refund
from recovery.tests.factories import record_failure
from retries.controls import recovery_cancel
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt

START = datetime(2026, 3, 28, 17, 0, tzinfo=UTC)
EVERYTHING = (date(2000, 1, 1), date(2100, 1, 1))
# The database outlives each example, and with it the refresh's watermark: each example starts later
# than the one before, as time does.
_EXAMPLES = itertools.count()
CODES = ("insufficient_funds", "do_not_honor", "expired_card", "processing_error", "fraudulent")

step = st.one_of(
    st.tuples(st.just("fail"), st.integers(0, 5), st.sampled_from(CODES), st.sampled_from(("card", "upi"))),
    st.tuples(st.just("attempt"), st.integers(0, 5), st.sampled_from((Channel.AUTO_CHARGE, Channel.EMAIL))),
    st.tuples(st.just("recover"), st.integers(0, 5), st.sampled_from((None, RecoveredBy.MERCHANT))),
    st.tuples(st.just("refund"), st.integers(0, 5), st.integers(1, 3000)),
    st.tuples(st.just("abandon"), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("refresh")),
    st.tuples(st.just("wait"), st.integers(1, 60 * 30)),
)


def _rows(model: type[Model], organization: Any, fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows = model.objects.filter(organization=organization).values_list(*fields)  # type: ignore[attr-defined]
    return sorted(rows)


def _scratch(rows: list[Any], fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return sorted(tuple(getattr(row, name) for name in fields) for row in rows)


class Story:
    def __init__(self, organization: Any) -> None:
        self.organization = organization
        self.refs: list[str] = []

    def _txn(self, index: int) -> Transaction | None:
        if not self.refs:
            return None
        ref = self.refs[index % len(self.refs)]
        return Transaction.objects.get(organization=self.organization, livemode=False, transaction_ref=ref)

    def fail(self, index: int, code: str, method: str) -> None:
        ref = f"order-{index}"
        record_failure(
            organization=self.organization,
            transaction_ref=ref,
            amount=1000 + 100 * index,
            currency="INR" if index % 2 else "USD",
            failure_code=code,
            payment_method_type=method,
            occurred_at=timezone.now(),
            idempotency_key=f"{ref}-{timezone.now().timestamp()}",
        )
        if ref not in self.refs:
            self.refs.append(ref)

    def attempt(self, index: int, channel: Channel) -> None:
        txn = self._txn(index)
        if txn is None or txn.status not in (TransactionStatus.FAILED, TransactionStatus.RECOVERING):
            return
        now = timezone.now()
        number = RecoveryAttempt.objects.filter(transaction=txn).count() + 1
        status = AttemptStatus.FAILED if channel == Channel.AUTO_CHARGE else AttemptStatus.SENT
        RecoveryAttempt.objects.create(
            organization_id=txn.organization_id,
            livemode=False,
            transaction=txn,
            number=number + 100,
            channel=channel,
            scheduled_at=now,
            status=status,
            started_at=now,
            finished_at=now,
        )
        # As the worker does when it takes up an attempt.
        Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.RECOVERING, updated_at=now)

    def recover(self, index: int, credit: RecoveredBy | None) -> None:
        txn = self._txn(index)
        if txn is None:
            return
        payment = PaymentReceived(
            transaction_ref=txn.transaction_ref,
            amount=txn.amount,
            currency=txn.currency,
            paid_at=timezone.now(),
            recovered_by=credit,
        )
        transaction_mark_recovered(organization=self.organization, livemode=False, payment=payment)

    def refund(self, index: int, amount: int) -> None:
        txn = self._txn(index)
        if txn is None:
            return
        refund = RefundReceived(transaction_ref=txn.transaction_ref, refunded_at=timezone.now(), amount=amount)
        transaction_record_refund(organization=self.organization, livemode=False, refund=refund)

    def abandon(self, index: int) -> None:
        txn = self._txn(index)
        if txn is None:
            return
        # As the planner's give-up does.
        Transaction.objects.filter(
            pk=txn.pk, status__in=[TransactionStatus.FAILED, TransactionStatus.RECOVERING]
        ).update(status=TransactionStatus.ABANDONED, updated_at=timezone.now())

    def cancel(self, index: int) -> None:
        txn = self._txn(index)
        if txn is None or txn.status == TransactionStatus.RECOVERED:
            return
        recovery_cancel(organization=self.organization, livemode=False, transaction_ref=txn.transaction_ref)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
# A failure recorded on a cancelled transaction after a refresh (it does not reopen it) still counts.
@example(
    steps=[
        ("fail", 0, "insufficient_funds", "card"),
        ("cancel", 0),
        ("wait", 6),
        ("refresh",),
        ("fail", 0, "insufficient_funds", "card"),
    ]
)
def test_incremental_rollups_equal_a_recomputation_from_scratch(steps: list[tuple[Any, ...]]) -> None:
    with time_machine.travel(START + timedelta(days=30 * next(_EXAMPLES)), tick=False) as clock:
        organization = cast(Organization, OrganizationFactory(time_zone="Asia/Kolkata"))
        story = Story(organization)
        for name, *args in steps:
            if name == "refresh":
                rollups_refresh()
            elif name == "wait":
                clock.shift(timedelta(minutes=args[0]))
            else:
                getattr(story, name)(*args)
        rollups_refresh()

    rollup_fields = ("livemode", "day", "gateway", "category", "payment_method_type", "currency", *COUNTERS)
    expected = _scratch(
        rollup_rows(organization=organization, livemode=False, start=EVERYTHING[0], end=EVERYTHING[1]), rollup_fields
    )
    assert _rows(DailyRollup, organization, rollup_fields) == expected
    code_fields = ("livemode", "day", "gateway", "category", "payment_method_type", "currency", "code", "declines")
    expected_codes = _scratch(
        decline_code_rows(organization=organization, livemode=False, start=EVERYTHING[0], end=EVERYTHING[1]),
        code_fields,
    )
    assert _rows(DeclineCodeRollup, organization, code_fields) == expected_codes
    transactions = Transaction.objects.filter(organization=organization)
    failed = rollup_fields.index("failed_count")
    assert sum(row[failed] for row in _rows(DailyRollup, organization, rollup_fields)) == transactions.count()
