"""The merchant's controls: pause, resume, cancel and restart a transaction's recovery, and a link of
its own to send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from messaging.enums import LinkStatus
from messaging.models import RecoveryLink
from messaging.services import recovery_link_issue
from payments.tests.factories import GatewayAccountFactory
from recovery.enums import RecoveredBy, TransactionEffect, TransactionStatus
from recovery.models import Transaction
from recovery.services import PaymentReceived, transaction_mark_recovered
from recovery.tests.factories import record_failure
from retries.controls import (
    ControlResult,
    merchant_link_issue,
    recovery_cancel,
    recovery_pause,
    recovery_restart,
    recovery_resume,
)
from retries.enums import AttemptStatus, Channel
from retries.exceptions import RecoveryConflict, TransactionNotFound
from retries.models import RecoveryAttempt
from retries.planner import PastAttempt, StopKind
from retries.scheduling import recovery_replan
from retries.selectors import planning_facts
from retries.tests import factories

pytestmark = pytest.mark.django_db

# Thursday 3 December 2026, 10:00 UTC; the organization's time zone is UTC.
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
Control = Callable[..., ControlResult]


def act(control: Control, txn: Transaction, *, at: datetime) -> ControlResult:
    with time_machine.travel(at, tick=False):
        return control(organization=txn.organization, livemode=txn.livemode, transaction_ref=txn.transaction_ref)


def attempts(txn: Transaction) -> list[tuple[int, str, str]]:
    return list(
        RecoveryAttempt.objects.filter(transaction=txn).order_by("number").values_list("number", "channel", "status")
    )


def snapshot(txn: Transaction) -> tuple[Any, ...]:
    """Everything a control could change."""
    row = Transaction.objects.get(pk=txn.pk)
    return (
        row.status,
        row.recovery_paused_at,
        row.recovery_restarted_at,
        row.updated_at,
        list(RecoveryAttempt.objects.filter(transaction=txn).order_by("number").values()),
        list(RecoveryLink.objects.filter(transaction=txn).values_list("status", flat=True)),
    )


def failed_at(txn: Transaction, at: datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return record_failure(
            organization=txn.organization, transaction_ref=txn.transaction_ref, amount=txn.amount, occurred_at=at
        )


@pytest.fixture
def txn(organization) -> Transaction:
    with time_machine.travel(T0, tick=False):
        return record_failure(organization=organization, transaction_ref="order-1042", amount=2000).transaction


def abandon(txn: Transaction, *, at: datetime) -> None:
    """As the planner abandons a transaction once its give-up time passed."""
    with time_machine.travel(at, tick=False):
        recovery_replan(transaction=txn)
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.ABANDONED


def test_pausing_cancels_what_was_scheduled_and_nothing_is_planned_until_resumed(txn) -> None:
    paused = act(recovery_pause, txn, at=T0 + timedelta(hours=1))

    assert (paused.changed, paused.next_step) == (True, None)
    txn.refresh_from_db()
    assert txn.recovery_paused_at == T0 + timedelta(hours=1)
    assert RecoveryAttempt.objects.get(transaction=txn).error == "recovery paused by the merchant"
    assert attempts(txn) == [(1, Channel.EMAIL, AttemptStatus.CANCELLED)]

    again = failed_at(txn, T0 + timedelta(hours=2))

    assert again.transaction_effect == TransactionEffect.UPDATED
    assert again.next_step.attempt is None
    assert again.next_step.as_data() == {
        "action": "paused",
        "attempt": None,
        "number": None,
        "scheduled_at": None,
        "reasons": [
            {
                "code": "control.paused",
                "text": "recovery paused by the merchant on Thu 3 Dec 11:00 UTC: "
                "nothing is scheduled until it is resumed",
            }
        ],
    }
    assert attempts(txn) == [(1, Channel.EMAIL, AttemptStatus.CANCELLED)]

    resumed = act(recovery_resume, txn, at=T0 + timedelta(hours=3))

    txn.refresh_from_db()
    assert resumed.changed is True
    assert txn.recovery_paused_at is None
    assert attempts(txn) == [(1, Channel.EMAIL, AttemptStatus.CANCELLED), (2, Channel.EMAIL, AttemptStatus.SCHEDULED)]
    planned = RecoveryAttempt.objects.get(transaction=txn, number=2)
    assert resumed.next_step is not None
    assert resumed.next_step.attempt == planned
    assert planned.reasons[0] == {
        "code": "control.resumed",
        "text": "recovery resumed by the merchant on Thu 3 Dec 13:00 UTC",
    }
    assert planned.scheduled_at > T0 + timedelta(hours=3)


def test_pausing_a_paused_or_resuming_a_running_recovery_changes_nothing(txn) -> None:
    act(recovery_pause, txn, at=T0 + timedelta(hours=1))
    before = snapshot(txn)

    assert act(recovery_pause, txn, at=T0 + timedelta(hours=2)).changed is False
    assert snapshot(txn) == before

    act(recovery_resume, txn, at=T0 + timedelta(hours=3))
    before = snapshot(txn)

    assert act(recovery_resume, txn, at=T0 + timedelta(hours=4)).changed is False
    assert snapshot(txn) == before


def test_an_attempt_already_running_finishes_when_recovery_is_paused(txn) -> None:
    running = factories.attempt(
        transaction=txn, number=2, channel=Channel.AUTO_CHARGE, status=AttemptStatus.IN_PROGRESS, started_at=T0
    )

    act(recovery_pause, txn, at=T0 + timedelta(hours=1))

    running.refresh_from_db()
    assert running.status == AttemptStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("status", "control", "code", "message"),
    [
        (
            TransactionStatus.RECOVERED,
            recovery_pause,
            "transaction_recovered",
            "Transaction 'order-1042' was recovered: it cannot be paused.",
        ),
        (
            TransactionStatus.CANCELLED,
            recovery_pause,
            "transaction_cancelled",
            "Transaction 'order-1042' was cancelled: it cannot be paused.",
        ),
        (
            TransactionStatus.ABANDONED,
            recovery_pause,
            "transaction_abandoned",
            "Transaction 'order-1042' was abandoned (restart it to try again): it cannot be paused.",
        ),
        (
            TransactionStatus.RECOVERED,
            recovery_resume,
            "transaction_recovered",
            "Transaction 'order-1042' was recovered: it cannot be resumed.",
        ),
        (
            TransactionStatus.ABANDONED,
            recovery_resume,
            "transaction_abandoned",
            "Transaction 'order-1042' was abandoned (restart it to try again): it cannot be resumed.",
        ),
        (
            TransactionStatus.RECOVERED,
            recovery_cancel,
            "transaction_recovered",
            "Transaction 'order-1042' was recovered: it cannot be cancelled.",
        ),
        (
            TransactionStatus.RECOVERED,
            recovery_restart,
            "transaction_recovered",
            "Transaction 'order-1042' was recovered: it cannot be restarted.",
        ),
        (
            TransactionStatus.CANCELLED,
            recovery_restart,
            "transaction_cancelled",
            "Transaction 'order-1042' was cancelled: it cannot be restarted.",
        ),
    ],
)
def test_a_control_the_state_refuses_is_a_conflict_that_changes_nothing(
    txn, status: str, control: Control, code: str, message: str
) -> None:
    Transaction.objects.filter(pk=txn.pk).update(status=status)
    before = snapshot(txn)

    with pytest.raises(RecoveryConflict) as refused:
        act(control, txn, at=T0 + timedelta(hours=1))

    assert (refused.value.code, refused.value.message) == (code, message)
    assert snapshot(txn) == before


def test_resuming_after_the_give_up_time_gives_the_transaction_up(txn) -> None:
    act(recovery_pause, txn, at=T0 + timedelta(hours=1))

    resumed = act(recovery_resume, txn, at=T0 + timedelta(days=15))

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.ABANDONED
    assert resumed.next_step is not None
    assert resumed.next_step.as_data()["action"] == "give_up"
    assert [reason["code"] for reason in resumed.next_step.as_data()["reasons"]] == ["control.resumed", "stop.gave_up"]


def test_cancelling_closes_the_transaction_its_attempts_and_its_links(txn) -> None:
    act(recovery_pause, txn, at=T0 + timedelta(minutes=30))
    link = recovery_link_issue(transaction=txn, lifetime=timedelta(days=3)).link

    cancelled = act(recovery_cancel, txn, at=T0 + timedelta(hours=1))

    txn.refresh_from_db()
    link.refresh_from_db()
    assert cancelled.changed is True
    assert (txn.status, txn.recovery_paused_at) == (TransactionStatus.CANCELLED, None)
    assert attempts(txn) == [(1, Channel.EMAIL, AttemptStatus.CANCELLED)]
    assert link.status == LinkStatus.REVOKED

    before = snapshot(txn)
    assert act(recovery_cancel, txn, at=T0 + timedelta(hours=2)).changed is False
    assert snapshot(txn) == before

    late = failed_at(txn, T0 + timedelta(hours=3))
    assert (late.transaction_effect, late.next_step) == (TransactionEffect.NOT_REOPENED, None)
    assert Transaction.objects.get(pk=txn.pk).status == TransactionStatus.CANCELLED


def test_an_abandoned_transaction_is_cancelled_too(txn) -> None:
    abandon(txn, at=T0 + timedelta(days=15))

    act(recovery_cancel, txn, at=T0 + timedelta(days=16))

    assert Transaction.objects.get(pk=txn.pk).status == TransactionStatus.CANCELLED


def test_restarting_an_abandoned_transaction_counts_its_attempts_and_give_up_time_afresh(txn) -> None:
    RecoveryAttempt.objects.filter(transaction=txn).delete()
    for number in range(1, 7):
        # Each written when it ran (planning tells the attempts before a restart by their times).
        with time_machine.travel(T0 + timedelta(days=number), tick=False):
            factories.attempt(
                transaction=txn,
                number=number,
                scheduled_at=T0 + timedelta(days=number),
                status=AttemptStatus.FAILED,
                finished_at=T0 + timedelta(days=number),
            )
    abandon(txn, at=T0 + timedelta(days=7))
    restart_at = T0 + timedelta(days=20)

    restarted = act(recovery_restart, txn, at=restart_at)

    txn.refresh_from_db()
    assert restarted.changed is True
    assert (txn.status, txn.recovery_restarted_at) == (TransactionStatus.FAILED, restart_at)
    planned = RecoveryAttempt.objects.get(transaction=txn, status=AttemptStatus.SCHEDULED)
    assert restarted.next_step is not None
    assert restarted.next_step.attempt == planned
    assert planned.number == 7
    assert restart_at < planned.scheduled_at < restart_at + timedelta(days=14)
    assert planned.reasons[0] == {
        "code": "control.restarted",
        "text": "recovery restarted by the merchant on Wed 23 Dec 10:00 UTC: "
        "attempts and the 14 days before giving up count afresh",
    }
    backoff = next(reason["text"] for reason in planned.reasons if reason["code"] == "schedule.backoff")
    # Counted from the restart, 20 days after the failure, and said so.
    assert backoff.startswith("attempt 1 of 6: 1 day after Wed 23 Dec 10:00 UTC")
    # And the give-up time too: given up again 14 days after the restart.
    with time_machine.travel(restart_at + timedelta(days=14, minutes=1), tick=False):
        again = recovery_replan(transaction=txn)
    assert again.stop is not None
    assert [reason.text for reason in again.stop.reasons] == ["gave up: 14 days after the restart"]


def test_a_restarted_recovery_still_counts_its_earlier_re_charges_against_the_card_networks_cap(organization) -> None:
    GatewayAccountFactory.stripe(organization=organization)
    with time_machine.travel(T0, tick=False):
        txn = record_failure(
            organization=organization, transaction_ref="order-7", gateway_payment_method_id="pm_1Saved"
        ).transaction
    RecoveryAttempt.objects.filter(transaction=txn).delete()
    for number in range(1, 16):
        at = T0 + timedelta(hours=number)
        factories.attempt(
            transaction=txn,
            number=number,
            channel=Channel.AUTO_CHARGE,
            scheduled_at=at,
            status=AttemptStatus.FAILED,
            finished_at=at,
            created_at=at,
        )
    abandon(txn, at=T0 + timedelta(days=1))

    act(recovery_restart, txn, at=T0 + timedelta(days=2))

    planned = RecoveryAttempt.objects.get(transaction=txn, status=AttemptStatus.SCHEDULED)
    assert planned.channel == Channel.EMAIL, "15 re-charges in 30 days: the card may not be re-charged yet"
    assert "cap.reattempts_30_days" in [reason["code"] for reason in planned.reasons]


def test_giving_up_revokes_the_links_so_that_a_restart_never_brings_them_back(txn) -> None:
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        link = recovery_link_issue(transaction=txn, lifetime=timedelta(days=30)).link
    abandon(txn, at=T0 + timedelta(days=15))
    link.refresh_from_db()
    assert link.status == LinkStatus.REVOKED

    act(recovery_restart, txn, at=T0 + timedelta(days=16))

    link.refresh_from_db()
    assert link.status == LinkStatus.REVOKED, "the payer gets a new link with the restarted recovery"


def test_restarting_a_recovery_still_running_changes_nothing_and_a_paused_one_is_resumed_instead(txn) -> None:
    before = snapshot(txn)
    assert act(recovery_restart, txn, at=T0 + timedelta(hours=1)).changed is False
    assert snapshot(txn) == before

    act(recovery_pause, txn, at=T0 + timedelta(hours=2))
    before = snapshot(txn)
    with pytest.raises(RecoveryConflict) as refused:
        act(recovery_restart, txn, at=T0 + timedelta(hours=3))

    assert (refused.value.code, refused.value.message) == (
        "transaction_paused",
        "Transaction 'order-1042' is paused (resume it): it cannot be restarted.",
    )
    assert snapshot(txn) == before


@pytest.mark.parametrize("control", [recovery_pause, recovery_resume, recovery_cancel, recovery_restart])
def test_a_control_finds_only_its_own_modes_transactions(txn, control: Control) -> None:
    before = snapshot(txn)

    with pytest.raises(TransactionNotFound):
        control(organization=txn.organization, livemode=True, transaction_ref=txn.transaction_ref)
    with pytest.raises(TransactionNotFound):
        control(organization=txn.organization, livemode=False, transaction_ref="order-unknown")

    assert snapshot(txn) == before


def test_a_merchant_gets_a_new_link_each_time_valid_as_long_as_the_policy_says(txn, settings) -> None:
    settings.PUBLIC_BASE_URL = "https://tinko.example.com"
    settings.RETRY_POLICIES_CHECK_SECONDS = 0
    factories.policy(organization=txn.organization, link_lifetime=timedelta(hours=48))

    with time_machine.travel(T0, tick=False):
        first = merchant_link_issue(organization=txn.organization, livemode=False, transaction_ref="order-1042")
        second = merchant_link_issue(organization=txn.organization, livemode=False, transaction_ref="order-1042")

    assert first.url.startswith("https://tinko.example.com/pay/retry/rlk_")
    assert first.url != second.url
    assert first.expires_at == T0 + timedelta(hours=48)
    assert list(RecoveryLink.objects.filter(transaction=txn).values_list("attempt_number", "status")) == [
        (None, LinkStatus.ACTIVE),
        (None, LinkStatus.ACTIVE),
    ]


@pytest.mark.parametrize(
    "status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED, TransactionStatus.ABANDONED]
)
def test_no_link_for_a_settled_transaction_or_an_unknown_one(txn, status: str) -> None:
    Transaction.objects.filter(pk=txn.pk).update(status=status)

    with pytest.raises(RecoveryConflict) as refused:
        merchant_link_issue(organization=txn.organization, livemode=False, transaction_ref="order-1042")
    with pytest.raises(TransactionNotFound):
        merchant_link_issue(organization=txn.organization, livemode=True, transaction_ref="order-1042")

    assert refused.value.code == f"transaction_{status}"
    assert not RecoveryLink.objects.exists()


def test_a_paused_transaction_paid_is_recovered_and_no_longer_paused(txn) -> None:
    act(recovery_pause, txn, at=T0 + timedelta(hours=1))

    transaction_mark_recovered(
        organization=txn.organization,
        livemode=False,
        payment=PaymentReceived(
            transaction_ref="order-1042", amount=2000, currency="USD", paid_at=timezone.now(), gateway="stripe"
        ),
    )

    txn.refresh_from_db()
    assert (txn.status, txn.recovered_by, txn.recovery_paused_at) == (
        TransactionStatus.RECOVERED,
        RecoveredBy.PAYER,
        None,
    )


def test_the_planners_history_after_a_restart(txn) -> None:
    RecoveryAttempt.objects.filter(transaction=txn).delete()
    before = factories.attempt(
        transaction=txn, number=1, channel=Channel.AUTO_CHARGE, created_at=T0, scheduled_at=T0 + timedelta(hours=1)
    )
    factories.attempt(transaction=txn, number=2, channel=Channel.EMAIL, created_at=T0)
    factories.attempt(
        transaction=txn,
        number=3,
        channel=Channel.AUTO_CHARGE,
        created_at=T0,
        status=AttemptStatus.CANCELLED,
        finished_at=T0,
    )
    after = factories.attempt(transaction=txn, number=4, created_at=T0 + timedelta(days=1))
    txn.recovery_restarted_at = T0 + timedelta(days=1)

    facts = planning_facts(transaction_ids=[txn.pk])[txn.pk]
    history = facts.history(txn)
    assert history.attempts == (
        PastAttempt(number=4, channel=Channel.EMAIL, at=after.scheduled_at, status=AttemptStatus.SCHEDULED),
    )
    assert history.other_reattempts == (before.scheduled_at,)
    assert facts.next_number == 5, "numbers go on across a restart"


def test_as_data_names_every_way_planning_stops() -> None:
    assert {str(kind) for kind in StopKind} == {"give_up", "wait", "paused"}
