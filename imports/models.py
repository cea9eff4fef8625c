"""CSV imports of failed payments: the upload, its column mapping, its progress and its bad rows.

The uploaded file lives in the database, in chunks (`ImportChunk`), not under MEDIA_ROOT: web and
worker are separate processes, usually on separate hosts with no shared volume, and the database
is already the one place that holds the record of work. A worker reads the chunks in order as one
stream, from the byte where the import last stopped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from imports.enums import AmountUnit, ImportFormat, ImportStatus
from tinko.ids import PublicIdField
from tinko.tenancy import ModeOwned, OrgOwned


class Import(ModeOwned):
    """One uploaded CSV file of an organization's test or live data, and how far its import went.

    `bytes_done` and the counters move forward in the same database transaction as the rows they
    count, so a worker that dies loses nothing: the next one goes on from `bytes_done`. A worker
    holds the import while `claimed_until` is in the future and it knows `claim_token`."""

    public_id = PublicIdField(prefix="imp")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField()
    file_sha256 = models.CharField(max_length=64)
    delimiter = models.CharField(max_length=1, default=",")
    header = models.JSONField(default=list, help_text="The file's column names, as written in its first row.")
    format = models.CharField(max_length=16, choices=ImportFormat.choices)
    mapping = models.JSONField(default=dict, help_text="Tinko's field → the file's column.")
    amount_unit = models.CharField(max_length=8, choices=AmountUnit.choices, default=AmountUnit.MINOR)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="For times the file writes without one.")
    default_currency = models.CharField(max_length=3, blank=True, help_text="For rows without a currency.")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    bytes_done = models.BigIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    rows_created = models.BigIntegerField(default=0, help_text="Failures recorded by this import.")
    rows_unchanged = models.BigIntegerField(default=0, help_text="Failures recorded before (an earlier import).")
    rows_skipped = models.BigIntegerField(default=0, help_text="Rows of payments that did not fail.")
    rows_failed = models.BigIntegerField(default=0, help_text="Rows refused, each with an ImportRowError.")
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True, help_text="Why the import stopped, when it failed as a whole.")
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="imports_import_status_valid"),
            models.CheckConstraint(condition=Q(format__in=ImportFormat.values), name="imports_import_format_valid"),
            models.CheckConstraint(
                condition=Q(amount_unit__in=AmountUnit.values), name="imports_import_amount_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(bytes_done__gte=0) & Q(bytes_done__lte=models.F("file_size")),
                name="imports_import_bytes_done_in_file",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "livemode", "-created_at"], name="imports_import_org_recent"),
            # The sweeper's look for imports that no worker holds.
            models.Index(fields=["status", "claimed_until"], name="imports_import_active"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.public_id})"

    @property
    def percent_done(self) -> int:
        if self.status == ImportStatus.DONE or self.file_size == 0:
            return 100
        return min(100, self.bytes_done * 100 // self.file_size)


class ImportChunk(OrgOwned):
    """A piece of an uploaded file: its bytes from offset `start` on (each chunk starts where the one
    before it ends)."""

    upload = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="chunks")
    start = models.BigIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "start"], name="imports_chunk_start_unique")]


class ImportRowError(OrgOwned):
    """A row the import refused, and why; the downloadable error report lists these."""

    upload = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="row_errors")
    # As a spreadsheet numbers it: the header is row 1.
    row_number = models.PositiveBigIntegerField()
    field = models.CharField(max_length=64, blank=True, help_text="Tinko's field that was wrong, if one was.")
    message = models.TextField()
    raw = models.TextField(blank=True, help_text="The row as the file wrote it (shortened).")

    class Meta:
        constraints = [
            # A chunk of rows written twice (a worker that died after its commit) reports each row once.
            models.UniqueConstraint(fields=["upload", "row_number"], name="imports_rowerror_once_per_row")
        ]
        ordering = ["upload", "row_number"]
