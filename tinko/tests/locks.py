"""Work held open in another connection's transaction, as a request that is still running holds it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from tinko.idempotency import ClaimState, idempotency_claim


@contextmanager
def held_open(work: Callable[[], object]) -> Iterator[None]:
    """Inside the block, another thread's connection has done `work` and not yet committed (its
    locks are held); the block's end lets it commit. An error in `work` is raised here."""
    done_work, finish = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def in_flight() -> None:
        try:
            with transaction.atomic():
                work()
                done_work.set()
                finish.wait(timeout=30)
        except BaseException as exc:  # reported to the test below
            failures.append(exc)
            done_work.set()
        finally:
            connection.close()

    thread = threading.Thread(target=in_flight)
    thread.start()
    done_work.wait(timeout=30)
    try:
        if failures:
            raise failures[0]
        yield
    finally:
        finish.set()
        thread.join(timeout=30)


@contextmanager
def hold_idempotency_key(organization: Any, key: str) -> Iterator[None]:
    """Inside the block, another thread's open transaction holds `key` (PostgreSQL only)."""

    def claim() -> None:
        state = idempotency_claim(organization=organization, livemode=False, key=key, fingerprint="in flight").state
        assert state is ClaimState.FREE, state

    with held_open(claim):
        yield
