"""Sending Celery tasks from services: by registered name, after the surrounding transaction commits.

Services name the task instead of importing it, so a tasks module (which imports its services)
never has to be imported back by them. A broker outage never fails the caller: the row the task
would have processed is already committed, and a sweeper re-sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from kombu.exceptions import KombuError

from tinko.celery import app

logger = logging.getLogger(__name__)

# Retries wait in a worker's memory (an ETA), so they stay short; the sweepers take over after that.
MAX_RETRY_DELAY_SECONDS = 600


def task_enqueue(name: str, *args: int, countdown: float | None = None) -> None:
    """Send the task registered as `name` now (to run `countdown` seconds from now, if given); if the
    broker is unreachable, log it and carry on."""
    task = app.tasks[name]
    try:
        task.apply_async(args=args, countdown=countdown)
    except (KombuError, ConnectionError) as exc:
        logger.warning("task_enqueue_failed", extra={"task": name, "error": type(exc).__name__})


def task_enqueue_on_commit(name: str, *args: int, countdown: float | None = None) -> None:
    """Send the task once the current transaction commits (at once in autocommit mode)."""
    transaction.on_commit(lambda: task_enqueue(name, *args, countdown=countdown))


def task_enqueue_each(name: str, ids: Iterable[int]) -> None:
    """Fan out one task per id, as sweepers do."""
    for pk in ids:
        task_enqueue(name, pk)


def task_backoff(retries: int, base: int) -> int:
    """Seconds before a task's next retry: `base` doubled for each retry so far, capped."""
    return int(min(base * 2**retries, MAX_RETRY_DELAY_SECONDS))
