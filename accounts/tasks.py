from celery import shared_task

from accounts.services.organizations import ORGANIZATION_PURGE_TASK, organization_purge, organizations_purge_due
from tinko.enqueue import task_enqueue_each


@shared_task(name=ORGANIZATION_PURGE_TASK, ignore_result=True, acks_late=True, soft_time_limit=3300, time_limit=3600)
def organization_purge_task(organization_id: int) -> None:
    """Delete an organization whose deletion started, and everything it owns (safe to run twice)."""
    organization_purge(organization_id=organization_id)


@shared_task(name="accounts.organization_purge_sweep", ignore_result=True, soft_time_limit=60, time_limit=90)
def organization_purge_sweep_task() -> None:
    """Periodic: send again the purges that were lost (broker outage, worker killed)."""
    task_enqueue_each(ORGANIZATION_PURGE_TASK, organizations_purge_due())
