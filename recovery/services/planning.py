"""What comes after a recorded failure: the retry engine's next attempt, decided in the same
database transaction as the failure on every path that records one (API, batch, webhooks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from recovery.enums import TransactionEffect
from recovery.models import FailureEvent, Transaction
from retries.scheduling import (
    Planned,
    attempts_insert,
    first_attempt_build,
    first_attempts_build,
    recovery_replan_many,
)
from retries.selectors import decline_of


def first_step_build(*, txn: Transaction, event: FailureEvent, now: datetime) -> Planned:
    """A new transaction's first step, in memory (its attempt is written with the failure)."""
    return first_attempt_build(txn=txn, decline=decline_of(event), now=now)


def plan_recorded(recorded: Sequence[tuple[FailureEvent, TransactionEffect]], *, now: datetime) -> dict[int, Planned]:
    """The next step of each transaction that the failures just recorded opened or changed (keyed by
    transaction id): a new transaction's first attempt, planned without a query (each plan prepared
    once for all the transactions alike) and written in one statement for all; an open one's
    replanned from its history. A recovered or cancelled transaction that a late failure did not
    reopen gets none."""
    latest: dict[int, tuple[FailureEvent, TransactionEffect]] = {}
    for event, effect in recorded:
        if effect in (TransactionEffect.NOT_REOPENED, TransactionEffect.UNCHANGED):
            continue
        seen = latest.get(event.transaction_id)
        created = effect == TransactionEffect.CREATED or (seen is not None and seen[1] == TransactionEffect.CREATED)
        if seen is None or event.occurred_at >= seen[0].occurred_at:
            latest[event.transaction_id] = (event, TransactionEffect.CREATED if created else effect)
        elif created:
            latest[event.transaction_id] = (seen[0], TransactionEffect.CREATED)
    opened = [event for event, effect in latest.values() if effect == TransactionEffect.CREATED]
    reopened = {
        transaction_id: event
        for transaction_id, (event, effect) in latest.items()
        if effect != TransactionEffect.CREATED
    }
    firsts = first_attempts_build(opened=[(event.transaction, decline_of(event)) for event in opened], now=now)
    planned = {event.transaction_id: step for event, step in zip(opened, firsts, strict=True)}
    attempts_insert([step.attempt for step in planned.values() if step.attempt is not None])
    if reopened:
        planned.update(
            recovery_replan_many(transactions=[event.transaction for event in reopened.values()], events=reopened)
        )
    return planned
