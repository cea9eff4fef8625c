"""The retry engine's part of `load_demo`: recovery attempts in every state, sandbox re-charges that
will succeed and decline, an email due the moment Tinko starts, and transactions paused, recovered
by the merchant and abandoned, to try the controls on.

Past attempts are planned by the real planner on the clock of their day, so their reasons read as
the engine wrote them. Each story is told once, when its failure is first recorded (fixed
idempotency keys): loading the demo again changes nothing, whatever the dispatcher did since.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Organization
from messaging.services import recovery_link_issue
from recovery.enums import EventSource, RecoveredBy, TransactionEffect
from recovery.models import Transaction
from recovery.services import (
    Customer,
    FailureInput,
    PaymentReceived,
    transaction_mark_recovered,
    transaction_record_failures,
)
from retries.controls import recovery_pause
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.planner import History, NextStep, plan, reasons_as_json
from retries.scheduling import plan_context, policy_for, recovery_replan, time_zone_of
from retries.selectors import decline_of
from tinko.ids import new_public_id

DEMO_CARD_OK = "sbx_pm_card_ok"
DEMO_CARD_DECLINES = "sbx_pm_card_insufficient_funds"
DUE_NOW_REASON = {
    "code": "demo.due_now",
    "text": "demo: moved to the moment the demo was loaded, so that it runs as soon as Tinko starts",
}
_Outcomes = Mapping[Channel, AttemptStatus]


@dataclass(frozen=True)
class _Story:
    ref: str
    name: str
    ago: timedelta
    code: str
    network_code: str
    amount: int
    tell: Callable[[Transaction, datetime], None]
    saved_method: str = ""
    email: bool = True


def _failure(story: _Story, *, now: datetime) -> FailureInput:
    return FailureInput(
        transaction_ref=story.ref,
        amount=story.amount,
        currency="USD",
        occurred_at=now - story.ago,
        gateway="sandbox",
        failure_code=story.code,
        network_decline_code=story.network_code,
        payment_method_type="card",
        customer=Customer(email=f"{story.name.split()[0].lower()}@example.com" if story.email else "", name=story.name),
        # A US card: India's e-mandate rules do not hold its re-charges back.
        metadata={"source": "demo", "issuer_country": "US"},
        gateway_payment_method_id=story.saved_method,
        raw_payload={"demo": True, "transaction_ref": story.ref},
        idempotency_key=f"demo-recovery-{story.ref}",
        source=EventSource.DEMO,
    )


def _due_now(txn: Transaction, now: datetime) -> None:
    """The first attempt, as ingest planned it, made due now for the dispatcher's first round."""
    attempt = RecoveryAttempt.objects.get(transaction=txn, status=AttemptStatus.SCHEDULED)
    attempt.scheduled_at = now
    attempt.reasons = [*attempt.reasons, DUE_NOW_REASON]
    attempt.save(update_fields=["scheduled_at", "reasons"])


_DEMO_ERRORS = {
    AttemptStatus.FAILED: "declined: do_not_honor (05)",
    AttemptStatus.SKIPPED: "no sandbox gateway account was connected in test mode",
}


def _acted(txn: Transaction, step: NextStep, *, number: int, status: AttemptStatus, now: datetime) -> RecoveryAttempt:
    """An attempt planned for `step` and run as `status` says, written as the dispatcher would have;
    one in progress was claimed just now (Tinko was not running when it fell due)."""
    started = now - timedelta(seconds=30) if status == AttemptStatus.IN_PROGRESS else step.at + timedelta(seconds=2)
    finished: datetime | None = None
    if status in (AttemptStatus.CHARGED, AttemptStatus.FAILED, AttemptStatus.SENT):
        finished = started + timedelta(seconds=3)
    elif status == AttemptStatus.SKIPPED:
        finished = step.at
    attempt = RecoveryAttempt(
        organization_id=txn.organization_id,
        livemode=txn.livemode,
        public_id=new_public_id("att"),
        transaction=txn,
        number=number,
        channel=step.channel,
        scheduled_at=step.at,
        status=status,
        reasons=reasons_as_json(step.reasons),
        error=_DEMO_ERRORS.get(status, ""),
        started_at=None if status == AttemptStatus.SKIPPED else started,
        finished_at=finished,
        created_at=step.at,
        updated_at=finished or started,
    )
    if status in (AttemptStatus.CHARGED, AttemptStatus.FAILED):
        attempt.gateway_payment_id = f"sbx_pay_demo_{txn.transaction_ref.lower()}_{number}"
        attempt.idempotency_key = f"tinko-attempt-demo-{txn.transaction_ref}-{number}"
    attempt.save(force_insert=True)
    return attempt


