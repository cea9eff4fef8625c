"""Webhook intake under load: signed sandbox events against a running Tinko (loopback only).

    python -m bench.webhooks --url http://127.0.0.1:8000 [--connections 16] [--requests 4000] [--duplicates 0.1]

It uses the same settings (DATABASE_URL, REDIS_URL, GATEWAY_ENCRYPTION_KEYS) as the server, to
connect a sandbox gateway for a `bench-webhooks` organization and sign its events with that
account's webhook secret. Every request is a fresh `payment.failed` event, except a share of
re-deliveries of earlier ones (gateways deliver at least once). Afterwards it checks that the
inbox holds each event exactly once. The target is p99 < 50 ms at the endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time

import django

from bench.loadgen import Request, run_load

BENCH_ORG_SLUG = "bench-webhooks"


def _setup_account():
    from accounts.models import Organization, User
    from accounts.services import organization_create
    from payments.selectors import gateway_credentials
    from payments.services import gateway_account_connect

    owner = User.objects.filter(email="bench@tinko.test").first() or User.objects.create_user(email="bench@tinko.test")
    organization = Organization.objects.filter(slug=BENCH_ORG_SLUG).first() or organization_create(
        name="Webhook benchmark", slug=BENCH_ORG_SLUG, owner=owner, default_currency="INR"
    )
    connected = gateway_account_connect(organization=organization, provider="sandbox")
    return connected, gateway_credentials(account=connected.account).webhook_secrets[0]


def _event_body(event_id: str, index: int) -> bytes:
    payment = {
        "id": f"sbxpay_bench{index}",
        "object": "payment",
        "amount": 49900,
        "currency": "INR",
        "amount_refunded": 0,
        "status": "failed",
        "checkout": None,
        "customer": None,
        "customer_details": {"email": f"payer{index}@example.com", "name": None, "phone": None},
        "payment_method": {"id": "sbx_pm_card_insufficient_funds", "type": "card"},
        "metadata": {"tinko_transaction_ref": f"bench-order-{index}"},
        "failure": {
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "advice_code": "try_again_later",
            "network_decline_code": "51",
            "network_advice_code": None,
        },
        "created": int(time.time()),
    }
    event = {
        "id": event_id,
        "object": "event",
        "type": "payment.failed",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": payment},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of requests that re-deliver an event")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinko.settings.base")
    django.setup()
    from payments.gateways.sandbox.consts import SIGNATURE_HEADER
    from payments.gateways.sandbox.webhooks import signature_header
    from payments.models import WebhookEvent

    connected, secret = _setup_account()
    path = connected.webhook_url.split("://", 1)[1].split("/", 1)[1]
    run = secrets.token_hex(4)
    prefix = f"evt_bench_{run}_"
    every = round(1 / args.duplicates) if args.duplicates > 0 else 0

    def make_request(index: int) -> Request:
        # Every n-th request re-delivers the event sent just before it.
        event_index = index - 1 if every and index % every == every - 1 else index
        body = _event_body(f"{prefix}{event_index}", event_index)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(body=body, secret=secret, signed_at=int(time.time())),
        }
        return "POST", f"/{path}", body, headers

    print(f"POST /{path}")
    print(f"{args.connections} connections, up to {args.requests} requests, {args.duplicates:.0%} re-deliveries")
    result = run_load(
        "POST /webhooks/sandbox/…",
        args.url,
        make_request,
        connections=args.connections,
        total_requests=args.requests,
        max_seconds=args.seconds,
    )
    print(result.summary())
    stored = WebhookEvent.objects.filter(provider="sandbox", event_id__startswith=prefix).count()
    attempted = result.requests + result.errors
    distinct = len({i - 1 if every and i % every == every - 1 else i for i in range(attempted)})
    print(f"inbox rows for this run: {stored} for {distinct} distinct events sent (each must be stored once)")
    print(f"target p99 < 50 ms: {'met' if result.percentile(99) < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
