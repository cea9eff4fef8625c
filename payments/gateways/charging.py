"""Re-charging a batch of saved methods at a gateway that takes one charge per API call (Stripe,
Razorpay): a few calls in flight at once, so that a worker task's share is not one gateway round
trip after another.

The calls run on a pool of threads kept by each process (`PAYMENTS_CHARGES_IN_FLIGHT` of them),
which keeps each thread's HTTP session, and its open connection to the gateway, from one task to
the next. A charge made there must not touch the database; the caller's log context (its task id)
goes with it. What stays the caller's to decide:
- the order: each request's outcome comes back in its place, its result or the error that refused
  that one alone;
- an unexpected error, or the task's time limit, stops what has not started; the calls already in
  flight finish first (each charged at most once under its key), and the error goes up. The
  sweeper then asks the gateway what became of each.

Each gateway account's charges are paced, all processes together: one begins every
1/`PAYMENTS_CHARGES_PER_SECOND` seconds at most (`tinko.pacing`'s schedule, in Redis), so no more
than that many begin in any second; a call waits for its turn. Stripe allows 25 requests a second
per endpoint by default; should a gateway still answer 429, that is a passing error and the attempt
is tried again later (retries.outcomes.attempt_retry_later).
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings

from payments.exceptions import PaymentsError
from payments.interface import ChargeResult, SavedMethodCharge
from tinko.pacing import pace_reserve

Charge = Callable[[SavedMethodCharge], ChargeResult]
Outcome = ChargeResult | PaymentsError


class _Pool:
    """This process's charging threads, started on first use (and again in a forked child)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._size = 0

    def executor(self, size: int) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None or self._pid != os.getpid() or self._size != size:
                if self._executor is not None and self._pid == os.getpid():
                    self._executor.shutdown(wait=False)
                self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="tinko-charge")
                self._pid, self._size = os.getpid(), size
            return self._executor


_pool = _Pool()


def _pace(account_id: str) -> None:
    """Wait for the account's next turn to begin a charge."""
    wait = pace_reserve(
        scope="gateway_charges", ident=account_id, per_second=settings.PAYMENTS_CHARGES_PER_SECOND, now=time.time()
    )
    if wait > 0:
        time.sleep(wait)


def _outcome(charge: Charge, request: SavedMethodCharge, account_id: str) -> Outcome:
    _pace(account_id)
    try:
        return charge(request)
    except PaymentsError as exc:
        return exc


def charges_in_flight(charge: Charge, requests: Sequence[SavedMethodCharge], *, account_id: str) -> list[Outcome]:
    """`charge` each request for the gateway account `account_id` (its public id), up to
    PAYMENTS_CHARGES_IN_FLIGHT at once and PAYMENTS_CHARGES_PER_SECOND begun a second, each outcome
    in its request's place (see the module's docstring)."""
    size = settings.PAYMENTS_CHARGES_IN_FLIGHT
    if size == 1 or len(requests) == 1:
        return [_outcome(charge, request, account_id) for request in requests]
    executor = _pool.executor(size)
    futures: list[Future[Outcome]] = [
        executor.submit(contextvars.copy_context().run, _outcome, charge, request, account_id) for request in requests
    ]
    try:
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:
            future.cancel()
        for future in futures:
            if not future.cancelled():
                # In flight: let it finish, whatever it says; its charge is the sweeper's to find.
                future.exception()
        raise
