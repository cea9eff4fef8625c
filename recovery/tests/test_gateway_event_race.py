"""Stripe's two events for one decline, processed by two workers at the same moment.

Both record the same failure under one idempotency key; the second waits on the first at the
unique index and loses. A lost race is not a failure: it must see the winner and finish `done`.
Real concurrency needs real connections, on PostgreSQL (SQLite takes one writer at a time).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from payments.enums import WebhookEventStatus
from payments.interface import PaymentOutcome
from payments.models import GatewayAccount, WebhookEvent
from payments.services import webhook_event_process
from payments.tests.factories import GatewayAccountFactory, inbox_event
from payments.tests.payloads import fixture
from recovery.enums import TransactionEffect
from recovery.gateway_events import payment_outcome_handle
from recovery.models import FailureEvent, Transaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so two processors cannot race (set DATABASE_URL)",
    ),
]

WAIT = 10.0
_first_recorded = threading.Event()
_release_first = threading.Event()
_calls = 0
_calls_lock = threading.Lock()


def handle_and_hold_the_first(*, outcome: PaymentOutcome, account: GatewayAccount) -> None:
    """The real handler; the first call then keeps its transaction open until released."""
    global _calls
    payment_outcome_handle(outcome=outcome, account=account)
    with _calls_lock:
        _calls += 1
        first = _calls == 1
    if first:
        _first_recorded.set()
        _release_first.wait(WAIT)


def _process_in_thread(pk: int, statuses: dict[int, str]) -> threading.Thread:
    def run() -> None:
        try:
            statuses[pk] = webhook_event_process(webhook_event_id=pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for_a_blocked_backend() -> bool:
    deadline = time.monotonic() + WAIT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_the_loser_of_two_concurrent_processors_sees_the_winner_and_is_done(settings, caplog: Any) -> None:
    global _calls
    _calls = 0
    _first_recorded.clear()
    _release_first.clear()
    settings.PAYMENTS_OUTCOME_HANDLER = f"{__name__}.handle_and_hold_the_first"
    account = GatewayAccountFactory.stripe()
    intent_failed = inbox_event(account, fixture("stripe", "payment_intent.payment_failed.json")).pk
    charge_failed = inbox_event(account, fixture("stripe", "charge.failed.json")).pk
    statuses: dict[int, str] = {}
    caplog.set_level(logging.INFO)

    winner = _process_in_thread(intent_failed, statuses)
    try:
        assert _first_recorded.wait(WAIT), "the first processor never recorded the failure"
        loser = _process_in_thread(charge_failed, statuses)
        blocked = _wait_for_a_blocked_backend()
    finally:
        _release_first.set()
    winner.join(WAIT)
    loser.join(WAIT)

    assert blocked, "the second processor never waited on the first: no race happened"
    assert statuses == {intent_failed: WebhookEventStatus.DONE, charge_failed: WebhookEventStatus.DONE}
    rows = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert rows == {intent_failed: WebhookEventStatus.DONE, charge_failed: WebhookEventStatus.DONE}
    assert FailureEvent.objects.count() == 1
    assert Transaction.objects.get().failure_count == 1
    assert [record.msg for record in caplog.records if record.msg == "race_retried"] == ["race_retried"]
    effects = [record.effect for record in caplog.records if record.msg == "gateway_failure_recorded"]
    assert sorted(effects) == sorted([TransactionEffect.CREATED, TransactionEffect.UNCHANGED])
