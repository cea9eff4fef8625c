"""Celery tasks for payments: thin callers of services, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from django.utils import timezone

from payments.gateways.sandbox import consts as sandbox_consts
from payments.gateways.sandbox import gateway as sandbox_gateway
from payments.models import SandboxEvent
from payments.services import enqueue_each, webhook_event_process, webhook_events_sweep

# Retries wait in a worker's memory (an ETA), so they stay short; the sweepers take over after that.
MAX_RETRY_DELAY_SECONDS = 600
PROCESS_MAX_RETRIES = 8


def _backoff(retries: int, base: int) -> int:
    return int(min(base * 2**retries, MAX_RETRY_DELAY_SECONDS))


@shared_task(
    bind=True,
    name="payments.process_webhook_event",
    max_retries=PROCESS_MAX_RETRIES,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def webhook_event_process_task(self: Task, webhook_event_id: int) -> str:
    """Process one inbox row; transient trouble is retried with backoff, the last try records failure."""
    delay = _backoff(self.request.retries, 30)
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
    enqueue_each(webhook_event_process_task, ids)
    return len(ids)


@shared_task(
    bind=True,
    name="payments.sandbox_deliver_event",
    max_retries=sandbox_consts.DELIVERY_MAX_ATTEMPTS - 1,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def sandbox_event_deliver_task(self: Task, sandbox_event_id: int) -> bool:
    """POST one sandbox event to Tinko's webhook endpoint; retried with backoff until acknowledged."""
    event = SandboxEvent.objects.select_related("gateway_account").filter(pk=sandbox_event_id).first()
    if event is None:
        return False
    if sandbox_gateway.event_deliver(event=event):
        return True
    if self.request.retries < (self.max_retries or 0):
        raise self.retry(countdown=_backoff(self.request.retries, 5))
    return False


@shared_task(name="payments.sweep_sandbox", ignore_result=True, soft_time_limit=60, time_limit=90)
def sandbox_sweep_task() -> int:
    """Periodic: expire overdue sandbox checkouts and re-send sandbox events never acknowledged."""
    now = timezone.now()
    sandbox_gateway.checkouts_expire_due(now=now)
    ids = sandbox_gateway.events_undelivered(older_than=now - timedelta(minutes=5))
    enqueue_each(sandbox_event_deliver_task, ids)
    return len(ids)
