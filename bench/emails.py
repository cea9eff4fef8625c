"""Microseconds of one process per recovery email, as a worker task sends them.

    DATABASE_URL=postgres://… python -m bench.emails [--emails 2000] [--batch 50] [--rounds 3] [--profile]

It records `--emails` failures for a fresh `bench-emails-…` organization (payers with varied names,
amounts in dollars and rupees, half of them asked for in Hindi), and in each round issues every
transaction a link for a new attempt and sends their emails through `recovery_emails_send`,
`--batch` at a time, to bench.mail's sink, which builds each message as SMTP would and drops it.
It prints each round's process time per email (min and median over the rounds) and, with
`--profile`, where one batch's time goes. The organization is purged afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import django

if TYPE_CHECKING:
    from accounts.models import Organization
    from recovery.models import Transaction

_NAMES = ("Asha Rao", "Bench Payer", "O'Brien & <Sons>", "अनन्या शर्मा", "")


def _seed(*, organization: Organization, run: str, emails: int) -> list[Transaction]:
    from django.utils import timezone

    from recovery.models import Transaction
    from recovery.services import Customer, FailureInput, transaction_record_failures

    now = timezone.now()
    failures = [
        FailureInput(
            transaction_ref=f"bench-{run}-{index}",
            amount=1999 + 137 * index,
            currency="INR" if index % 2 else "USD",
            occurred_at=now,
            gateway="sandbox",
            failure_code="insufficient_funds" if index % 3 else "expired_card",
            payment_method_type="card",
            customer=Customer(email=f"payer{index}@example.com", name=_NAMES[index % len(_NAMES)]),
            idempotency_key=f"bench-{run}-{index}",
        )
        for index in range(emails)
    ]
    for start in range(0, emails, 1_000):
        transaction_record_failures(organization=organization, livemode=False, failures=failures[start : start + 1_000])
    return list(Transaction.objects.filter(organization=organization).select_related("organization").order_by("pk"))


def _round(*, transactions: list[Transaction], attempt: int, batch: int, profile: cProfile.Profile | None) -> float:
    """Process seconds per email of one round: every transaction's email for `attempt`."""
    from messaging.services import EmailRequest, LinkRequest, recovery_emails_send, recovery_links_issue

    issued = recovery_links_issue(
        requests=[
            LinkRequest(transaction=txn, lifetime=timedelta(days=3), attempt_number=attempt) for txn in transactions
        ]
    )
    requests = [
        EmailRequest(transaction=txn, link=link.link, language="hi" if index % 4 >= 2 else None)
        for index, (txn, link) in enumerate(zip(transactions, issued, strict=True))
        if link is not None
    ]
    spent = 0.0
    for start in range(0, len(requests), batch):
        chunk = requests[start : start + batch]
        if profile is not None and start == 0:
            profile.enable()
        began = time.process_time()
        logs = recovery_emails_send(requests=chunk)
        spent += time.process_time() - began
        if profile is not None and start == 0:
            profile.disable()
        if any(log.status != "sent" for log in logs):
            raise SystemExit(f"an email was not sent: {[log.error for log in logs if log.status != 'sent']}")
    return spent / len(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=2_000, help="emails a round")
    parser.add_argument("--batch", type=int, default=50, help="emails a call (a worker task's share)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take the min and median of")
    parser.add_argument("--profile", action="store_true", help="profile the last round's first batch")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.dispatch_settings")
    django.setup()
    from django.db import connection

    from accounts.models import Organization
    from accounts.services import organization_delete
    from accounts.services.organizations import organization_purge

    if connection.vendor != "postgresql":
        raise SystemExit("bench.emails runs on PostgreSQL: set DATABASE_URL.")
    run = uuid.uuid4().hex[:8]
    organization = Organization.objects.create(
        name=f"Bench emails {run}",
        slug=f"bench-emails-{run}",
        time_zone="Asia/Kolkata",
        support_email="help@bench.test",
        accent_colour="#0f766e",
    )
    try:
        transactions = _seed(organization=organization, run=run, emails=args.emails)
        figures = []
        for attempt in range(1, args.rounds + 1):
            profile = cProfile.Profile() if args.profile and attempt == args.rounds else None
            figures.append(_round(transactions=transactions, attempt=attempt, batch=args.batch, profile=profile))
            print(f"round {attempt}: {figures[-1] * 1e6:,.0f} µs of process time per email")
            if profile is not None:
                pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        low, median = min(figures) * 1e6, statistics.median(figures) * 1e6
        print(f"{args.emails:,} emails a round, {args.batch} a call: min {low:,.0f} µs, median {median:,.0f} µs")
    finally:
        organization_delete(organization=organization)
        organization_purge(organization_id=organization.pk, batch_size=5_000)


if __name__ == "__main__":
    main()
