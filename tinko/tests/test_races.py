"""tinko.races.atomic_retrying: one more run after a lost race, once per enclosing block."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tinko.races import RACE_ERRORS, atomic_retrying


def _loses(times: int, calls: list[int]) -> object:
    def work() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise IntegrityError("duplicate key value violates unique constraint")
        return "won"

    return work


@pytest.mark.django_db
def test_a_lost_race_runs_the_work_once_more_and_only_once() -> None:
    calls: list[int] = []
    assert atomic_retrying(_loses(1, calls)) == "won"  # type: ignore[arg-type]
    assert len(calls) == 2

    calls.clear()
    with pytest.raises(IntegrityError):
        atomic_retrying(_loses(5, calls))  # type: ignore[arg-type]
    assert len(calls) == 2


@pytest.mark.django_db
def test_only_the_named_errors_are_retried() -> None:
    calls: list[int] = []

    def deadlocks() -> None:
        calls.append(1)
        raise OperationalError("deadlock detected")

    with pytest.raises(OperationalError):
        atomic_retrying(deadlocks)
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(OperationalError):
        atomic_retrying(deadlocks, errors=RACE_ERRORS, attempts=3)
    assert len(calls) == 3


@pytest.mark.django_db
def test_a_nested_block_runs_without_a_savepoint_and_the_outer_block_retries() -> None:
    inner_calls: list[int] = []
    outer_calls: list[int] = []

    def outer() -> str:
        outer_calls.append(1)
        return atomic_retrying(_loses(1, inner_calls))  # type: ignore[arg-type]

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert atomic_retrying(outer) == "won"

    assert (len(outer_calls), len(inner_calls)) == (2, 2)
    savepoints = [query["sql"] for query in queries if query["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2, "one savepoint per run of the outer block, none for the inner one"


def test_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="at least one attempt"):
        atomic_retrying(lambda: None, attempts=0)
