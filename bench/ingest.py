"""Ingest throughput and latency against a running server, beside a bare-Django baseline.

    python -m bench.ingest --url http://127.0.0.1:8002 [--api-key tk_test_…]

The server must run with DJANGO_SETTINGS_MODULE=bench.settings, which adds the baseline view
(`POST /bench/baseline`: parse JSON, one INSERT) to Tinko's URLs. In one run this measures,
each after a warm-up:

- baseline: the bare single-INSERT view, N requests at C connections;
- single:   `POST /v1/events/payment_failed`, N requests at C connections, a fresh
            Idempotency-Key and transaction per request (baseline and single take turns
            in --rounds short rounds, so that drift in the machine's speed hits both);
- batch:    `POST /v1/events/batch` with B events each, over a few connections;

and prints events/s, p50 and p99 for each, the single/baseline ratio and the targets
(single ≥ 0.5x baseline with p99 ≤ 100 ms at 16 connections; batch ≥ 15,000 events/s).
Without --api-key it creates an organization "bench" and a key through Django, so run it
with the same DATABASE_URL as the server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from bench.loadgen import LoadResult, Request, RequestFactory, combined, run_load

SINGLE_TARGET_RATIO = 0.5
SINGLE_TARGET_P99_MS = 100.0
BATCH_TARGET_EVENTS_PER_SECOND = 15_000.0

# A realistic spread: gateways, methods, currencies (INR, USD, zero-decimal JPY) and codes.
_SHAPES: list[dict[str, object]] = [
    {"gateway": "stripe", "currency": "USD", "amount": 1999, "payment_method_type": "card",
     "failure_code": "insufficient_funds", "failure_message": "Your card has insufficient funds.",
     "network_decline_code": "51"},
    {"gateway": "razorpay", "currency": "INR", "amount": 49900, "payment_method_type": "upi",
     "failure_code": "payment_collect_request_expired"},
    {"gateway": "stripe", "currency": "EUR", "amount": 4900, "payment_method_type": "card",
     "failure_code": "generic_decline", "network_decline_code": "05", "network_advice_code": "02"},
    {"gateway": "razorpay", "currency": "INR", "amount": 129900, "payment_method_type": "card",
     "failure_code": "card_declined", "failure_message": "Your payment was declined by the bank."},
    {"gateway": "other", "currency": "JPY", "amount": 5400, "payment_method_type": "card",
     "network_decline_code": "54"},
    {"gateway": "other", "currency": "INR", "amount": 2500, "payment_method_type": "upi", "failure_code": "U30",
     "network_decline_code": "Z9"},
]  # fmt: skip


def event_body(run: str, index: int) -> dict[str, object]:
    """The index-th failure of this run: its own transaction, a realistic shape, a customer."""
    body: dict[str, object] = dict(_SHAPES[index % len(_SHAPES)])
    body["transaction_ref"] = f"bench-{run}-{index}"
    body["customer"] = {"email": f"payer{index}@example.com", "phone": "+919876543210", "name": "Bench Payer"}
    body["metadata"] = {"run": run}
    return body


def batches(run: str, *, count: int, size: int, offset: int) -> Iterator[bytes]:
    for number in range(count):
        start = offset + number * size
        events = []
        for index in range(start, start + size):
            event = event_body(run, index)
            event["idempotency_key"] = f"{run}-batch-{index}"
            events.append(event)
        yield json.dumps({"events": events}).encode()


@dataclass(frozen=True)
class Figures:
    name: str
    events_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    statuses: dict[int, int]

    @classmethod
    def of(cls, result: LoadResult, *, events_per_request: int = 1) -> Figures:
        return cls(
            name=result.name,
            events_per_second=result.rps * events_per_request,
            p50_ms=result.percentile(50),
            p99_ms=result.percentile(99),
            requests=result.requests,
            errors=result.errors,
            statuses=dict(sorted(result.statuses.items())),
        )

    def line(self) -> str:
        return (
            f"{self.name:<34} {self.events_per_second:>10,.0f} events/s  p50 {self.p50_ms:>8.2f} ms  "
            f"p99 {self.p99_ms:>8.2f} ms  requests={self.requests} errors={self.errors} statuses={self.statuses}"
        )


def verdict(*, baseline: Figures, single: Figures, batch: Figures) -> list[str]:
    """The comparison lines: ratio and each target met or missed."""
    ratio = single.events_per_second / baseline.events_per_second if baseline.events_per_second else 0.0

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    return [
        f"single / baseline = {ratio:.2f}x  (target >= {SINGLE_TARGET_RATIO}x: {mark(ratio >= SINGLE_TARGET_RATIO)})",
        f"single p99 = {single.p99_ms:.1f} ms  (target <= {SINGLE_TARGET_P99_MS:.0f} ms: "
        f"{mark(single.p99_ms <= SINGLE_TARGET_P99_MS)})",
        f"batch = {batch.events_per_second:,.0f} events/s  (target >= {BATCH_TARGET_EVENTS_PER_SECOND:,.0f}: "
        f"{mark(batch.events_per_second >= BATCH_TARGET_EVENTS_PER_SECOND)})",
    ]


def shifted(make_request: RequestFactory, offset: int) -> RequestFactory:
    """The requests of `make_request` from its offset-th on."""
    return lambda index: make_request(offset + index)


def issue_api_key() -> str:
    """A key for a 'bench' organization, made through Tinko's own services."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from accounts.models import Organization, User
    from accounts.services import api_key_create, organization_create

    owner = User.objects.filter(email="bench@tinko.test").first() or User.objects.create_user(
        email="bench@tinko.test", password=None
    )
    organization = Organization.objects.filter(slug="bench").first() or organization_create(
        name="Benchmark", slug="bench", owner=owner, time_zone="UTC", default_currency="USD"
    )
    return api_key_create(organization=organization, name=f"bench {time.strftime('%Y-%m-%d %H:%M')}").plaintext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8002")
    parser.add_argument("--api-key", default="")
    parser.add_argument("--connections", type=int, default=16, help="for baseline and single (default 16)")
    parser.add_argument("--requests", type=int, default=4000, help="baseline and single requests (default 4000)")
    parser.add_argument("--rounds", type=int, default=4, help="baseline and single take turns (default 4 rounds)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120.0, help="time limit per phase")
    args = parser.parse_args()

    api_key = args.api_key or issue_api_key()
    run = uuid.uuid4().hex[:8]
    auth = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    json_headers = {"Content-Type": "application/json"}

    def baseline_request(index: int) -> Request:
        return "POST", "/bench/baseline", json.dumps(event_body(run, index)).encode(), json_headers

    probe = run_load("probe", args.url, baseline_request, connections=1, total_requests=1)
    if probe.statuses.get(201) != 1:
        sys.exit(
            f"POST {args.url}/bench/baseline answered {probe.statuses or 'nothing'}: "
            "start the server with DJANGO_SETTINGS_MODULE=bench.settings (see the README)."
        )

    single_bodies = [json.dumps(event_body(run, index)).encode() for index in range(args.requests + 400)]

    def single_request(index: int) -> Request:
        return "POST", "/v1/events/payment_failed", single_bodies[index], {**auth, "Idempotency-Key": f"{run}-{index}"}

    warm_offset = args.requests
    batch_bodies = list(batches(run, count=args.batches + 2, size=args.batch_size, offset=10 * args.requests))

    def batch_request(index: int) -> Request:
        return "POST", "/v1/events/batch", batch_bodies[index], auth

    print(f"warming up {args.url} …", flush=True)
    run_load(
        "warm-up",
        args.url,
        lambda i: baseline_request(warm_offset + i),
        connections=args.connections,
        total_requests=400,
    )
    run_load(
        "warm-up", args.url, lambda i: single_request(warm_offset + i), connections=args.connections, total_requests=400
    )
    run_load("warm-up", args.url, lambda i: batch_request(args.batches + i), connections=2, total_requests=2)

    # Baseline and single take turns in short rounds, so that a machine whose speed drifts
    # (shared CPUs) slows both alike instead of whichever happened to run second.
    per_round = max(1, args.requests // args.rounds)
    common = {"connections": args.connections, "total_requests": per_round, "max_seconds": args.seconds}
    baseline_rounds: list[LoadResult] = []
    single_rounds: list[LoadResult] = []
    for number in range(args.rounds):
        offset = number * per_round
        baseline_rounds.append(run_load("baseline", args.url, shifted(baseline_request, offset), **common))
        single_rounds.append(run_load("single", args.url, shifted(single_request, offset), **common))
    baseline = Figures.of(combined(f"baseline insert ({args.connections} conn)", baseline_rounds))
    print(baseline.line(), flush=True)
    single = Figures.of(combined(f"single event ({args.connections} conn)", single_rounds))
    print(single.line(), flush=True)
    ratios = [one.rps / base.rps for one, base in zip(single_rounds, baseline_rounds, strict=True) if base.rps]
    print(f"{'':<34} single / baseline by round: {' '.join(f'{ratio:.2f}' for ratio in ratios)}", flush=True)
    batch = Figures.of(
        run_load(
            f"batch x{args.batch_size} ({args.batch_connections} conn)",
            args.url,
            batch_request,
            connections=args.batch_connections,
            total_requests=args.batches,
            max_seconds=args.seconds,
        ),
        events_per_request=args.batch_size,
    )
    print(batch.line(), flush=True)
    print()
    for line in verdict(baseline=baseline, single=single, batch=batch):
        print(line)


if __name__ == "__main__":
    main()
