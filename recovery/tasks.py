from celery import shared_task

from recovery.orphans import ingest_orphans_check, ingest_orphans_delete

# Sent by name (tinko.enqueue) when an organization's deletion ends, a few minutes later.
INGEST_ORPHANS_DELETE_TASK = "recovery.ingest_orphans_delete"


@shared_task(name="recovery.ingest_orphans_check", ignore_result=True, soft_time_limit=1800, time_limit=1900)
def ingest_orphans_check_task() -> None:
    """Periodic: count the ingest rows whose organization is gone (a log line and a metric), then delete them."""
    if any(ingest_orphans_check().values()):
        ingest_orphans_delete()


@shared_task(name=INGEST_ORPHANS_DELETE_TASK, ignore_result=True, soft_time_limit=1800, time_limit=1900)
def ingest_orphans_delete_task(organization_id: int) -> None:
    """Delete what requests still wrote for a deleted organization while it was being deleted."""
    ingest_orphans_delete(organization_id=organization_id)
