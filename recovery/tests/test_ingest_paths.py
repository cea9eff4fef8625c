"""The two write paths of single-event ingest give the same answers and the same rows.

On PostgreSQL a new transaction's first failure under a fresh key is written by one statement;
everything else takes the transactional path. The same requests are sent twice, once as they
come and once with the one-statement path switched off, with time frozen and public ids
numbered, and everything a client or the database can see is compared.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from recovery.models import FailureEvent, Transaction
from recovery.services import failures, ingest
from retries import scheduling
from retries.models import RecoveryAttempt
from tinko import sql
from tinko.models import IdempotencyKey

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's (set DATABASE_URL)"
    ),
]

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
BODY: dict[str, Any] = {
    "transaction_ref": "order_7001",
    "amount": 49900,
    "currency": "INR",
    "gateway": "razorpay",
    "failure_code": "insufficient_funds",
    "failure_message": "Insufficient balance.",
    "payment_method_type": "upi",
    "occurred_at": "2026-11-20T09:15:00+05:30",
    "customer": {"email": "asha@example.com", "phone": "+919876543210", "name": "Asha Rao"},
    "metadata": {"plan": "annual"},
}
# (idempotency key, body): a first failure, its replay, a second failure of the same payment,
# a key reused for another body, a conflicting amount, and two more payments' first failures (one
# with only the required fields).
SCENARIO: list[tuple[str, dict[str, Any]]] = [
    ("k1", BODY),
    ("k1", BODY),
    ("k2", {**BODY, "failure_code": "do_not_honor", "occurred_at": "2026-11-20T09:20:00+05:30"}),
    ("k1", {**BODY, "amount": 100}),
    ("k3", {**BODY, "amount": 100}),
    ("k4", {**BODY, "transaction_ref": "order_7002", "failure_code": "BAD_REQUEST_ERROR", "customer": {}}),
    ("k5", {"transaction_ref": "order_7003", "amount": 1200, "currency": "JPY"}),
]


_ID = re.compile(r"(txn|fev|att)_\d{22}")


def _numbered_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count(1)
    monkeypatch.setattr(failures, "new_public_id", lambda prefix: f"{prefix}_{next(counter):022d}")
    monkeypatch.setattr(
        failures, "new_public_ids", lambda prefix, count: [f"{prefix}_{next(counter):022d}" for _ in range(count)]
    )
    monkeypatch.setattr(scheduling, "new_public_id", lambda prefix: f"{prefix}_{next(counter):022d}")


def _send(client: APIClient) -> list[tuple[int, bytes, str | None]]:
    answers = []
    with time_machine.travel(NOW, tick=False):
        for key, body in SCENARIO:
            response = client.post(
                "/v1/events/payment_failed", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
            )
            answers.append((response.status_code, response.content, response.headers.get("Idempotent-Replayed")))
    return answers


def _rows() -> dict[str, list[Any]]:
    return {
        "transactions": list(Transaction.objects.order_by("public_id").values()),
        "events": list(FailureEvent.objects.order_by("public_id").values()),
        "keys": list(IdempotencyKey.objects.order_by("key").values()),
        "attempts": list(RecoveryAttempt.objects.order_by("public_id").values()),
    }


def _without_ids(rows: dict[str, list[Any]]) -> dict[str, list[dict[str, Any]]]:
    # Database ids come from sequences, which a rolled-back or second run does not reuse.
    return {
        table: [{name: value for name, value in row.items() if name not in {"id", "transaction_id"}} for row in rows_]
        for table, rows_ in rows.items()
    }


def _in_order_of_appearance(answers: list[Any], rows: dict[str, Any]) -> str:
    """Everything as text with public ids renumbered as they first appear: the one-statement
    path draws ids for a new payment before it learns that the payment exists, so the second
    run's numbers differ, though not their pattern."""
    text = repr((answers, _without_ids(rows)))
    names: dict[str, str] = {}
    return _ID.sub(lambda match: names.setdefault(match.group(0), f"{match.group(1)}#{len(names)}"), text)


def _clear() -> None:
    RecoveryAttempt.objects.all().delete()
    FailureEvent.objects.all().delete()
    Transaction.objects.all().delete()
    IdempotencyKey.objects.all().delete()


def test_one_statement_and_transactional_paths_answer_and_write_the_same(api_client, monkeypatch) -> None:
    one_statement: list[bool] = []
    in_one_statement = ingest._in_one_statement

    def watched(**kwargs: Any) -> Any:
        result = in_one_statement(**kwargs)
        one_statement.append(result is not None)
        return result

    monkeypatch.setattr(ingest, "_in_one_statement", watched)
    _numbered_ids(monkeypatch)
    fast_answers = _send(api_client)
    fast_rows = _rows()

    _clear()
    monkeypatch.setattr(ingest, "_in_one_statement", lambda **kwargs: None)
    _numbered_ids(monkeypatch)
    slow_answers = _send(api_client)
    slow_rows = _rows()

    # The new payments' first failures took the one statement; the rest fell back.
    assert one_statement == [True, False, False, False, False, True, True]
    assert [status for status, _, _ in fast_answers] == [201, 201, 201, 422, 409, 201, 201]
    assert [replayed for _, _, replayed in fast_answers] == [None, "true", None, None, None, None, None]
    assert _in_order_of_appearance(fast_answers, fast_rows) == _in_order_of_appearance(slow_answers, slow_rows)
    assert [len(rows) for rows in fast_rows.values()] == [3, 4, 4, 2], "order_7003 has no way to reach its payer"


def test_the_one_statement_is_short_enough_for_psycopg_to_keep_its_conversion(api_client, monkeypatch) -> None:
    # psycopg converts a statement's %s placeholders to $1… on every execution unless the statement
    # is at most this long (then it keeps the conversion): a request would pay it again each time.
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    statements: list[str] = []
    chain_statement = sql._chain_statement

    def watched(*args: Any) -> tuple[str, list[list[str]]]:
        statement, names = chain_statement(*args)
        statements.append(statement)
        return statement, names

    monkeypatch.setattr(sql, "_chain_statement", watched)
    _send(api_client)

    assert statements
    assert max(len(statement.encode()) for statement in statements) <= MAX_CACHED_STATEMENT_LENGTH
