"""Reads for CSV imports: an organization's imports, a preview of a file's first rows as they
would be recorded, and the rows an import refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.utils import timezone

from accounts.models import Organization
from imports.models import Import, ImportRowError
from imports.reading import ColumnMapping, RowError, RowFailure, RowSkipped, row_read
from imports.storage import records_read
from tinko.money import Money

PREVIEW_ROWS = 10


def import_list(*, organization: Organization, livemode: bool, limit: int = 25) -> list[Import]:
    """The organization's latest imports of one mode, newest first."""
    return list(
        Import.objects.for_org(organization, livemode=livemode)
        .select_related("created_by")
        .order_by("-created_at")[:limit]
    )


def import_same_file_before(*, upload: Import) -> Import | None:
    """An earlier import of the very same file (by its SHA-256) in this organization and mode."""
    return (
        Import.objects.for_org(upload.organization, livemode=upload.livemode)
        .filter(file_sha256=upload.file_sha256, created_at__lt=upload.created_at)
        .exclude(pk=upload.pk)
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row of the file as the import would record it: a failure, a skip, or an error."""

    row_number: int
    failure: RowFailure | None = None
    skipped: RowSkipped | None = None
    error: RowError | None = None

    @property
    def amount(self) -> Money | None:
        if self.failure is None:
            return None
        return Money(self.failure.failure.amount, self.failure.failure.currency)


def import_preview(*, upload: Import, mapping: ColumnMapping, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The file's first `limit` rows read with `mapping` (nothing is written)."""
    now = timezone.now()
    rows: list[PreviewRow] = []
    for number, record in enumerate(islice(records_read(upload, offset=0), limit), start=2):
        if record.error:
            rows.append(PreviewRow(row_number=number, error=RowError(row_number=number, message=record.error)))
            continue
        outcome = row_read(mapping, record.cells, row_number=number, now=now)
        if isinstance(outcome, RowFailure):
            rows.append(PreviewRow(row_number=number, failure=outcome))
        elif isinstance(outcome, RowSkipped):
            rows.append(PreviewRow(row_number=number, skipped=outcome))
        else:
            rows.append(PreviewRow(row_number=number, error=outcome))
    return rows


def import_row_errors(*, upload: Import, limit: int = 50) -> list[ImportRowError]:
    """The first rows the import refused, in file order."""
    return list(ImportRowError.objects.filter(upload=upload).order_by("row_number")[:limit])


def import_row_errors_iter(*, upload: Import) -> Iterator[ImportRowError]:
    """Every row the import refused, in file order, read in pieces (for the downloadable report)."""
    return ImportRowError.objects.filter(upload=upload).order_by("row_number").iterator(chunk_size=2000)
