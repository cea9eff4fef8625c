from celery import shared_task

from recovery.orphans import ingest_orphans_check


@shared_task(name="recovery.ingest_orphans_check", ignore_result=True, soft_time_limit=1800, time_limit=1900)
def ingest_orphans_check_task() -> None:
    """Periodic: count the ingest rows whose organization is gone (a log line and a metric)."""
    ingest_orphans_check()
