"""The dispatcher: claims due attempts in bounded batches and hands them to workers.

One entry in django-celery-beat runs it (tinko/schedules.py), never one per attempt. A claim moves
an attempt from `scheduled` to `in_progress` in the claiming transaction, so it is one claimer's
alone: on PostgreSQL the due rows are read `FOR UPDATE SKIP LOCKED` (two dispatchers running at
once take different rows and never wait on each other); where the database has no SKIP LOCKED
(SQLite, one writer at a time) each candidate is claimed by its own conditional update and only
those that changed a row are kept. The worker tasks are sent after the claim commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db import transaction as db_transaction
from django.utils import timezone

from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt
from tinko.enqueue import task_enqueue_on_commit

logger = logging.getLogger(__name__)

# Registered by retries.tasks; sent by name, so this module never imports the tasks.
EXECUTE_TASK = "retries.execute_attempts"
DISPATCH_TASK = "retries.dispatch_due_attempts"
SWEEP_TASK = "retries.sweep_stuck_attempts"


def _mark_claimed(ids: list[int], now: datetime) -> int:
    return RecoveryAttempt.objects.filter(pk__any=ids, status=AttemptStatus.SCHEDULED).update(
        status=AttemptStatus.IN_PROGRESS, started_at=now, updated_at=now
    )


def attempts_claim_due(*, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` attempts due by `now`, the longest due first; the ids of those claimed.

    Runs in an atomic block (a savepoint inside the caller's transaction): the claim holds once that
    transaction commits."""
    due = (
        RecoveryAttempt.objects.filter(status=AttemptStatus.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    with db_transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True)[:limit])
            # Each row is locked by this transaction and was read as it is now: all are still scheduled.
            claimed = _mark_claimed(ids, now)
            if claimed != len(ids):
                raise RuntimeError(f"Claimed {claimed} of {len(ids)} locked attempts.")
            return ids
        return [pk for pk in due[:limit] if _mark_claimed([pk], now)]


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def attempts_dispatch(*, now: datetime | None = None) -> int:
    """Claim due attempts, RETRY_DISPATCH_BATCH at a time, while fewer than
    RETRY_DISPATCH_MAX_IN_FLIGHT are in progress, and send each batch to the workers in tasks of
    RETRY_EXECUTE_CHUNK attempts once its claim commits; how many were claimed."""
    now = now or timezone.now()
    batch = settings.RETRY_DISPATCH_BATCH
    room = (
        settings.RETRY_DISPATCH_MAX_IN_FLIGHT - RecoveryAttempt.objects.filter(status=AttemptStatus.IN_PROGRESS).count()
    )
    claimed = 0
    while room > 0:
        with db_transaction.atomic():
            ids = attempts_claim_due(now=now, limit=min(batch, room))
            for chunk in _chunks(ids, settings.RETRY_EXECUTE_CHUNK):
                task_enqueue_on_commit(EXECUTE_TASK, *chunk)
        claimed += len(ids)
        room -= len(ids)
        if len(ids) < batch:
            break
    if claimed:
        logger.info("attempts_dispatched", extra={"count": claimed})
    return claimed
