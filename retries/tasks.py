"""Celery tasks of the retry engine: thin callers of retries.dispatch, retries.execution and
retries.sweeping. The dispatcher and the sweeper run from django-celery-beat (tinko/schedules.py)."""

from __future__ import annotations

from celery import shared_task

from retries.dispatch import DISPATCH_TASK, EXECUTE_TASK, SWEEP_TASK, attempts_dispatch
from retries.execution import attempts_execute
from retries.sweeping import attempts_sweep

# A task's attempts each make at most one gateway call (30 s read timeout) or one send; the
# sweeper's RETRY_STUCK_AFTER_SECONDS must stay above the hard limit.
EXECUTE_SOFT_TIME_LIMIT = 480
EXECUTE_TIME_LIMIT = 540


@shared_task(name=DISPATCH_TASK, ignore_result=True, soft_time_limit=50, time_limit=60)
def attempts_dispatch_task() -> int:
    """Periodic: claim due attempts and send them to the workers."""
    return attempts_dispatch()


@shared_task(
    name=EXECUTE_TASK,
    ignore_result=True,
    # Acknowledged when done, and sent again if the worker dies: each attempt's own claim (its
    # status, its key, its NotificationLog) makes a second run harmless.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=EXECUTE_SOFT_TIME_LIMIT,
    time_limit=EXECUTE_TIME_LIMIT,
)
def attempts_execute_task(*attempt_ids: int) -> None:
    """Execute claimed attempts (a share of one dispatcher batch)."""
    attempts_execute(attempt_ids=attempt_ids)


@shared_task(name=SWEEP_TASK, ignore_result=True, soft_time_limit=240, time_limit=300)
def attempts_sweep_task() -> dict[str, int]:
    """Periodic: finish or reschedule attempts left in progress by a worker that died."""
    return attempts_sweep()
