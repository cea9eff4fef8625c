"""Server time of the console's transaction list and transaction page with a million transactions.

    DEBUG=false DATABASE_URL=postgres://… python -m bench.console_transactions [--rows 1000000] [--requests 40]

It fills a `bench-console` organization with `--rows` test-mode transactions (one INSERT … SELECT
from generate_series: 60 days, mixed statuses, categories, gateways, methods, an email and a phone
on each), ANALYZEs, then renders each page `--requests` times in process through Django's test
client, signed in as the organization's owner, and prints p50 and p95 per page: the list unfiltered,
filtered, sorted oldest first, a deep keyset page, each search, and one transaction's timeline.
Target (issue 14): p95 ≤ 150 ms for the filtered list.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

import django

TARGET_MS = 150.0


def _fill(*, organization_id: int, rows: int) -> None:
    from django.db import connection

    from recovery.models import Transaction

    table = connection.ops.quote_name(Transaction._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, livemode, public_id, transaction_ref, amount, currency, gateway, "
            "payment_method_type, customer_email, customer_phone, customer_name, gateway_customer_id, "
            "gateway_payment_method_id, status, category, failure_count, first_failed_at, last_failed_at, "
            "recovered_by, recovery_note, metadata, created_at, updated_at) "
            "SELECT %s, false, 'txn_bench' || n, 'BENCH-' || n, 1000 + n %% 90000, "
            "(ARRAY['INR','USD','EUR'])[1 + n %% 3], (ARRAY['stripe','razorpay','sandbox'])[1 + n %% 3], "
            "(ARRAY['card','upi','netbanking','wallet'])[1 + n %% 4], 'payer' || n || '@example.com', "
            "'+9198' || lpad(n::text, 8, '0'), 'Payer ' || n, '', '', "
            "(ARRAY['failed','recovering','abandoned','cancelled'])[1 + n %% 4], "
            "(ARRAY['funds','issuer_decline','network','auth_timeout','card_invalid','unknown'])[1 + n %% 6], 1, "
            "t, t, '', '', '{}', t, t "
            "FROM (SELECT n, now() - (n * interval '60 days') / %s AS t FROM generate_series(1, %s) AS n) AS s",
            [organization_id, rows, rows],
        )
        cursor.execute(f"ANALYZE {table}")


def _time(client: Any, path: str, params: dict[str, str], *, requests: int) -> tuple[float, float]:
    client.get(path, params)  # warm: templates compiled, plans cached
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, params, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="transactions in the organization")
    parser.add_argument("--requests", type=int, default=40, help="requests per page measured")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinko.settings.base")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from accounts.enums import Role
    from accounts.models import Membership, Organization, User
    from recovery.models import Transaction
    from recovery.selectors import TransactionFilters, transaction_list

    if connection.vendor != "postgresql":
        raise SystemExit("bench.console_transactions fills its table with generate_series: run it on PostgreSQL.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static files as they are before collectstatic (DEBUG=false would want the manifest).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    organization, _ = Organization.objects.get_or_create(slug="bench-console", defaults={"name": "Bench console"})
    user, _ = User.objects.get_or_create(email="bench-console@tinko.test")
    Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": Role.OWNER})
    existing = Transaction.objects.for_org(organization, livemode=False).count()
    if existing != args.rows:
        Transaction.objects.for_org(organization, livemode=False).delete()
        started = time.perf_counter()
        _fill(organization_id=organization.pk, rows=args.rows)
        print(f"filled {args.rows:,} transactions in {time.perf_counter() - started:.0f} s")
    client = Client()
    client.force_login(user)
    client.post("/app/mode/", {"livemode": "false"})
    deep = TransactionFilters(status="failed")
    cursor = None
    for _ in range(200):  # 200 pages of 50 in: keyset pages cost the same however deep
        cursor = transaction_list(
            organization=organization, livemode=False, filters=deep, limit=50, cursor=cursor
        ).next_cursor
    sample = Transaction.objects.for_org(organization, livemode=False).order_by("pk")[args.rows // 2]
    pages: list[tuple[str, str, dict[str, str]]] = [
        ("list, unfiltered", "/app/transactions/", {}),
        ("list, status + category", "/app/transactions/", {"status": "failed", "category": "funds"}),
        (
            "list, gateway + method + dates",
            "/app/transactions/",
            {"gateway": "razorpay", "method": "upi", "since": "2000-01-01", "until": "2100-01-01"},
        ),
        ("list, a rare filter combination", "/app/transactions/", {"status": "recovered", "category": "funds"}),
        ("list, oldest first", "/app/transactions/", {"sort": "oldest", "status": "abandoned"}),
        ("list, page 201 by cursor", "/app/transactions/", {"status": "failed", "cursor": cursor or ""}),
        ("search, reference", "/app/transactions/", {"q": sample.transaction_ref}),
        ("search, email", "/app/transactions/", {"q": sample.customer_email}),
        ("search, phone", "/app/transactions/", {"q": sample.customer_phone}),
        ("transaction page", f"/app/transactions/{sample.public_id}/", {}),
    ]
    print(f"{args.rows:,} transactions, {args.requests} requests each, in process (no network), PostgreSQL")
    for label, path, params in pages:
        p50, p95 = _time(client, path, params, requests=args.requests)
        verdict = "" if p95 <= TARGET_MS else "  ABOVE TARGET"
        print(f"{label:34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{verdict}")


if __name__ == "__main__":
    main()
