"""The dispatcher: due attempts claimed once, in bounded batches, and sent to workers after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from retries import dispatch
from retries.dispatch import EXECUTE_TASK, attempts_claim_due, attempts_dispatch
from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt
from retries.tests import factories
from tinko import enqueue
from tinko.tests.locks import held_open

pytestmark = pytest.mark.django_db


def _due(organization, count: int, *, minutes_ago: int = 5, **values) -> list[RecoveryAttempt]:
    txn = factories.transaction(organization=organization)
    now = timezone.now()
    return [
        factories.attempt(transaction=txn, scheduled_at=now - timedelta(minutes=minutes_ago, seconds=index), **values)
        for index in range(count)
    ]


def test_claiming_takes_due_scheduled_attempts_oldest_first_up_to_the_limit(organization) -> None:
    due = _due(organization, 3)
    txn = due[0].transaction
    later = factories.attempt(transaction=txn, scheduled_at=timezone.now() + timedelta(minutes=1))
    done = factories.attempt(
        transaction=txn,
        scheduled_at=timezone.now() - timedelta(hours=1),
        status=AttemptStatus.CANCELLED,
        finished_at=timezone.now(),
    )
    now = timezone.now()

    first = attempts_claim_due(now=now, limit=2)
    rest = attempts_claim_due(now=now, limit=2)

    assert first == [due[2].pk, due[1].pk]
    assert rest == [due[0].pk]
    assert attempts_claim_due(now=now, limit=2) == []
    claimed = RecoveryAttempt.objects.get(pk=due[2].pk)
    assert (claimed.status, claimed.started_at, claimed.updated_at) == (AttemptStatus.IN_PROGRESS, now, now)
    assert RecoveryAttempt.objects.get(pk=later.pk).status == AttemptStatus.SCHEDULED
    assert RecoveryAttempt.objects.get(pk=done.pk).status == AttemptStatus.CANCELLED


def test_a_second_dispatch_claims_nothing_already_claimed(organization, django_capture_on_commit_callbacks) -> None:
    _due(organization, 3)

    with django_capture_on_commit_callbacks() as first_callbacks:
        assert attempts_dispatch() == 3
    with django_capture_on_commit_callbacks() as second_callbacks:
        assert attempts_dispatch() == 0

    assert (len(first_callbacks), len(second_callbacks)) == (1, 0)


def test_claimed_attempts_go_to_workers_in_chunks_once_the_claim_commits(
    organization, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    settings.RETRY_DISPATCH_BATCH = 4
    settings.RETRY_EXECUTE_CHUNK = 3
    attempts = _due(organization, 6)
    sent: list[tuple[str, tuple[int, ...]]] = []
    monkeypatch.setattr(dispatch, "task_enqueue_on_commit", lambda name, *ids: sent.append((name, ids)))

    assert attempts_dispatch() == 6

    oldest_first = [attempt.pk for attempt in reversed(attempts)]
    assert sent == [
        (EXECUTE_TASK, tuple(oldest_first[0:3])),
        (EXECUTE_TASK, (oldest_first[3],)),
        (EXECUTE_TASK, tuple(oldest_first[4:6])),
    ]


def test_the_dispatcher_stops_at_the_most_attempts_in_flight(organization, settings, monkeypatch) -> None:
    settings.RETRY_DISPATCH_MAX_IN_FLIGHT = 5
    settings.RETRY_DISPATCH_BATCH = 2
    monkeypatch.setattr(dispatch, "task_enqueue_on_commit", lambda name, *ids: None)
    _due(organization, 8)

    assert attempts_dispatch() == 5
    assert attempts_dispatch() == 0, "nothing finished: no room"
    finished = RecoveryAttempt.objects.filter(status=AttemptStatus.IN_PROGRESS).first()
    assert finished is not None
    RecoveryAttempt.objects.filter(pk=finished.pk).update(status=AttemptStatus.SENT, finished_at=timezone.now())
    assert attempts_dispatch() == 1


@pytest.mark.django_db(transaction=True)
def test_a_claim_that_rolls_back_sends_no_task(organization, monkeypatch) -> None:
    sent: list[tuple[int, ...]] = []
    monkeypatch.setattr(enqueue, "task_enqueue", lambda name, *ids, countdown=None: sent.append(ids))
    _due(organization, 2)

    class Abort(Exception):
        pass

    def dispatch_then_fail() -> None:
        with transaction.atomic():
            attempts_dispatch()
            raise Abort

    with pytest.raises(Abort):
        dispatch_then_fail()

    assert sent == []
    assert RecoveryAttempt.objects.filter(status=AttemptStatus.SCHEDULED).count() == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two dispatchers at once need two connections (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_different_attempts_without_waiting(organization) -> None:
    due = _due(organization, 6)
    now = timezone.now()
    in_other: list[int] = []

    with held_open(lambda: in_other.extend(attempts_claim_due(now=now, limit=4))), transaction.atomic():
        # The other connection holds its four rows locked, uncommitted; this one skips them, and
        # would fail rather than wait if it did not.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
        here = attempts_claim_due(now=now, limit=4)

    assert len(in_other) == 4
    assert len(here) == 2
    assert set(in_other) | set(here) == {attempt.pk for attempt in due}
    assert RecoveryAttempt.objects.filter(status=AttemptStatus.IN_PROGRESS).count() == 6