def _played(txn: Transaction, outcomes: Sequence[_Outcomes], *, now: datetime) -> list[RecoveryAttempt]:
    """The attempts the engine would have made since the failure, each planned by the pure planner
    on the clock of the one before, and run with the status its story gives its channel."""
    RecoveryAttempt.objects.filter(transaction=txn).delete()  # the story starts from the failure
    organization = txn.organization
    policy, zone, context = policy_for(organization=organization), time_zone_of(organization), plan_context(txn)
    event = txn.events.get()
    attempts: list[RecoveryAttempt] = []
    clock = event.occurred_at
    for number, outcome in enumerate(outcomes, start=1):
        history = History(
            first_failed_at=txn.first_failed_at,
            attempts=tuple(attempt.past() for attempt in attempts),
            card_declines=(event.occurred_at,),
        )
        step = plan(
            policy=policy, decline=decline_of(event), history=history, now=clock, time_zone=zone, context=context
        )
        if not isinstance(step, NextStep) or step.at >= now:
            raise RuntimeError(f"The demo story of {txn.transaction_ref} no longer fits the default policy: {step}")
        attempt = _acted(txn, step, number=number, status=outcome[step.channel], now=now)
        if attempt.status == AttemptStatus.SENT:
            recovery_link_issue(transaction=txn, lifetime=policy.link_lifetime, attempt_number=number)
        attempts.append(attempt)
        clock = step.at
    return attempts


def _recovered_by_recharge(txn: Transaction, now: datetime) -> None:
    """Declined, emailed, declined again, then re-charged: the attempt still scheduled is cancelled."""
    attempts = _played(
        txn,
        [
            {Channel.AUTO_CHARGE: AttemptStatus.FAILED, Channel.EMAIL: AttemptStatus.SENT},
            {Channel.AUTO_CHARGE: AttemptStatus.FAILED, Channel.EMAIL: AttemptStatus.SENT},
            {Channel.AUTO_CHARGE: AttemptStatus.CHARGED, Channel.EMAIL: AttemptStatus.SENT},
        ],
        now=now,
    )
    charged = attempts[-1]
    recovery_replan(transaction=txn)
    payment = PaymentReceived(
        transaction_ref=txn.transaction_ref,
        amount=txn.amount,
        currency=txn.currency,
        paid_at=charged.finished_at or now,
        gateway="sandbox",
        gateway_payment_id=charged.gateway_payment_id,
    )
    transaction_mark_recovered(organization=txn.organization, livemode=txn.livemode, payment=payment)


def _recharge_running(txn: Transaction, now: datetime) -> None:
    """No address to email: a re-charge skipped (no gateway connected yet), one declined, one under way."""
    _played(
        txn,
        [
            {Channel.AUTO_CHARGE: AttemptStatus.SKIPPED},
            {Channel.AUTO_CHARGE: AttemptStatus.FAILED},
            {Channel.AUTO_CHARGE: AttemptStatus.IN_PROGRESS},
        ],
        now=now,
    )


def _paid_to_the_merchant(txn: Transaction, now: datetime) -> None:
    payment = PaymentReceived(
        transaction_ref=txn.transaction_ref,
        amount=txn.amount,
        currency=txn.currency,
        paid_at=now - timedelta(hours=1),
        recovered_by=RecoveredBy.MERCHANT,
        note="Paid by bank transfer",
    )
    transaction_mark_recovered(organization=txn.organization, livemode=txn.livemode, payment=payment)


def _paused(txn: Transaction, now: datetime) -> None:
    recovery_pause(organization=txn.organization, livemode=txn.livemode, transaction_ref=txn.transaction_ref)


def _abandoned(txn: Transaction, now: datetime) -> None:
    """Failed longer ago than the policy waits: planning again gives it up, and it can be restarted."""
    recovery_replan(transaction=txn)


DEMO_STORIES = (
    _Story("DS-2001", "Noah Miller", timedelta(hours=3), "processing_error", "96", 4900, _due_now, DEMO_CARD_OK),
    _Story("DS-2002", "Emma Brown", timedelta(hours=4), "processing_error", "96", 12900, _due_now, DEMO_CARD_DECLINES),
    _Story("DS-2003", "Liam Wilson", timedelta(hours=1), "expired_card", "54", 2900, _due_now),
    # Ten days back leaves room for three attempts' backoff, jitter and send windows before now.
    _Story(
        "DS-2004",
        "Olivia Davis",
        timedelta(days=10),
        "do_not_honor",
        "05",
        9900,
        _recovered_by_recharge,
        DEMO_CARD_OK,
    ),
    _Story(
        "DS-2005",
        "Ethan Moore",
        timedelta(days=10),
        "do_not_honor",
        "05",
        7900,
        _recharge_running,
        DEMO_CARD_OK,
        email=False,
    ),
    _Story("DS-2006", "Mia Taylor", timedelta(days=2), "do_not_honor", "05", 19900, _paid_to_the_merchant),
    _Story("DS-2007", "Lucas Anderson", timedelta(hours=6), "do_not_honor", "05", 3900, _paused),
    _Story("DS-2008", "Ava Thomas", timedelta(days=20), "do_not_honor", "05", 5900, _abandoned),
)


def demo_recoveries_load(*, organization: Organization) -> None:
    """Record the stories' failures in the organization's test data and tell each story the first
    time its failure is recorded."""
    now = timezone.now()
    results = transaction_record_failures(
        organization=organization, livemode=False, failures=[_failure(story, now=now) for story in DEMO_STORIES]
    )
    for story, result in zip(DEMO_STORIES, results, strict=True):
        if isinstance(result, Exception):
            raise result
        if result.created and result.transaction_effect == TransactionEffect.CREATED:
            result.transaction.organization = organization
            story.tell(result.transaction, now)
