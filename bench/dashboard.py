"""Server time of the console's dashboard at a million failures, read-only.

    DATABASE_URL=postgres://… python -m bench.dashboard [--slug bench-analytics] [--requests 40]

Run it against the database `bench.analytics` filled (its `bench-analytics` organization holds a
year of test-mode failures and their rollups). In one READ ONLY transaction, it builds the
dashboard (`analytics.dashboard.dashboard_build`: every query the page makes over the rollups, and
the charts' geometry) `--requests` times per filter set and prints p50 and p95. Session, sign-in
and template rendering are left out: they write (the session) and do not grow with the data.
Target (issue 14): p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, timedelta

import django

TARGET_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slug", default="bench-analytics", help="the organization to read")
    parser.add_argument("--requests", type=int, default=40, help="dashboards built per filter set")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinko.settings.base")
    django.setup()
    from django.db import connection, transaction

    from accounts.models import Organization
    from analytics.dashboard import DashboardFilterForm, dashboard_build, dashboard_filters
    from analytics.models import DailyRollup

    organization = Organization.objects.get(slug=args.slug)
    # The data's last day stands for "today", so the presets cover the generated year however old it is.
    today: date = (
        DailyRollup.objects.for_org(organization, livemode=False).order_by("-day").values_list("day", flat=True)[0]
    )
    sets: list[tuple[str, dict[str, str]]] = [
        ("last 7 days", {"range": "7d"}),
        ("last 30 days", {}),
        ("last 30 days, category", {"category": "funds"}),
        ("last 90 days", {"range": "90d"}),
        ("last 90 days, gateway + method", {"range": "90d", "gateway": "razorpay", "method": "upi"}),
        ("last 12 months (weekly)", {"range": "365d"}),
        ("last 12 months, USD", {"range": "365d", "currency": "USD"}),
        (
            "custom 2 years",
            {"range": "custom", "from": str(today - timedelta(days=729)), "to": str(today)},
        ),
    ]
    print(f"{organization.slug}: dashboards built in process on {connection.vendor}, {args.requests} per filter set")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        for label, params in sets:
            filters = dashboard_filters(DashboardFilterForm(params), today=today)
            dashboard_build(organization=organization, livemode=False, filters=filters)  # warm
            samples = []
            for _ in range(args.requests):
                started = time.perf_counter()
                dashboard_build(organization=organization, livemode=False, filters=filters)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            p50, p95 = statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]
            verdict = "" if p95 <= TARGET_MS else "  ABOVE TARGET"
            print(f"{label:34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{verdict}")


if __name__ == "__main__":
    main()
