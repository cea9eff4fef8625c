"""How fast expired idempotency keys go: rows deleted per second by `idempotency_purge`.

    DATABASE_URL=postgres://… python -m bench.purge [--rows 1000000] [--keep 100000]

It fills the idempotency-key table of a `bench-purge` organization with `--rows` expired keys
and `--keep` current ones (one INSERT … SELECT from generate_series on PostgreSQL), runs the
purge once, and prints rows deleted per second and what ingest at 15,000 events/s needs: an
hour's keys, 54 million, deleted within the hour by one run.
"""

from __future__ import annotations

import argparse
import os
import time

import django

INGEST_EVENTS_PER_SECOND = 15_000
KEYS_PER_HOUR = INGEST_EVENTS_PER_SECOND * 3600


def _fill(*, organization_id: int, expired: int, current: int) -> None:
    from django.db import connection

    from tinko.models import IdempotencyKey

    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        for count, age in ((expired, "48 hours"), (current, "1 hour")):
            # Spread over the hour before `age`, as an hour of ingest would leave them.
            cursor.execute(
                f"INSERT INTO {table} (organization_id, livemode, key, fingerprint, response_status, response_body, "
                "created_at) SELECT %s, false, md5(random()::text) || n, repeat('f', 64), 201, '\\x7b7d'::bytea, "
                f"now() - interval '{age}' - (n * interval '3600 seconds') / %s "
                "FROM generate_series(1, %s) AS n",
                [organization_id, count, count],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="expired keys to purge")
    parser.add_argument("--keep", type=int, default=100_000, help="current keys that must stay")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinko.settings.base")
    django.setup()
    from django.db import connection

    from accounts.models import Organization
    from tinko.idempotency import idempotency_purge
    from tinko.models import IdempotencyKey

    if connection.vendor != "postgresql":
        raise SystemExit("bench.purge fills its table with generate_series: run it on PostgreSQL (DATABASE_URL).")
    organization, _ = Organization.objects.get_or_create(slug="bench-purge", defaults={"name": "Bench purge"})
    IdempotencyKey.objects.filter(organization=organization).delete()
    _fill(organization_id=organization.pk, expired=args.rows, current=args.keep)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(IdempotencyKey._meta.db_table)}")

    started = time.perf_counter()
    deleted = idempotency_purge()
    seconds = time.perf_counter() - started
    left = IdempotencyKey.objects.filter(organization=organization).count()

    rate = deleted / seconds if seconds else float("inf")
    print(f"purged {deleted:,} expired keys in {seconds:.1f} s: {rate:,.0f} rows/s; {left:,} current keys left")
    hour = KEYS_PER_HOUR / rate
    verdict = "met" if deleted == args.rows and hour < 3600 else "MISSED"
    print(
        f"an hour of ingest at {INGEST_EVENTS_PER_SECOND:,}/s ({KEYS_PER_HOUR:,} keys) would take {hour / 60:.1f} min "
        f"(target: all expired keys in one run, within the hour: {verdict})"
    )
    IdempotencyKey.objects.filter(organization=organization).delete()


if __name__ == "__main__":
    main()
