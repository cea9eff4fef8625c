"""A worker task's attempts executed together: re-charges in one call per gateway account, outcomes
settled in one transaction in a number of statements that does not grow with the batch, and each
attempt still acted on once even when another run takes it while the batch is at the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.models import SandboxPayment
from recovery.enums import EventSource, TransactionStatus
from recovery.models import FailureEvent, Transaction
from retries.enums import AttemptStatus, Channel
from retries.execution import attempts_execute
from retries.models import RecoveryAttempt
from retries.outcomes import Executed
from retries.tests.running import (
    SAVED_INSUFFICIENT,
    SAVED_OK,
    claimed,
    later_attempts,
    sandbox_transaction,
)

pytestmark = pytest.mark.django_db


def _batch(organization, methods: list[str]) -> list[RecoveryAttempt]:
    return [
        claimed(transaction=sandbox_transaction(organization=organization, method=method), channel=Channel.AUTO_CHARGE)
        for method in methods
    ]


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield seen


def test_a_batch_of_re_charges_settles_every_outcome(organization, account) -> None:
    attempts = _batch(organization, [SAVED_OK, SAVED_INSUFFICIENT, SAVED_OK, SAVED_INSUFFICIENT])

    results = attempts_execute(attempt_ids=[attempt.pk for attempt in attempts])

    assert results == [Executed.CHARGED, Executed.DECLINED, Executed.CHARGED, Executed.DECLINED]
    assert SandboxPayment.objects.count() == 4
    for attempt, result in zip(attempts, results, strict=True):
        attempt.refresh_from_db()
        txn = Transaction.objects.get(pk=attempt.transaction_id)
        assert attempt.finished_at is not None
        assert attempt.tries == 1
        assert (
            attempt.gateway_payment_id == SandboxPayment.objects.get(idempotency_key=attempt.idempotency_key).public_id
        )
        if result == Executed.CHARGED:
            assert (attempt.status, attempt.error, txn.status) == (
                AttemptStatus.CHARGED,
                "",
                TransactionStatus.RECOVERED,
            )
            assert later_attempts(txn, attempt) == []
        else:
            assert (attempt.status, txn.status, txn.failure_count) == (
                AttemptStatus.FAILED,
                TransactionStatus.RECOVERING,
                2,
            )
            assert FailureEvent.objects.get(transaction=txn, source=EventSource.RETRY).idempotency_key == (
                f"retry:{attempt.public_id}"
            )
            [following] = later_attempts(txn, attempt)
            assert following.status == AttemptStatus.SCHEDULED
            assert following.scheduled_at > timezone.now()


def test_a_bigger_batch_takes_no_more_statements(organization, account) -> None:
    small = _batch(organization, [SAVED_OK, SAVED_INSUFFICIENT, SAVED_OK])
    with _statements() as few:
        attempts_execute(attempt_ids=[attempt.pk for attempt in small])
    large = _batch(organization, [SAVED_OK, SAVED_INSUFFICIENT, SAVED_OK] * 4)
    with _statements() as many:
        results = attempts_execute(attempt_ids=[attempt.pk for attempt in large])

    assert results.count(Executed.CHARGED) == 8
    assert results.count(Executed.DECLINED) == 4
    assert len(many) == len(few), "\n".join(many)


def test_an_attempt_another_run_takes_while_the_batch_is_at_the_gateway_is_left_to_it(
    organization, account, monkeypatch
) -> None:
    """The sweeper sent one attempt back to scheduled meanwhile: the batch reports it taken, writes
    nothing on it, and settles the others."""
    kept, taken = _batch(organization, [SAVED_OK, SAVED_OK])
    original = SandboxAdapter.charge_saved_methods

    def meanwhile(self, *, credentials, requests):
        outcomes = original(self, credentials=credentials, requests=requests)
        RecoveryAttempt.objects.filter(pk=taken.pk).update(status=AttemptStatus.SCHEDULED, started_at=None)
        return outcomes

    monkeypatch.setattr(SandboxAdapter, "charge_saved_methods", meanwhile)

    assert attempts_execute(attempt_ids=[kept.pk, taken.pk]) == [Executed.CHARGED, Executed.TAKEN]
    kept.refresh_from_db()
    taken.refresh_from_db()
    assert kept.status == AttemptStatus.CHARGED
    assert (taken.status, taken.finished_at) == (AttemptStatus.SCHEDULED, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="FOR UPDATE is PostgreSQL's (set DATABASE_URL)")
def test_settling_a_batch_never_locks_its_organizations_row(organization, account) -> None:
    # Workers settle batches of one organization side by side: a lock on its row would line them up.
    attempts = _batch(organization, [SAVED_OK, SAVED_INSUFFICIENT])
    attempts.append(claimed(transaction=sandbox_transaction(organization=organization), channel=Channel.EMAIL))

    with _statements() as seen:
        attempts_execute(attempt_ids=[attempt.pk for attempt in attempts])

    locking = [sql for sql in seen if "FOR UPDATE" in sql]
    assert locking
    for sql in locking:
        _, _, clause = sql.partition("FOR UPDATE")
        assert '"accounts_organization"' not in sql or (" OF " in clause and "accounts_organization" not in clause)
