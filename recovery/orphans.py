"""Rows of the ingest tables whose organization is gone.

The ingest tables keep their organization column without a database foreign key
(tinko.tenancy.ingest_organization_key): Django deletes their rows with the organization, but a
delete that bypasses Django (raw SQL, a partial restore) would leave them behind, unseen by every
query, which names an organization, and so would a request that authenticated just before its
organization was deleted and wrote just after. A daily check counts them, so that this never
goes unnoticed, and deletes them: personal data must not outlive its organization. An
organization's own deletion sweeps its stragglers again a few minutes after it ends.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import models
from django.db.models import Exists, OuterRef

from accounts.models import Organization
from recovery.models import FailureEvent, Transaction
from retries.models import RecoveryAttempt
from tinko.models import IdempotencyKey

logger = logging.getLogger(__name__)

INGEST_MODELS: tuple[type[models.Model], ...] = (Transaction, FailureEvent, RecoveryAttempt, IdempotencyKey)
# The last check's count per table, kept like the other counters in the shared cache.
INGEST_ORPHANS_KEY = "recovery:ingest_orphans:{table}"


def ingest_orphans_check() -> dict[str, int]:
    """Count, per ingest table, the rows whose organization no longer exists; log and record the counts."""
    organization_exists = Exists(Organization.objects.filter(pk=OuterRef("organization_id")))
    # Reads each table once (an anti-join with the organizations): daily, in a worker.
    counts = {
        model._meta.db_table: model._default_manager.filter(~organization_exists).count() for model in INGEST_MODELS
    }
    for table, rows in counts.items():
        cache.set(INGEST_ORPHANS_KEY.format(table=table), rows, timeout=None)
    total = sum(counts.values())
    logger.log(
        logging.WARNING if total else logging.INFO, "ingest_orphans_found", extra={"total": total, "tables": counts}
    )
    return counts


def ingest_orphans_delete(*, organization_id: int | None = None, batch_size: int = 10_000) -> dict[str, int]:
    """Delete, per ingest table, the rows whose organization no longer exists (only those of
    `organization_id` when given), in batches; returns how many went from each table."""
    organization_exists = Exists(Organization.objects.filter(pk=OuterRef("organization_id")))
    deleted: dict[str, int] = {}
    # Events and attempts before transactions: their transaction keeps its database constraint.
    for model in (FailureEvent, RecoveryAttempt, IdempotencyKey, Transaction):
        orphans = model._default_manager.filter(~organization_exists)
        if organization_id is not None:
            orphans = orphans.filter(organization_id=organization_id)
        count = 0
        while ids := list(orphans.values_list("pk", flat=True)[:batch_size]):
            count += model._default_manager.filter(pk__in=ids).delete()[0]
        deleted[model._meta.db_table] = count
    if any(deleted.values()):
        logger.warning("ingest_orphans_deleted", extra={"organization_id": organization_id, "tables": deleted})
    return deleted


def ingest_orphans_recorded(*, table: str) -> int | None:
    """The count of `table`'s orphaned rows at the last check; None if none was recorded since the cache was cleared."""
    count = cache.get(INGEST_ORPHANS_KEY.format(table=table))
    return None if count is None else int(count)
