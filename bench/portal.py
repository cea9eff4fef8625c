"""The payer's pay page under load, beside a bare-Django page in the same run.

    python -m bench.portal --url http://127.0.0.1:8002

The server must run with DJANGO_SETTINGS_MODULE=bench.settings (it adds the baseline page,
`GET /bench/baseline-page`: read the session, one SELECT, render a template, and lifts the payer
pages' rate limits), on the same DATABASE_URL as this script, which makes a "bench-portal"
organization with a sandbox account and --links failed payments, each with a recovery link,
through Tinko's own services. Each link is opened once (GET /pay/retry/<token>/), which moves its
token into a session, as a payer's browser does; the run then asks for the token-free pay pages
(GET /pay/link/<id>/ with that session's cookie) at --connections connections, taking turns with
the baseline in --rounds rounds so that a drifting machine slows both alike. It prints req/s and
p50/p95 of the server's own time (its Server-Timing header, bench.middleware) and p50/p95/p99 of
the client's latency for each, and the target: pay page server time p95 ≤ 50 ms at 16
connections.

The client's latency is the server's time plus queueing for a free worker (with fewer workers than
connections, most of it): it is printed for comparison, the target is on the server's time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit

from bench.loadgen import LoadResult, Request, combined, run_load

TARGET_P95_MS = 50.0


def links_issue(count: int) -> list[str]:
    """`count` recovery-link paths (/pay/retry/<token>/) of fresh failed rupee payments."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import Organization, User
    from accounts.services import organization_create
    from messaging.services import recovery_link_issue
    from payments.enums import GatewayProvider
    from payments.models import GatewayAccount
    from payments.services import gateway_account_connect
    from recovery.services import Customer, FailureInput, transaction_record_failure

    owner = User.objects.filter(email="bench-portal@tinko.test").first() or User.objects.create_user(
        email="bench-portal@tinko.test", password=None
    )
    organization = Organization.objects.filter(slug="bench-portal").first() or organization_create(
        name="Chai Point", slug="bench-portal", owner=owner, time_zone="Asia/Kolkata", default_currency="INR"
    )
    if not GatewayAccount.objects.filter(organization=organization, provider=GatewayProvider.SANDBOX).exists():
        gateway_account_connect(organization=organization, provider=GatewayProvider.SANDBOX)
    run = time.strftime("%Y%m%d%H%M%S")
    paths = []
    for index in range(count):
        recorded = transaction_record_failure(
            organization=organization,
            livemode=False,
            failure=FailureInput(
                transaction_ref=f"bench-portal-{run}-{index}",
                amount=249_900,
                currency="INR",
                occurred_at=timezone.now(),
                gateway="stripe",
                failure_code="insufficient_funds",
                payment_method_type="card",
                customer=Customer(email=f"payer{index}@example.com", name="Asha Rao"),
                metadata={"description": "Annual plan"},
                idempotency_key=f"bench-portal-{run}-{index}",
            ),
        )
        issued = recovery_link_issue(transaction=recorded.transaction, lifetime=timedelta(days=3))
        paths.append(urlsplit(issued.url).path)
    return paths


def sessions_open(base_url: str, paths: list[str]) -> list[tuple[str, str]]:
    """Open each link as a payer's browser does: (token-free pay page path, session cookie)."""
    parts = urlsplit(base_url)
    opened = []
    for path in paths:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        location = response.getheader("Location", "")
        conn.close()
        if response.status != 302 or not cookie.startswith("sessionid="):
            sys.exit(f"GET {path} answered {response.status} without a session: is the server on this database?")
        opened.append((urlsplit(location).path, cookie))
    return opened


def line(result: LoadResult) -> str:
    return (
        f"{result.name:<30} {result.rps:>8.1f} req/s  server p50 {result.server_percentile(50):>5.1f} ms  "
        f"p95 {result.server_percentile(95):>5.1f} ms  |  client p50 {result.percentile(50):>6.1f} ms  "
        f"p95 {result.percentile(95):>6.1f} ms  p99 {result.percentile(99):>6.1f} ms  "
        f"n={result.requests} errors={result.errors} statuses={dict(sorted(result.statuses.items()))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8002")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000, help="of each kind (default 4000)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--links", type=int, default=64, help="distinct links and sessions (default 64)")
    parser.add_argument("--seconds", type=float, default=120.0, help="time limit per round")
    args = parser.parse_args()

    probe = run_load(
        "probe", args.url, lambda _: ("GET", "/bench/baseline-page", None, {}), connections=1, total_requests=1
    )
    if probe.statuses.get(200) != 1:
        sys.exit(
            f"GET {args.url}/bench/baseline-page answered {probe.statuses or 'nothing'}: "
            "start the server with DJANGO_SETTINGS_MODULE=bench.settings (see the README)."
        )
    visits = sessions_open(args.url, links_issue(args.links))

    def pay_page(index: int) -> Request:
        path, cookie = visits[index % len(visits)]
        return "GET", path, None, {"Cookie": cookie, "Accept-Language": "hi-IN,hi;q=0.9"}

    def baseline(index: int) -> Request:
        _, cookie = visits[index % len(visits)]
        return "GET", "/bench/baseline-page", None, {"Cookie": cookie}

    print(f"warming up {args.url} …", flush=True)
    run_load("warm-up", args.url, baseline, connections=args.connections, total_requests=400)
    run_load("warm-up", args.url, pay_page, connections=args.connections, total_requests=400)

    per_round = max(1, args.requests // args.rounds)
    common = {"connections": args.connections, "total_requests": per_round, "max_seconds": args.seconds}
    baseline_rounds, pay_rounds = [], []
    for _ in range(args.rounds):
        baseline_rounds.append(run_load("baseline", args.url, baseline, **common))
        pay_rounds.append(run_load("pay", args.url, pay_page, **common))
    base = combined(f"baseline page ({args.connections} conn)", baseline_rounds)
    pay = combined(f"pay page ({args.connections} conn)", pay_rounds)
    print(line(base))
    print(line(pay))
    server_ratio = pay.server_percentile(95) / max(base.server_percentile(95), 0.001)
    client_ratio = pay.percentile(95) / max(base.percentile(95), 0.001)
    print(f"{'':<30} pay / baseline p95: server {server_ratio:.2f}x, client {client_ratio:.2f}x")
    served = pay.server_percentile(95)
    ok = bool(pay.server_ms) and served <= TARGET_P95_MS and pay.statuses == {200: pay.requests}
    print(f"{'PASS' if ok else 'FAIL'}  pay page server time p95 {served:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms)")


if __name__ == "__main__":
    main()
