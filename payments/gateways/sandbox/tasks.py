"""Celery tasks of the sandbox gateway: delivering its events to Tinko's webhook endpoint, and its sweeper."""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from django.utils import timezone

from payments.gateways.sandbox import consts, gateway
from payments.models import SandboxEvent
from tinko.enqueue import task_backoff, task_enqueue_each

# An event younger than this may still have its first delivery queued; the sweeper leaves it alone.
UNDELIVERED_AFTER = timedelta(minutes=5)


@shared_task(
    bind=True,
    name=consts.DELIVER_EVENT_TASK,
    max_retries=consts.DELIVERY_MAX_ATTEMPTS - 1,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def sandbox_event_deliver_task(self: Task, *sandbox_event_ids: int) -> bool:
    """POST sandbox events to Tinko's webhook endpoint, each on its own; those not acknowledged are
    retried together with backoff. True once all were."""
    events = SandboxEvent.objects.select_related("gateway_account").filter(pk__in=sandbox_event_ids).order_by("pk")
    pending = [event.pk for event in events if not gateway.event_deliver(event=event)]
    if not pending:
        return True
    if self.request.retries < (self.max_retries or 0):
        raise self.retry(args=pending, countdown=task_backoff(self.request.retries, 5))
    return False


@shared_task(name=consts.SWEEP_TASK, ignore_result=True, soft_time_limit=60, time_limit=90)
def sandbox_sweep_task() -> int:
    """Periodic: expire overdue sandbox checkouts and re-send sandbox events never acknowledged."""
    now = timezone.now()
    gateway.checkouts_expire_due(now=now)
    ids = gateway.events_undelivered(older_than=now - UNDELIVERED_AFTER)
    task_enqueue_each(consts.DELIVER_EVENT_TASK, ids)
    return len(ids)
