"""Writes for CSV imports: the upload, its start, its cancellation, and the import itself.

The import runs in Celery but the database is its record: an `Import` row says how far it got
(`bytes_done`, moved in the same transaction as the rows it recorded), and a worker holds it with a
claim that expires. A task lost with the broker, or a worker that died mid-file, is picked up by
the sweeper, which sends the import again; the next worker goes on from `bytes_done`. Each row is
recorded under an idempotency key made from the row (the gateway's event id, else its reference and
time), so a batch written twice, or the same file imported again, records each failure once.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization
from accounts.services import SYSTEM, Actor, audit_changes, audit_record
from imports.enums import ACTIVE_STATUSES, AmountUnit, ImportFormat, ImportStatus
from imports.exceptions import ImportRefused
from imports.formats import REQUIRED_FIELDS, SPECS, detect_format, suggest_mapping
from imports.models import Import, ImportChunk, ImportRowError
from imports.reading import (
    ColumnMapping,
    RowError,
    RowFailure,
    RowOutcome,
    RowSkipped,
    mapping_build,
    raw_text,
    row_read,
)
from imports.storage import Record, chunks_write, records_read
from recovery.exceptions import EventKeyReused, TransactionConflict
from recovery.services import transaction_record_failures
from tinko.enqueue import task_enqueue_on_commit

logger = logging.getLogger(__name__)

RUN_TASK = "imports.run"
SWEEP_TASK = "imports.sweep"
# An import queued or released this recently may still be on its way to a worker.
SWEEP_AFTER_SECONDS = 60


@dataclass(frozen=True, slots=True)
class MappingChoice:
    """What the person chose on the mapping form: field → column, and how to read amounts and times."""

    columns: dict[str, str]
    amount_unit: AmountUnit
    time_zone: str
    default_currency: str = ""


def mapping_suggested(upload: Import) -> MappingChoice:
    """The mapping stored with the upload (the format's suggestion until someone changes it)."""
    return MappingChoice(
        columns=dict(upload.mapping),
        amount_unit=AmountUnit(upload.amount_unit),
        time_zone=upload.time_zone,
        default_currency=upload.default_currency,
    )


def column_mapping(upload: Import, choice: MappingChoice | None = None) -> ColumnMapping:
    """How `choice` (else the upload's stored mapping) reads the upload's rows; ImportRefused when
    it lacks a field every row needs."""
    choice = choice or mapping_suggested(upload)
    spec = SPECS[ImportFormat(upload.format)]
    missing = [name for name in REQUIRED_FIELDS if name not in choice.columns]
    if spec.ref_falls_back_to_event_id and "event_id" in choice.columns and "transaction_ref" in missing:
        missing.remove("transaction_ref")
    if "currency" not in choice.columns and not choice.default_currency:
        missing.append("currency")
    if missing:
        raise ImportRefused(f"Choose a column for: {', '.join(missing)}.")
    try:
        return mapping_build(
            spec=spec,
            header=upload.header,
            columns=choice.columns,
            amount_unit=choice.amount_unit,
            time_zone=choice.time_zone,
            default_currency=choice.default_currency,
        )
    except (ValueError, KeyError) as exc:
        raise ImportRefused(str(exc)) from None


def import_upload(
    *,
    organization: Organization,
    livemode: bool,
    actor: Actor,
    file_name: str,
    source: IO[bytes],
    import_format: ImportFormat | None = None,
) -> Import:
    """Store an uploaded CSV file for `organization`'s test or live data, with the mapping its
    format suggests; it waits for someone to check the mapping and start it. Raises ImportRefused
    (nothing stored) for a file that is not UTF-8 CSV with a header row, or too large."""
    with transaction.atomic():
        upload = Import.objects.create(
            organization=organization,
            livemode=livemode,
            created_by=actor.user,
            file_name=file_name[:255] or "upload.csv",
            file_size=0,
            file_sha256="",
            format=import_format or ImportFormat.TINKO,
        )
        stored = chunks_write(upload=upload, source=source)
        upload.format = import_format or detect_format(stored.header)
        spec = SPECS[ImportFormat(upload.format)]
        upload.file_size = stored.size
        upload.file_sha256 = stored.sha256
        upload.header = stored.header
        upload.delimiter = stored.delimiter
        upload.mapping = suggest_mapping(spec, stored.header)
        upload.amount_unit = spec.amount_unit
        upload.time_zone = spec.time_zone or str(organization.time_zone)
        upload.save(
            update_fields=[
                "format",
                "file_size",
                "file_sha256",
                "header",
                "delimiter",
                "mapping",
                "amount_unit",
                "time_zone",
                "updated_at",
            ]
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="import.uploaded",
            target=upload,
            changes=audit_changes({}, {"file": upload.file_name, "size": stored.size, "format": upload.format}),
        )
    logger.info(
        "import_uploaded",
        extra={"org_id": organization.public_id, "import_id": upload.public_id, "bytes": stored.size},
    )
    return upload


def import_start(*, upload: Import, choice: MappingChoice, actor: Actor) -> Import:
    """Save the mapping and queue the import for a worker. ImportRefused if the mapping lacks a
    field or the import was started (or cancelled) before."""
    column_mapping(upload, choice)
    now = timezone.now()
    with transaction.atomic():
        started = Import.objects.filter(pk=upload.pk, status=ImportStatus.UPLOADED).update(
            status=ImportStatus.QUEUED,
            mapping=choice.columns,
            amount_unit=choice.amount_unit,
            time_zone=choice.time_zone,
            default_currency=choice.default_currency,
            queued_at=now,
            updated_at=now,
        )
        if not started:
            raise ImportRefused("This import was started or cancelled before.")
        audit_record(
            organization=upload.organization,
            actor=actor,
            action="import.started",
            target=upload,
            changes=audit_changes(
                {}, {"mapping": choice.columns, "amount_unit": choice.amount_unit, "time_zone": choice.time_zone}
            ),
        )
        task_enqueue_on_commit(RUN_TASK, upload.pk)
    upload.refresh_from_db()
    return upload


def import_cancel(*, upload: Import, actor: Actor) -> bool:
    """Stop an import that has not finished (what it recorded stays) and drop its file. False if
    it had finished."""
    now = timezone.now()
    with transaction.atomic():
        cancelled = Import.objects.filter(pk=upload.pk, status__in=[ImportStatus.UPLOADED, *ACTIVE_STATUSES]).update(
            status=ImportStatus.CANCELLED, finished_at=now, claimed_until=None, claim_token="", updated_at=now
        )
        if not cancelled:
            return False
        ImportChunk.objects.filter(upload=upload).delete()
        audit_record(organization=upload.organization, actor=actor, action="import.cancelled", target=upload)
    upload.refresh_from_db()
    return True


# --- the import itself (a worker's task) -------------------------------------------------


@dataclass
class _Tally:
    created: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] | None = None


