"""Write the schedules defined in code (tinko.schedules) to django-celery-beat's tables."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tinko.schedules import MANAGED_PREFIX, PERIODIC_TASKS, PeriodicSpec


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int
    removed: int


def _apply(spec: PeriodicSpec) -> str:
    interval, _ = IntervalSchedule.objects.get_or_create(every=spec.every_seconds, period=IntervalSchedule.SECONDS)
    wanted = {
        "task": spec.task,
        "interval": interval,
        "kwargs": json.dumps(spec.kwargs, sort_keys=True),
        "description": spec.description,
        "enabled": True,
    }
    task, created = PeriodicTask.objects.get_or_create(name=spec.name, defaults=wanted)
    if created:
        return "created"
    if spec.interval_editable:
        del wanted["interval"]
    changed = [name for name, value in wanted.items() if getattr(task, name) != value]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(task, name, wanted[name])
    # PeriodicTask.save() also bumps beat's change marker, so beat reloads the schedule.
    task.save()
    return "updated"


@transaction.atomic
def periodic_tasks_sync() -> SyncResult:
    """Create or update every task in PERIODIC_TASKS; remove managed ones no longer defined."""
    outcomes = [_apply(spec) for spec in PERIODIC_TASKS]
    stale = PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).exclude(
        name__in=[spec.name for spec in PERIODIC_TASKS]
    )
    removed = 0
    for task in stale:  # per row, so beat's change marker is updated by delete()
        task.delete()
        removed += 1
    return SyncResult(
        created=outcomes.count("created"),
        updated=outcomes.count("updated"),
        unchanged=outcomes.count("unchanged"),
        removed=removed,
    )
