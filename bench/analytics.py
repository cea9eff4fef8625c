"""Analytics at a million failures: endpoint latency, export memory and first byte, data generation.

    DATABASE_URL=postgres://… python -m bench.analytics [--failures 1000000] [--samples 30] [--reuse]

It generates `--failures` failed transactions of the past year for the `bench-analytics`
organization (`generate_demo_data`, timed; `--reuse` keeps what an earlier run wrote), runs VACUUM
ANALYZE (this machine's PostgreSQL has autovacuum off; production's has it on), starts gunicorn
(one sync worker) and asks every analytics endpoint `--samples` times over the whole year and
over the last 30 days, printing p50 and p95 against the target (150 ms). Then it streams the
whole year's transactions as CSV and prints the time to the first byte, the total time, the rows,
and the web worker's peak resident memory (VmHWM) against the targets (1 s, 200 MB).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

TARGET_P95_MS = 150
TARGET_FIRST_BYTE_S = 1.0
TARGET_RSS_MB = 200
SLUG = "bench-analytics"
BASE_DIR = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinko.settings.base")
    django.setup()


def _organization(failures: int, reuse: bool) -> tuple[object, float | None]:
    from django.core.management import call_command

    from accounts.models import Organization, User
    from accounts.services import SYSTEM, organization_create
    from recovery.models import Transaction

    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is None:
        owner = User.objects.filter(email="bench-analytics@tinko.test").first() or User.objects.create_user(
            email="bench-analytics@tinko.test", password=None
        )
        organization = organization_create(
            name="Bench analytics",
            slug=SLUG,
            owner=owner,
            time_zone="Asia/Kolkata",
            default_currency="INR",
            actor=SYSTEM,
        )
    existing = Transaction.objects.for_org(organization, livemode=False).count()
    if reuse and existing >= failures:
        print(f"reusing {existing:,} failures of {SLUG}")
        return organization, None
    started = time.perf_counter()
    call_command("generate_demo_data", org=SLUG, failures=failures - existing if reuse else failures)
    return organization, time.perf_counter() - started


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "recovery_transaction",
            "recovery_failureevent",
            "analytics_dailyrollup",
            "analytics_declinecoderollup",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _current_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--failures", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="Keep the failures an earlier run generated.")
    args = parser.parse_args()
    _setup()

    import requests
    from django.utils import timezone

    from accounts.services import api_key_create
    from analytics.rollups import organization_zone

    organization, generation = _organization(args.failures, args.reuse)
    _vacuum()
    key = api_key_create(organization=organization, name="bench analytics").plaintext  # type: ignore[arg-type]
    today = timezone.now().astimezone(organization_zone(organization)).date()  # type: ignore[arg-type]
    year = f"from={today - timedelta(days=365)}&to={today + timedelta(days=1)}"
    month = f"from={today - timedelta(days=29)}&to={today + timedelta(days=1)}"

    port = _free_port()
    env = {**os.environ, "API_RATE_LIMIT": "100000/s"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tinko.wsgi:application",
            "--workers",
            "1",
            "--timeout",
            "600",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/v1/analytics"
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        for _ in range(100):
            try:
                session.get(f"{base}/kpis", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        worker = _worker_pid(server.pid)
        print(f"\n{args.failures:,} failures in one organization; PostgreSQL; shared 2-core machine")
        if generation is not None:
            print(
                f"data generation: {generation:.0f} s ({args.failures / generation:,.0f} failures/s, rollups included)"
            )
        endpoints = [
            ("kpis", ""),
            ("recovery-rate", "&granularity=day"),
            ("recovery-rate", "&granularity=month"),
            ("failure-distribution", ""),
            ("revenue-recovered", "&granularity=week"),
            ("cohorts", ""),
            ("kpis", "&currency=INR&gateway=razorpay&payment_method_type=upi"),
        ]
        print(f"\n{'endpoint':60} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {TARGET_P95_MS} ms")
        worst = 0.0
        for span_name, span in (("year", year), ("30 days", month)):
            for name, extra in endpoints:
                url = f"{base}/{name}?{span}{extra}"
                timings = []
                for _ in range(args.samples):
                    started = time.perf_counter()
                    response = session.get(url, timeout=30)
                    timings.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                timings.sort()
                p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                worst = max(worst, p95)
                label = f"{name}{extra} ({span_name})"
                print(f"{label:60} {statistics.median(timings):8.1f} {p95:8.1f}")
        print(f"worst p95: {worst:.1f} ms ({'met' if worst <= TARGET_P95_MS else 'MISSED'})")

        before = _current_rss_mb(worker)
        started = time.perf_counter()
        first_byte = None
        size = rows = 0
        with session.get(f"{base}/transactions.csv?{year}", stream=True, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(chunk_size=65536):
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
                rows += chunk.count(b"\n")
        total = time.perf_counter() - started
        peak = _peak_rss_mb(worker)
        print(
            f"\nexport: {rows - 1:,} rows, {size / 1e6:.0f} MB in {total:.1f} s; "
            f"first byte after {first_byte or 0:.3f} s "
            f"(target < {TARGET_FIRST_BYTE_S} s); web worker RSS {before:.0f} MB before, peak {peak:.0f} MB "
            f"(target < {TARGET_RSS_MB} MB)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