def _outcomes(mapping: ColumnMapping, records: Sequence[Record], *, first_row: int, now: datetime) -> list[RowOutcome]:
    outcomes: list[RowOutcome] = []
    for number, record in enumerate(records, start=first_row):
        if record.error:
            outcomes.append(RowError(row_number=number, message=record.error))
        elif not any(cell.strip() for cell in record.cells):
            outcomes.append(RowSkipped(row_number=number, status=""))
        else:
            outcomes.append(row_read(mapping, record.cells, row_number=number, now=now))
    return outcomes


def _record(upload: Import, outcomes: Sequence[RowOutcome]) -> _Tally:
    tally = _Tally(errors=[])
    assert tally.errors is not None
    failures: list[RowFailure] = []
    seen: set[str | None] = set()
    for outcome in outcomes:
        if isinstance(outcome, RowError):
            tally.errors.append(outcome)
        elif isinstance(outcome, RowSkipped):
            tally.skipped += 1
        elif outcome.failure.idempotency_key in seen:
            # The same failure twice in the file: recorded once.
            tally.unchanged += 1
        else:
            seen.add(outcome.failure.idempotency_key)
            failures.append(outcome)
    if not failures:
        return tally
    results = transaction_record_failures(
        organization=upload.organization, livemode=upload.livemode, failures=[row.failure for row in failures]
    )
    for row, result in zip(failures, results, strict=True):
        if isinstance(result, TransactionConflict):
            tally.errors.append(
                RowError(row_number=row.row_number, field=result.field, message=result.message, raw=raw_text(row.cells))
            )
        elif isinstance(result, EventKeyReused):
            message = f"Its event id {result.key!r} was recorded before for another payment."
            tally.errors.append(
                RowError(row_number=row.row_number, field="event_id", message=message, raw=raw_text(row.cells))
            )
        elif result.created:
            tally.created += 1
        else:
            tally.unchanged += 1
    return tally


