"""Demo and benchmark data: a year of one organization's failed payments and what became of them.

A realistic mix, drawn from a seeded generator: gateways with their methods and currencies, decline
codes classified by the organization's own rules, amounts spread around each market's typical
price, and outcomes (recovered by each channel after some attempts, refunded, abandoned, cancelled,
still in progress) whose failure events and recovery attempts agree with them. Written in bulk,
a batch at a time, bypassing the per-failure services: this is volume, not traffic.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import Organization
from recovery.classifier.engine import Classification, ClassifierInput, RuleSet, classify
from recovery.enums import EventSource, RecoveredBy, TransactionStatus
from recovery.models import FailureEvent, Transaction
from recovery.selectors import classifier_ruleset_for
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from tinko.ids import PublicIdField, new_public_ids

BATCH = 2000
DEMO_REF_PREFIX = "demo-"
HISTORY = timedelta(days=365)
# Failures newer than this may still be being recovered; older ones have an outcome.
OPEN_WINDOW = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Market:
    weight: int
    gateway: str
    method: str
    currency: str
    typical_amount: int  # minor units
    codes: tuple[tuple[int, str], ...]  # (weight, gateway code or NPCI code)


_CARD_STRIPE = (
    (34, "insufficient_funds"),
    (18, "do_not_honor"),
    (12, "generic_decline"),
    (8, "expired_card"),
    (6, "authentication_required"),
    (5, "processing_error"),
    (4, "incorrect_cvc"),
    (3, "try_again_later"),
    (3, "fraudulent"),
    (2, "lost_card"),
)
_CARD_RAZORPAY = (
    (30, "insufficient_funds"),
    (20, "payment_declined"),
    (12, "authentication_failed"),
    (10, "payment_timed_out"),
    (8, "bank_technical_error"),
    (6, "transaction_limit_exceeded"),
    (6, "incorrect_otp"),
    (4, "payment_risk_check_failed"),
)
_UPI = ((30, "U30"), (20, "U69"), (14, "U09"), (12, "Z9"), (8, "U28"), (6, "U67"), (6, "ZM"), (4, "U16"))
_NETBANKING = (
    (40, "bank_technical_error"),
    (30, "payment_cancelled"),
    (20, "bank_not_available"),
    (10, "insufficient_funds"),
)
_WALLET = ((50, "insufficient_funds"), (30, "payment_cancelled"), (20, "payment_failed"))

MARKETS = (
    Market(30, "razorpay", "card", "INR", 149_900, _CARD_RAZORPAY),
    Market(18, "razorpay", "upi", "INR", 79_900, _UPI),
    Market(7, "razorpay", "netbanking", "INR", 249_900, _NETBANKING),
    Market(4, "razorpay", "wallet", "INR", 49_900, _WALLET),
    Market(22, "stripe", "card", "USD", 4_900, _CARD_STRIPE),
    Market(9, "stripe", "card", "EUR", 3_900, _CARD_STRIPE),
    Market(6, "stripe", "card", "GBP", 2_900, _CARD_STRIPE),
    Market(4, "stripe", "card", "JPY", 5_000, _CARD_STRIPE),
)

# How a closed failure ended: (weight, status, credit). Recovery rates differ by category below.
_CREDITS = (
    (38, RecoveredBy.AUTO_CHARGE),
    (34, RecoveredBy.EMAIL_LINK),
    (16, RecoveredBy.PAYER),
    (12, RecoveredBy.MERCHANT),
)
_RECOVERY_RATE = {
    "funds": 0.55,
    "issuer_decline": 0.4,
    "network": 0.7,
    "auth_timeout": 0.6,
    "upi_pending": 0.65,
    "card_invalid": 0.3,
    "fraud_risk": 0.1,
    "do_not_retry": 0.15,
    "unknown": 0.35,
}


@dataclass(slots=True)
class _Plan:
    """One transaction to write, with its events and attempts."""

    txn: Transaction
    events: list[dict[str, Any]]
    attempts: list[dict[str, Any]]


class _Generator:
    def __init__(
        self, *, organization: Organization, livemode: bool, seed: int, now: datetime, span: timedelta
    ) -> None:
        self.organization = organization
        self.livemode = livemode
        self.random = random.Random(seed)
        self.now = now
        self.span = span
        self.rules: RuleSet = classifier_ruleset_for(organization=organization)
        self.decisions: dict[tuple[str, str, str], Classification] = {}
        self.run = secrets.token_hex(3)

    def _decision(self, market: Market, code: str) -> Classification:
        key = (market.gateway, market.method, code)
        if key not in self.decisions:
            upi = market.method == "upi"
            request = ClassifierInput(
                gateway=market.gateway,
                code=code,
                payment_method_type=market.method,
                network_decline_code=code if upi else "",
            )
            self.decisions[key] = classify(rules=self.rules, request=request)
        return self.decisions[key]

    def _pick(self, options: tuple[tuple[int, Any], ...]) -> Any:
        return self.random.choices([value for _, value in options], [weight for weight, _ in options])[0]

    def _amount(self, market: Market) -> int:
        return max(
            100 if market.currency != "JPY" else 50, int(self.random.lognormvariate(0, 0.7) * market.typical_amount)
        )

    def _event(self, market: Market, code: str, decision: Classification, at: datetime, source: str) -> dict[str, Any]:
        return {
            "organization_id": self.organization.pk,
            "livemode": self.livemode,
            "occurred_at": at,
            "source": source,
            "gateway": market.gateway,
            "payment_method_type": market.method,
            "failure_code": "" if market.method == "upi" else code,
            "network_decline_code": code if market.method == "upi" else "",
            "category": decision.category,
            "retryable": decision.retryable,
            "action": decision.action,
            "recommendation": decision.recommendation,
            "alternatives": list(decision.alternatives),
            "cooldown_seconds": decision.cooldown_seconds,
            "rule": decision.rule,
            "explanation": decision.explanation,
            "created_at": at,
        }

    def plan(self, index: int) -> _Plan:
        rnd = self.random
        market = self._pick(tuple((market.weight, market) for market in MARKETS))
        code = self._pick(market.codes)
        decision = self._decision(market, code)
        # More failures lately: a growing merchant.
        failed_at = self.now - self.span * (1 - rnd.random() ** 0.8) - timedelta(seconds=rnd.randrange(60, 3600))
        amount = self._amount(market)
        txn = Transaction(
            organization=self.organization,
            livemode=self.livemode,
            transaction_ref=f"{DEMO_REF_PREFIX}{self.run}-{index:07d}",
            amount=amount,
            currency=market.currency,
            gateway=market.gateway,
            payment_method_type=market.method,
            customer_email=f"payer{index}@example.com",
            status=TransactionStatus.FAILED,
            category=decision.category,
            failure_count=1,
            first_failed_at=failed_at,
            last_failed_at=failed_at,
            created_at=failed_at,
            updated_at=self.now,
        )
        events = [self._event(market, code, decision, failed_at, EventSource.DEMO)]
        attempts: list[dict[str, Any]] = []
        recovers = rnd.random() < _RECOVERY_RATE.get(decision.category, 0.35)
        credit = self._pick(_CREDITS) if recovers else None
        channels = (Channel.AUTO_CHARGE, Channel.EMAIL) if decision.retryable else (Channel.EMAIL,)
        # Attempts before the outcome: none for a payer paying on their own before any.
        planned = 0 if credit == RecoveredBy.PAYER and rnd.random() < 0.8 else rnd.choice((1, 1, 1, 2, 2, 3, 4, 5, 6))
        if credit == RecoveredBy.AUTO_CHARGE:
            channels = (Channel.AUTO_CHARGE,)
        at = failed_at
        for number in range(1, planned + 1):
            at = at + timedelta(hours=rnd.choice((1, 6, 20, 24, 30, 48, 72)) * number)
            if at >= self.now:
                break
            channel = channels[(number - 1) % len(channels)]
            last = number == planned
            if channel == Channel.AUTO_CHARGE:
                status = AttemptStatus.CHARGED if last and credit == RecoveredBy.AUTO_CHARGE else AttemptStatus.FAILED
            else:
                status = AttemptStatus.SENT
            attempts.append(self._attempt(number, channel, status, at))
            if status == AttemptStatus.FAILED:
                txn.failure_count += 1
                txn.last_failed_at = at
                events.append(self._event(market, code, decision, at, EventSource.RETRY))
        acted = len(attempts)
        if credit == RecoveredBy.AUTO_CHARGE and (not attempts or attempts[-1]["status"] != AttemptStatus.CHARGED):
            credit = RecoveredBy.PAYER if not attempts else RecoveredBy.EMAIL_LINK
            if credit == RecoveredBy.EMAIL_LINK and not any(a["channel"] == Channel.EMAIL for a in attempts):
                credit = RecoveredBy.PAYER
        if credit == RecoveredBy.EMAIL_LINK and not any(a["channel"] == Channel.EMAIL for a in attempts):
            credit = RecoveredBy.PAYER
        if credit is not None:
            paid_at = (at if acted else failed_at) + timedelta(minutes=rnd.randrange(2, 60 * 30))
            if paid_at < self.now:
                txn.status = TransactionStatus.RECOVERED
                txn.recovered_by = credit
                txn.recovered_at = paid_at
                txn.recovered_amount = amount
                txn.recovered_after_attempts = acted
                if rnd.random() < 0.03:
                    txn.refunded_amount = amount if rnd.random() < 0.7 else max(1, amount // 2)
                    txn.refunded_at = min(paid_at + timedelta(days=rnd.randrange(1, 20)), self.now)
                return _Plan(txn, events, attempts)
        if self.now - failed_at < OPEN_WINDOW:
            txn.status = TransactionStatus.RECOVERING if attempts else TransactionStatus.FAILED
            following = max(at, self.now) + timedelta(hours=rnd.randrange(1, 72))
            attempts.append(
                self._attempt(
                    len(attempts) + 1, channels[len(attempts) % len(channels)], AttemptStatus.SCHEDULED, following
                )
            )
        else:
            txn.status = TransactionStatus.CANCELLED if rnd.random() < 0.05 else TransactionStatus.ABANDONED
        return _Plan(txn, events, attempts)

    def _attempt(self, number: int, channel: Channel, status: AttemptStatus, at: datetime) -> dict[str, Any]:
        acted = status != AttemptStatus.SCHEDULED
        return {
            "organization_id": self.organization.pk,
            "livemode": self.livemode,
            "number": number,
            "channel": channel,
            "scheduled_at": at,
            "status": status,
            "started_at": at if acted else None,
            "finished_at": at + timedelta(seconds=2) if acted else None,
            "tries": 1 if acted else 0,
            "reasons": [{"code": "demo.history", "text": f"Demo history: attempt {number}, {channel.label.lower()}."}],
            "error": "Declined by the issuer." if status == AttemptStatus.FAILED else "",
            "created_at": at,
            "updated_at": at,
        }


def demo_data_generate(
    *,
    organization: Organization,
    livemode: bool,
    failures: int,
    seed: int = 13,
    now: datetime | None = None,
    span: timedelta = HISTORY,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write `failures` failed transactions of the past `span` (a year unless told), with their events
    and attempts, in batches of their own transactions; returns how many were written. The rows are
    stamped as changed now, so the periodic refresh counts them; `generate_demo_data` rebuilds the
    rollups at once."""
    generator = _Generator(
        organization=organization, livemode=livemode, seed=seed, now=now or timezone.now(), span=span
    )
    written = 0
    while written < failures:
        plans = [generator.plan(written + offset) for offset in range(min(BATCH, failures - written))]
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_batch(plans)
            else:
                Transaction.objects.bulk_create([plan.txn for plan in plans])
                FailureEvent.objects.bulk_create(_events(plans))
                RecoveryAttempt.objects.bulk_create(_attempts(plans))
        written += len(plans)
        if progress is not None:
            progress(len(plans))
    return written


