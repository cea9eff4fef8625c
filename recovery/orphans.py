"""Rows of the ingest tables whose organization is gone.

The ingest tables keep their organization column without a database foreign key
(tinko.tenancy.ingest_organization_key): Django deletes their rows with the organization, but a
delete that bypasses Django (raw SQL, a partial restore) would leave them behind, unseen by every
query, which names an organization. A daily check counts them, so that this never goes unnoticed.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import models
from django.db.models import Exists, OuterRef

from accounts.models import Organization
from recovery.models import FailureEvent, Transaction
from tinko.models import IdempotencyKey

logger = logging.getLogger(__name__)

INGEST_MODELS: tuple[type[models.Model], ...] = (Transaction, FailureEvent, IdempotencyKey)
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


def ingest_orphans_recorded(*, table: str) -> int | None:
    """The count of `table`'s orphaned rows at the last check; None if none was recorded since the cache was cleared."""
    count = cache.get(INGEST_ORPHANS_KEY.format(table=table))
    return None if count is None else int(count)
