"""Attempts completed per second by one worker process.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python -m bench.dispatch [--attempts 100000]

It records `--attempts` failures for a fresh `bench-dispatch-…` organization through the recording
service (each with its first attempt, as ingest plans it), makes every first attempt due now —
`--email-share` of them emails (to bench.mail's sink), the rest re-charges at the sandbox gateway,
`--decline-share` of those declining — and claims them all with the dispatcher. Then it starts one
Celery worker process (solo pool) on the benchmark's queue and prints how many attempts it completed
per second, from its first finished attempt to its last, against the target (1,000/s); the
outcomes (sent, charged, declined); and how fast the dispatcher claimed. Each executed attempt
does all its bookkeeping: the link and the message log, the charge and the recovery, the decline
recorded and the next attempt planned. The organization is purged afterwards (`--keep` leaves it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import django

TARGET_PER_SECOND = 1_000
SEED_BATCH = 1_000
BASE_DIR = Path(__file__).resolve().parent.parent


def _seed(*, organization: object, run: str, attempts: int, email_share: float, decline_share: float) -> None:
    from django.db import connection
    from django.utils import timezone

    from recovery.models import FailureEvent, Transaction
    from recovery.services import Customer, FailureInput, transaction_record_failures
    from retries.models import RecoveryAttempt

    now = timezone.now()
    emails = round(attempts * email_share)
    every_decline = round(1 / decline_share) if decline_share > 0 else 0
    for start in range(0, attempts, SEED_BATCH):
        failures = []
        for index in range(start, min(start + SEED_BATCH, attempts)):
            channel = "email" if index < emails else "auto_charge"
            declines = channel == "auto_charge" and every_decline and (index - emails) % every_decline == 0
            failures.append(
                FailureInput(
                    transaction_ref=f"bench-{run}-{index}",
                    amount=1999,
                    currency="USD",
                    occurred_at=now,
                    gateway="sandbox",
                    failure_code="insufficient_funds",
                    network_decline_code="51",
                    payment_method_type="card",
                    customer=Customer(email=f"payer{index}@example.com", name="Bench Payer"),
                    metadata={"bench_channel": channel},
                    gateway_customer_id="cus_sbx_bench",
                    gateway_payment_method_id="sbx_pm_card_insufficient_funds" if declines else "sbx_pm_card_ok",
                    idempotency_key=f"bench-{run}-{index}",
                )
            )
        transaction_record_failures(organization=organization, livemode=False, failures=failures)  # type: ignore[arg-type]
    attempt_table = RecoveryAttempt._meta.db_table
    transaction_table = Transaction._meta.db_table
    with connection.cursor() as cursor:
        # Every transaction's first attempt, due now, on the channel the benchmark chose for it.
        cursor.execute(
            f"UPDATE {attempt_table} AS a SET channel = t.metadata->>'bench_channel', scheduled_at = %s "
            f"FROM {transaction_table} AS t WHERE a.transaction_id = t.id AND t.organization_id = %s "
            "AND a.number = 1 AND a.status = 'scheduled'",
            [now, organization.pk],  # type: ignore[attr-defined]
        )
        # Fresh statistics for the tables seeded in bulk, as autovacuum would give them in time: a
        # worker's reads (the attempts it takes, the failures it plans from) are planned on them.
        for table in (attempt_table, transaction_table, FailureEvent._meta.db_table):
            cursor.execute(f"ANALYZE {table}")


def _worker(queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.dispatch_settings", "BENCH_QUEUE": queue}
    output = log.open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tinko",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
            f"--hostname={queue}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=100_000, help="due attempts to execute")
    parser.add_argument("--email-share", type=float, default=0.5, help="share of them that are emails")
    parser.add_argument("--decline-share", type=float, default=0.1, help="share of the re-charges that decline")
    parser.add_argument("--chunk", type=int, help="attempts per worker task (default: RETRY_EXECUTE_CHUNK)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's organization and its rows")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    queue = f"bench-dispatch-{run}"
    os.environ["BENCH_QUEUE"] = queue
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.dispatch_settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count, Max, Min

    from accounts.models import Organization
    from accounts.services import organization_delete
    from accounts.services.organizations import organization_purge
    from payments.services import gateway_account_connect
    from retries.dispatch import attempts_dispatch
    from retries.enums import AttemptStatus
    from retries.models import RecoveryAttempt
    from retries.services import retry_policy_create_default
    from tinko.redis_client import redis_client

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("bench.dispatch runs on PostgreSQL and Redis: set DATABASE_URL and REDIS_URL.")
    if args.chunk:
        settings.RETRY_EXECUTE_CHUNK = args.chunk
    organization = Organization.objects.create(name=f"Bench dispatch {run}", slug=f"bench-dispatch-{run}")
    retry_policy_create_default(organization=organization)
    gateway_account_connect(organization=organization, provider="sandbox")

    started = time.perf_counter()
    _seed(
        organization=organization,
        run=run,
        attempts=args.attempts,
        email_share=args.email_share,
        decline_share=args.decline_share,
    )
    print(f"recorded {args.attempts:,} failures with their first attempts in {time.perf_counter() - started:.1f} s")
    first = RecoveryAttempt.objects.filter(organization=organization, number=1)
    started = time.perf_counter()
    claimed = attempts_dispatch()
    seconds = time.perf_counter() - started
    rate = claimed / seconds
    print(f"dispatcher: claimed {claimed:,} due attempts and queued them in {seconds:.1f} s ({rate:,.0f}/s)")

    log = Path(settings.VAR_DIR) / "bench-dispatch-worker.log"
    print(f"one worker process (solo pool, {settings.RETRY_EXECUTE_CHUNK} attempts a task), its log in {log}")
    worker = _worker(queue, log)
    try:
        while first.filter(status=AttemptStatus.IN_PROGRESS).exists():
            if worker.poll() is not None:
                raise SystemExit("the worker exited")
            time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis = redis_client()
        if redis is not None:
            redis.delete(queue, f"{queue}-sandbox-events")

    span = first.aggregate(first=Min("finished_at"), last=Max("finished_at"))
    elapsed = (span["last"] - span["first"]).total_seconds()
    outcomes = dict(first.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    done = sum(outcomes.values())
    rate = (done - 1) / elapsed if elapsed else float("inf")
    verdict = "met" if rate >= TARGET_PER_SECOND else "MISSED"
    described = ", ".join(f"{outcomes[status]:,} {status}" for status in sorted(outcomes))
    print(f"one worker process executed {done:,} attempts in {elapsed:.1f} s: {rate:,.0f} attempts/s ({described})")
    print(f"target: {TARGET_PER_SECOND:,} attempts/s — {verdict}")
    if outcomes.get(AttemptStatus.IN_PROGRESS) or outcomes.get(AttemptStatus.SCHEDULED):
        raise SystemExit("some attempts were not executed")
    if not args.keep:
        organization_delete(organization=organization)
        organization_purge(organization_id=organization.pk, batch_size=5_000)


if __name__ == "__main__":
    main()
