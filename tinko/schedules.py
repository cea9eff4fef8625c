"""Periodic work, defined in code and written to django-celery-beat by `setup_periodic_tasks`.

Each entry is one dispatcher/sweeper, never one row per unit of work: beat reloads its
whole schedule on every change.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    task: str
    every_seconds: int
    kwargs: dict[str, object] = field(default_factory=dict)
    description: str = ""
    # The interval is written when the task is created and then left as platform admins set it in
    # Django admin (setup_periodic_tasks, run on every deploy, does not put it back).
    interval_editable: bool = False


MANAGED_PREFIX = "tinko: "

PERIODIC_TASKS: list[PeriodicSpec] = [
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}worker heartbeat",
        task="tinko.heartbeat",
        every_seconds=30,
        description="Proves that beat, the broker and a worker are alive (shown by /readyz).",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}purge idempotency keys",
        task="tinko.idempotency_purge",
        every_seconds=3600,
        description="Deletes idempotency keys older than IDEMPOTENCY_RETENTION_HOURS (at least 24), in batches.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}webhook inbox sweeper",
        task="payments.sweep_webhook_inbox",
        every_seconds=60,
        description="Re-enqueues received gateway webhooks whose processing was never picked up.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}prune webhook payloads",
        task="payments.prune_webhook_payloads",
        every_seconds=86_400,
        description="Replaces gateway webhook bodies older than WEBHOOK_PAYLOAD_RETENTION_DAYS by {}, in batches.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}sandbox gateway sweeper",
        task="payments.sweep_sandbox",
        every_seconds=60,
        description="Expires overdue sandbox checkouts and re-sends sandbox events not yet acknowledged.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}recovery attempts dispatcher",
        task="retries.dispatch_due_attempts",
        every_seconds=10,
        description="Claims due recovery attempts (re-charges, emails) in batches and sends them to workers. "
        "Its interval is yours to change here; deploys keep it.",
        interval_editable=True,
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}recovery attempts sweeper",
        task="retries.sweep_stuck_attempts",
        every_seconds=60,
        description="Finishes or reschedules attempts left in progress by a worker that died, asking the "
        "gateway (or the message log) what happened first.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}organization purge sweep",
        task="accounts.organization_purge_sweep",
        every_seconds=3600,
        description="Sends again the deletions of organizations whose purge was lost.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}ingest orphans check",
        task="recovery.ingest_orphans_check",
        every_seconds=86_400,
        description="Counts transactions, failure events and idempotency keys whose organization is gone.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}CSV imports sweeper",
        task="imports.sweep",
        every_seconds=60,
        description="Sends again the CSV imports that no worker holds (a lost task, or a worker that died "
        "mid-file); each goes on from the last batch it recorded.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}payer checkouts sweeper",
        task="portal.sweep_checkouts",
        every_seconds=60,
        description="Closes hosted checkouts still open on settled payments, and sends receipts whose task was lost.",
    ),
    PeriodicSpec(
        name=f"{MANAGED_PREFIX}analytics rollups refresh",
        task="analytics.rollups_refresh",
        every_seconds=30,
        description="Recomputes the analytics rollup days whose transactions changed since the last run "
        "(idempotent; a run already in progress makes the next one a no-op).",
        interval_editable=True,
    ),
]
