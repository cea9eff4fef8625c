"""Analytics' periodic work: keep the rollups current."""

from __future__ import annotations

from celery import shared_task

from analytics.rollups import rollups_refresh


@shared_task(name="analytics.rollups_refresh", ignore_result=True, soft_time_limit=240, time_limit=300)
def rollups_refresh_task() -> None:
    """Recompute the rollup days whose transactions changed since the last run."""
    rollups_refresh()
