"""Holding an idempotency key from another connection, as a request that is still running does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from tinko.idempotency import ClaimState, idempotency_claim


@contextmanager
def hold_idempotency_key(organization: Any, key: str) -> Iterator[None]:
    """Inside the block, another thread's open transaction holds `key` (PostgreSQL only)."""
    held, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def request_in_flight() -> None:
        try:
            with transaction.atomic():
                claim = idempotency_claim(organization=organization, key=key, fingerprint="in flight")
                assert claim.state is ClaimState.FREE, claim
                held.set()
                done.wait(timeout=30)
        except BaseException as exc:  # reported to the test below
            failures.append(exc)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=request_in_flight)
    thread.start()
    held.wait(timeout=30)
    try:
        if failures:
            raise failures[0]
        yield
    finally:
        done.set()
        thread.join(timeout=30)
