"""50 identical requests at once: exactly one event, every answer a 201 (first or replay) or a 409.

Real concurrency needs real connections: each thread has its own database connection, on
PostgreSQL (SQLite takes one writer at a time, so the race cannot happen there).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from recovery.models import FailureEvent, Transaction
from recovery.services import FirstFailure, ingest
from tinko.idempotency import _lock_id
from tinko.models import IdempotencyKey
from tinko.sql import Guard

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so concurrent requests cannot race (set DATABASE_URL)",
    ),
]

REQUESTS = 50
# How long the test waits for an answer before it fails instead of hanging.
ANSWER_TIMEOUT_SECONDS = 30
BODY = json.dumps(
    {
        "transaction_ref": "order-race",
        "amount": 4900,
        "currency": "USD",
        "gateway": "stripe",
        "failure_code": "insufficient_funds",
        "payment_method_type": "card",
    }
)


def _fire(api_key: str, count: int, *, meanwhile: Callable[[threading.Semaphore], None] | None = None) -> list[Any]:
    """`count` identical requests at once, each on its own thread and connection; `meanwhile` runs
    on this thread while they are out, given a semaphore released once per answer."""
    barrier = threading.Barrier(count)
    answered = threading.Semaphore(0)
    responses: list[Any] = [None] * count

    def worker(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
        try:
            barrier.wait()
            responses[index] = client.post(
                "/v1/events/payment_failed", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY="race-key"
            )
        finally:
            connections.close_all()
            answered.release()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    if meanwhile is not None:
        meanwhile(answered)
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _check(responses: list[Any]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    first_bodies = set()
    for response in responses:
        assert response is not None
        if response.status_code == 201 and response.has_header("Idempotent-Replayed"):
            kinds["replayed"] += 1
            first_bodies.add(response.content)
        elif response.status_code == 201:
            kinds["created"] += 1
            first_bodies.add(response.content)
        else:
            assert response.status_code == 409, response.content
            assert response.json()["error"]["code"] == "idempotency_key_in_use"
            kinds["in_use"] += 1
    assert kinds["created"] == 1
    assert len(first_bodies) == 1  # every replay is byte for byte the first response
    assert FailureEvent.objects.count() == 1
    assert Transaction.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    return kinds


def test_fifty_identical_requests_make_one_event(issued_api_key) -> None:
    kinds = _check(_fire(issued_api_key.plaintext, REQUESTS))

    assert sum(kinds.values()) == REQUESTS


def test_requests_arriving_while_the_first_runs_get_409(issued_api_key, monkeypatch) -> None:
    first_failure, record = ingest.transaction_first_failure, ingest.transaction_record_failure
    # The request that takes the key's lock holds it until every other request has answered: on
    # the one-statement path it waits for an advisory lock this test holds, on the transactional
    # path for an event. However slowly the others arrive, each finds the key in use.
    release_lock = 0x7E57_1D3
    released = threading.Event()

    class HeldFirstFailure(FirstFailure):
        def guards(self) -> list[Guard]:
            event = self.recorded.event
            lock_id = _lock_id(event.organization_id, event.livemode, event.idempotency_key)
            # Advisory locks are re-entrant: only the request that holds the key's lock waits.
            hold = Guard(
                "CASE WHEN pg_try_advisory_xact_lock(%s) THEN pg_advisory_xact_lock_shared(%s) IS NOT NULL "
                "ELSE TRUE END",
                (lock_id, release_lock),
            )
            return [*super().guards(), hold]

    def held_first_failure(**kwargs: Any) -> FirstFailure:
        return HeldFirstFailure(recorded=first_failure(**kwargs).recorded)

    def held_record(**kwargs: Any) -> Any:
        released.wait(timeout=ANSWER_TIMEOUT_SECONDS)
        return record(**kwargs)

    monkeypatch.setattr(ingest, "transaction_first_failure", held_first_failure)
    monkeypatch.setattr(ingest, "transaction_record_failure", held_record)

    def release_once_the_others_answered(answered: threading.Semaphore) -> None:
        try:
            for _ in range(REQUESTS - 1):
                assert answered.acquire(timeout=ANSWER_TIMEOUT_SECONDS), "a request never answered"
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [release_lock])
            released.set()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [release_lock])
    kinds = _check(_fire(issued_api_key.plaintext, REQUESTS, meanwhile=release_once_the_others_answered))

    assert kinds == Counter({"created": 1, "in_use": REQUESTS - 1})