def _write(upload: Import, *, token: str, mapping: ColumnMapping, records: Sequence[Record], offset: int) -> bool:
    """Record one batch of rows and move the import past them, in one transaction; False (nothing
    written) if the import is no longer this worker's or another run already wrote these rows."""
    now = timezone.now()
    outcomes = _outcomes(mapping, records, first_row=upload.rows_read + 2, now=now)
    with transaction.atomic():
        held = (
            Import.objects.select_for_update()
            .filter(pk=upload.pk, status=ImportStatus.RUNNING, claim_token=token, bytes_done=offset)
            .exists()
        )
        if not held:
            return False
        tally = _record(upload, outcomes)
        errors = tally.errors or []
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    organization_id=upload.organization_id,
                    upload=upload,
                    row_number=error.row_number,
                    field=error.field[:64],
                    message=error.message,
                    raw=error.raw,
                )
                for error in errors
            ],
            ignore_conflicts=True,
        )
        Import.objects.filter(pk=upload.pk).update(
            bytes_done=records[-1].end,
            rows_read=F("rows_read") + len(records),
            rows_created=F("rows_created") + tally.created,
            rows_unchanged=F("rows_unchanged") + tally.unchanged,
            rows_skipped=F("rows_skipped") + tally.skipped,
            rows_failed=F("rows_failed") + len(errors),
            claimed_until=now + timedelta(seconds=settings.IMPORT_CLAIM_SECONDS),
            updated_at=now,
        )
    upload.bytes_done = records[-1].end
    upload.rows_read += len(records)
    return True


def _finish(upload: Import, *, token: str) -> bool:
    now = timezone.now()
    with transaction.atomic():
        finished = Import.objects.filter(pk=upload.pk, status=ImportStatus.RUNNING, claim_token=token).update(
            status=ImportStatus.DONE, finished_at=now, claimed_until=None, claim_token="", updated_at=now
        )
        if not finished:
            return False
        # The file is no longer needed: its rows are recorded, its bad rows kept in the report.
        ImportChunk.objects.filter(upload=upload).delete()
        upload.refresh_from_db()
        counts = {
            "rows_created": upload.rows_created,
            "rows_unchanged": upload.rows_unchanged,
            "rows_skipped": upload.rows_skipped,
            "rows_failed": upload.rows_failed,
        }
        audit_record(
            organization=upload.organization,
            actor=SYSTEM,
            action="import.finished",
            target=upload,
            changes=audit_changes({}, counts),
        )
    logger.info(
        "import_finished", extra={"org_id": upload.organization.public_id, "import_id": upload.public_id, **counts}
    )
    return True


def _release(upload: Import, *, token: str) -> None:
    """Hand the rest of the file to a new task (a task has a time limit; a file may take longer)."""
    with transaction.atomic():
        released = Import.objects.filter(pk=upload.pk, status=ImportStatus.RUNNING, claim_token=token).update(
            claimed_until=None, claim_token="", updated_at=timezone.now()
        )
        if released:
            task_enqueue_on_commit(RUN_TASK, upload.pk)


def import_run(
    *, import_id: int, max_seconds: float | None = None, on_batch: Callable[[Import], None] | None = None
) -> bool:
    """Import the file of a queued (or interrupted) import from where it stopped, for up to
    `max_seconds` (IMPORT_SLICE_SECONDS), then queue the rest; `on_batch` is called after each batch.
    True once the import is done; False if another worker holds it, it is not active, or time ran
    out first."""
    now = timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        Import.objects.filter(pk=import_id, status__in=ACTIVE_STATUSES)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            status=ImportStatus.RUNNING,
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.IMPORT_CLAIM_SECONDS),
            updated_at=now,
        )
    )
    if not claimed:
        return False
    upload = Import.objects.select_related("organization").get(pk=import_id)
    mapping = column_mapping(upload)
    deadline = time.monotonic() + (settings.IMPORT_SLICE_SECONDS if max_seconds is None else max_seconds)
    batch_rows = settings.IMPORT_BATCH_ROWS
    logger.info("import_running", extra={"import_id": upload.public_id, "from_byte": upload.bytes_done})
    batch: list[Record] = []
    for record in records_read(upload, offset=upload.bytes_done):
        batch.append(record)
        if len(batch) < batch_rows:
            continue
        if not _write(upload, token=token, mapping=mapping, records=batch, offset=upload.bytes_done):
            return False
        batch = []
        if on_batch is not None:
            on_batch(upload)
        if time.monotonic() >= deadline:
            _release(upload, token=token)
            return False
    if batch and not _write(upload, token=token, mapping=mapping, records=batch, offset=upload.bytes_done):
        return False
    return _finish(upload, token=token)


def imports_sweep(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of active imports that no worker holds and that were not just sent: a task lost with
    the broker, or a worker that died (its claim expired). The sweeper sends them again."""
    now = now or timezone.now()
    return list(
        Import.objects.filter(status__in=ACTIVE_STATUSES, updated_at__lt=now - timedelta(seconds=SWEEP_AFTER_SECONDS))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
