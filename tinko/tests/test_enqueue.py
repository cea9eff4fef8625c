"""Tasks sent by name after commit, fanned out by sweepers, and never failing the caller on a broker outage."""

import logging

import pytest
from kombu.exceptions import OperationalError

from tinko.celery import app
from tinko.enqueue import task_backoff, task_enqueue, task_enqueue_each, task_enqueue_on_commit

TASK = "payments.process_webhook_event"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    calls: list[tuple[int, ...]] = []
    monkeypatch.setattr(app.tasks[TASK], "apply_async", lambda args, countdown: calls.append(tuple(args)))
    return calls


@pytest.mark.django_db
def test_a_task_is_sent_by_name_only_once_the_transaction_commits(sent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        task_enqueue_on_commit(TASK, 41)
        assert sent == []

    for callback in callbacks:
        callback()

    assert sent == [(41,)]


def test_a_sweeper_fans_out_one_task_per_id(sent) -> None:
    task_enqueue_each(TASK, [3, 5, 8])

    assert sent == [(3,), (5,), (8,)]


def test_a_broker_outage_is_logged_and_not_raised(monkeypatch, caplog) -> None:
    def broker_down(args: tuple[int, ...], countdown: float | None) -> None:
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(app.tasks[TASK], "apply_async", broker_down)

    with caplog.at_level(logging.WARNING, logger="tinko.enqueue"):
        task_enqueue(TASK, 7)

    assert [(r.getMessage(), r.task, r.error) for r in caplog.records] == [
        ("task_enqueue_failed", TASK, "OperationalError")
    ]


def test_an_unregistered_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        task_enqueue("payments.no_such_task", 1)


@pytest.mark.parametrize(("retries", "seconds"), [(0, 30), (1, 60), (3, 240), (4, 480), (5, 600), (12, 600)])
def test_backoff_doubles_from_the_base_up_to_ten_minutes(retries: int, seconds: int) -> None:
    assert task_backoff(retries, 30) == seconds