def _events(plans: list[_Plan]) -> list[FailureEvent]:
    return [FailureEvent(transaction=plan.txn, **event) for plan in plans for event in plan.events]


def _attempts(plans: list[_Plan]) -> list[RecoveryAttempt]:
    return [RecoveryAttempt(transaction=plan.txn, **attempt) for plan in plans for attempt in plan.attempts]


def _copy(model: type[models.Model], rows: list[Any], *, with_id: bool) -> None:
    """COPY `rows` into `model`'s table: several times faster than INSERT for a million rows."""
    fields = [field for field in model._meta.concrete_fields if with_id or not field.primary_key]
    for field in fields:
        if isinstance(field, PublicIdField):
            for row, public_id in zip(rows, new_public_ids(field.prefix, len(rows)), strict=True):
                setattr(row, field.attname, public_id)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    json_fields = {field.attname for field in fields if isinstance(field, models.JSONField)}
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    Jsonb(getattr(row, field.attname)) if field.attname in json_fields else getattr(row, field.attname)
                    for field in fields
                ]
            )


def _copy_batch(plans: list[_Plan]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Transaction._meta.db_table, len(plans)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for plan, pk in zip(plans, ids, strict=True):
        plan.txn.pk = pk
    _copy(Transaction, [plan.txn for plan in plans], with_id=True)
    _copy(FailureEvent, _events(plans), with_id=False)
    _copy(RecoveryAttempt, _attempts(plans), with_id=False)
