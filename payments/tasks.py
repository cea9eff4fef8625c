"""Celery tasks for payments' webhook inbox: thin callers of services, each safe to run twice.
The sandbox gateway's own tasks live in payments.gateways.sandbox.tasks."""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task

from payments.services import (
    WEBHOOK_EVENT_PROCESS_TASK,
    webhook_event_process,
    webhook_events_sweep,
    webhook_payloads_prune,
)
from tinko.enqueue import task_backoff, task_enqueue_each

PROCESS_MAX_RETRIES = 8


@shared_task(
    bind=True,
    name=WEBHOOK_EVENT_PROCESS_TASK,
    max_retries=PROCESS_MAX_RETRIES,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def webhook_event_process_task(self: Task, webhook_event_id: int) -> str:
    """Process one inbox row; transient trouble is retried with backoff, the last try records failure."""
    delay = task_backoff(self.request.retries, 30)
    result = webhook_event_process(
        webhook_event_id=webhook_event_id,
        final_attempt=self.request.retries >= PROCESS_MAX_RETRIES,
        retry_delay=timedelta(seconds=delay),
    )
    if result == "retry":
        raise self.retry(countdown=delay)
    return result


@shared_task(name="payments.sweep_webhook_inbox", ignore_result=True, soft_time_limit=60, time_limit=90)
def webhook_inbox_sweep_task() -> int:
    """Periodic: re-enqueue inbox rows whose processing was lost."""
    ids = webhook_events_sweep()
    task_enqueue_each(WEBHOOK_EVENT_PROCESS_TASK, ids)
    return len(ids)


@shared_task(name="payments.prune_webhook_payloads", ignore_result=True, soft_time_limit=600, time_limit=660)
def webhook_payloads_prune_task() -> int:
    """Daily: drop raw gateway bodies past WEBHOOK_PAYLOAD_RETENTION_DAYS."""
    return webhook_payloads_prune()
