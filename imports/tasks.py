"""Celery tasks of CSV imports: thin callers of imports.services. The sweeper runs from
django-celery-beat (tinko/schedules.py)."""

from __future__ import annotations

from celery import shared_task

from imports.services import RUN_TASK, SWEEP_TASK, import_run, imports_sweep
from tinko.enqueue import task_enqueue_each


@shared_task(
    name=RUN_TASK,
    ignore_result=True,
    # Acknowledged when done and sent again if the worker dies: the import goes on from the last
    # batch it committed, and rows written twice are recorded once (their idempotency keys).
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=480,
    time_limit=540,
)
def import_run_task(import_id: int) -> bool:
    """Import a slice of an import's file (IMPORT_SLICE_SECONDS); the rest goes to a new task."""
    return import_run(import_id=import_id)


@shared_task(name=SWEEP_TASK, ignore_result=True, soft_time_limit=50, time_limit=60)
def imports_sweep_task() -> int:
    """Periodic: send again the imports that no worker holds (a lost task, a worker that died)."""
    ids = imports_sweep()
    task_enqueue_each(RUN_TASK, ids)
    return len(ids)
