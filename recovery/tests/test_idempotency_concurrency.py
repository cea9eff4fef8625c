"""50 identical requests at once: exactly one event, every answer a 201 (first or replay) or a 409.

Real concurrency needs real connections: each thread has its own database connection, on
PostgreSQL (SQLite takes one writer at a time, so the race cannot happen there).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
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


def _fire(api_key: str, count: int) -> list[Any]:
    barrier = threading.Barrier(count)
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

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
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

    class SlowFirstFailure(FirstFailure):
        def guards(self) -> list[Guard]:
            # The request that took the key's lock (advisory locks are re-entrant) holds it for a second.
            event = self.recorded.event
            lock_id = _lock_id(event.organization_id, event.livemode, event.idempotency_key)
            sleep = Guard(
                "CASE WHEN pg_try_advisory_xact_lock(%s) THEN pg_sleep(1.0) IS NOT NULL ELSE TRUE END", (lock_id,)
            )
            return [*super().guards(), sleep]

    def slow_first_failure(**kwargs: Any) -> FirstFailure:
        return SlowFirstFailure(recorded=first_failure(**kwargs).recorded)

    def slow_record(**kwargs: Any) -> Any:
        time.sleep(1.0)  # the transactional path holds the key as long
        return record(**kwargs)

    monkeypatch.setattr(ingest, "transaction_first_failure", slow_first_failure)
    monkeypatch.setattr(ingest, "transaction_record_failure", slow_record)

    kinds = _check(_fire(issued_api_key.plaintext, REQUESTS))

    assert kinds == Counter({"created": 1, "in_use": REQUESTS - 1})
