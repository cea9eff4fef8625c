"""How fast a CSV import goes, and whether its memory stays flat: rows/s and peak RSS.

    DATABASE_URL=postgres://… python -m bench.imports [--rows 1000000] [--batch 1000]

It writes a file of `--rows` failed payments in Tinko's format (distinct references, a spread of
decline codes, recent enough that each plans its first attempt, as a real backfill of last week
would), uploads it for a `bench-imports` organization (test data) and imports it in this process
exactly as a worker does, then prints the upload's and the import's rows per second and the
process's resident memory before, during (after each tenth of the file) and at its peak.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

CODES = ("insufficient_funds", "do_not_honor", "expired_card", "card_declined", "processing_error", "")


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_file(path: Path, rows: int) -> None:
    start = datetime.now(UTC) - timedelta(days=6)
    with path.open("w") as out:
        out.write(
            "transaction_ref,amount,currency,occurred_at,gateway,failure_code,payment_method_type,customer_email\n"
        )
        for n in range(rows):
            when = (start + timedelta(seconds=n % 400_000)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(
                f"bench-{n:08},{1000 + n % 90_000},INR,{when},stripe,{CODES[n % len(CODES)]},card,p{n}@example.com\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (IMPORT_BATCH_ROWS)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinko.settings.base")
    os.environ["IMPORT_BATCH_ROWS"] = str(args.batch)
    # As in production: with DEBUG on, Django keeps every query's SQL in memory.
    os.environ["DEBUG"] = "false"
    django.setup()
    from django.db import connection

    from accounts.models import Organization
    from accounts.services import Actor
    from imports.models import Import
    from imports.services import import_run, import_start, import_upload, mapping_suggested
    from recovery.models import FailureEvent, Transaction
    from retries.models import RecoveryAttempt

    organization, _ = Organization.objects.get_or_create(
        slug="bench-imports", defaults={"name": "Bench imports", "time_zone": "Asia/Kolkata"}
    )
    for model in (RecoveryAttempt, FailureEvent, Transaction):
        model.objects.filter(organization=organization).delete()
    Import.objects.filter(organization=organization).delete()
    actor = Actor(label="bench.imports")

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "failures.csv"
        _write_file(path, args.rows)
        size = path.stat().st_size
        rss_start = _rss_mib()
        began = time.perf_counter()
        with path.open("rb") as source:
            upload = import_upload(
                organization=organization, livemode=False, actor=actor, file_name=path.name, source=source
            )
        uploaded_in = time.perf_counter() - began
    upload = import_start(upload=upload, choice=mapping_suggested(upload), actor=actor)
    samples: list[tuple[int, float]] = []

    def sample(running: Import) -> None:
        if not samples or running.percent_done // 10 > samples[-1][0] // 10:
            samples.append((running.percent_done, _rss_mib()))

    began = time.perf_counter()
    import_run(import_id=upload.pk, max_seconds=float("inf"), on_batch=sample)
    imported_in = time.perf_counter() - began
    upload.refresh_from_db()

    print(f"database: {connection.vendor}; file: {args.rows:,} rows, {size / 2**20:,.1f} MiB; batch {args.batch}")
    print(f"upload (into database chunks): {uploaded_in:,.1f} s, {size / 2**20 / uploaded_in:,.1f} MiB/s")
    print(
        f"import: {imported_in:,.1f} s, {upload.rows_read / imported_in:,.0f} rows/s; status {upload.status}, "
        f"{upload.rows_created:,} recorded, {upload.rows_failed:,} refused"
    )
    print(
        f"RSS: {rss_start:,.0f} MiB before the upload; "
        + ", ".join(f"{pct}%: {rss:,.0f}" for pct, rss in samples)
        + f" MiB during the import; peak {_peak_mib():,.0f} MiB"
    )


if __name__ == "__main__":
    main()
