from celery import shared_task

from tinko import idempotency
from tinko.health import heartbeat_record


@shared_task(name="tinko.heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat() -> None:
    """Periodic: prove that beat, the broker and a worker all work."""
    heartbeat_record()


# The purge stops by itself after PURGE_MAX_SECONDS; the limits only catch a stuck database.
@shared_task(
    name="tinko.idempotency_purge",
    ignore_result=True,
    soft_time_limit=idempotency.PURGE_MAX_SECONDS + 120,
    time_limit=idempotency.PURGE_MAX_SECONDS + 180,
)
def idempotency_purge() -> None:
    """Periodic: forget idempotency keys past their retention (at least 24 hours)."""
    idempotency.idempotency_purge()
