"""A batch of re-charges at a gateway that takes one per API call: a few in flight at once, each
outcome in its request's place, nothing new started once one fails unexpectedly, and charges begun
no closer together than the account's pace."""

from __future__ import annotations

import contextvars
import itertools
import random
import threading
import time
import uuid

import pytest

from payments.enums import PaymentStatus
from payments.exceptions import GatewayTerminalError
from payments.gateways import charging
from payments.gateways.charging import charges_in_flight
from payments.interface import ChargeResult, PaymentReferences, SavedMethodCharge
from tinko.money import Money

REQUESTS = 12


def _request(number: int) -> SavedMethodCharge:
    return SavedMethodCharge(
        amount=Money(1000 + number, "USD"),
        gateway_customer_id="cus_1",
        gateway_payment_method_id=f"pm_{number}",
        idempotency_key=f"tinko_att_{number}",
        references=PaymentReferences(transaction_ref=f"order-{number}", attempt_id=f"att_{number}"),
    )


def _charged(request: SavedMethodCharge) -> ChargeResult:
    return ChargeResult(
        provider="stripe",
        payment_id=f"pi_{request.gateway_payment_method_id}",
        status=PaymentStatus.SUCCEEDED,
        amount=request.amount,
    )


class _InFlight:
    """Counts the calls running at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.started: list[str] = []
        self.finished: list[str] = []

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


@pytest.fixture(autouse=True)
def unpaced(settings):
    """Tests about what is in flight, not about the pace (their accounts share the clock's seconds)."""
    settings.PAYMENTS_CHARGES_PER_SECOND = 1_000_000


@pytest.fixture
def four_in_flight(settings):
    settings.PAYMENTS_CHARGES_IN_FLIGHT = 4


class _Clock:
    """The clock of `payments.gateways.charging`: a sleep moves it on at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = 1_900_000_000.4

    def time(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@pytest.mark.usefixtures("four_in_flight")
def test_each_outcome_comes_back_in_its_requests_place_whatever_finishes_first() -> None:
    requests = [_request(number) for number in range(REQUESTS)]

    def charge(request: SavedMethodCharge) -> ChargeResult:
        time.sleep(random.uniform(0, 0.02))
        if request.gateway_payment_method_id == "pm_5":
            raise GatewayTerminalError("No such PaymentMethod", provider="stripe", code="resource_missing")
        return _charged(request)

    outcomes = charges_in_flight(charge, requests, account_id="acct_1")

    assert isinstance(outcomes[5], GatewayTerminalError)
    assert [outcome.payment_id for outcome in outcomes if isinstance(outcome, ChargeResult)] == [
        f"pi_pm_{number}" for number in range(REQUESTS) if number != 5
    ]


@pytest.mark.usefixtures("four_in_flight")
def test_four_calls_are_in_flight_at_once_and_never_more() -> None:
    together = threading.Barrier(4, timeout=10)
    counted = _InFlight()

    def charge(request: SavedMethodCharge) -> ChargeResult:
        with counted:
            together.wait()  # one call after another would never get past this
            return _charged(request)

    outcomes = charges_in_flight(charge, [_request(number) for number in range(8)], account_id="acct_1")

    assert all(isinstance(outcome, ChargeResult) for outcome in outcomes)
    assert counted.most == 4


def test_with_one_in_flight_the_calls_are_made_in_turn_on_the_callers_thread(settings) -> None:
    settings.PAYMENTS_CHARGES_IN_FLIGHT = 1
    threads = set()

    def charge(request: SavedMethodCharge) -> ChargeResult:
        threads.add(threading.get_ident())
        return _charged(request)

    charges_in_flight(charge, [_request(number) for number in range(3)], account_id="acct_1")

    assert threads == {threading.get_ident()}


@pytest.mark.usefixtures("four_in_flight")
def test_an_unexpected_error_starts_nothing_new_lets_the_calls_in_flight_finish_and_goes_up() -> None:
    counted = _InFlight()
    first_failed = threading.Event()

    def charge(request: SavedMethodCharge) -> ChargeResult:
        counted.started.append(request.gateway_payment_method_id)
        if request.gateway_payment_method_id == "pm_0":
            first_failed.set()
            raise RuntimeError("the SDK broke")
        first_failed.wait(timeout=10)
        time.sleep(0.2)  # long enough for the caller to have stopped what had not started
        counted.finished.append(request.gateway_payment_method_id)
        return _charged(request)

    with pytest.raises(RuntimeError, match="the SDK broke"):
        charges_in_flight(charge, [_request(number) for number in range(REQUESTS)], account_id="acct_1")

    # Those that started (the four threads' first calls, and perhaps one more picked up as the
    # failing call's thread came free) all finished before the error went up; the rest never began.
    assert len(counted.started) <= 5
    assert sorted(counted.finished) == sorted(set(counted.started) - {"pm_0"})


@pytest.mark.usefixtures("four_in_flight")
def test_the_callers_context_goes_with_each_call() -> None:
    task = contextvars.ContextVar("task", default="")
    task.set("retries.execute_attempts:1f3c")
    seen = set()

    def charge(request: SavedMethodCharge) -> ChargeResult:
        seen.add(task.get())
        return _charged(request)

    charges_in_flight(charge, [_request(number) for number in range(8)], account_id="acct_1")

    assert seen == {"retries.execute_attempts:1f3c"}


class _PacedCharges:
    """Charges made at five a second on the charging module's fake clock, each noting when it began."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.began: list[float] = []

    def __call__(self, request: SavedMethodCharge) -> ChargeResult:
        self.began.append(self.clock.time())
        return _charged(request)


@pytest.fixture
def paced(settings, monkeypatch) -> _PacedCharges:
    settings.PAYMENTS_CHARGES_PER_SECOND = 5
    clock = _Clock()
    monkeypatch.setattr(charging, "time", clock)
    return _PacedCharges(clock)


@pytest.mark.parametrize("in_flight", [1, 4])
def test_charges_begin_no_closer_together_than_the_accounts_pace(settings, paced, in_flight) -> None:
    settings.PAYMENTS_CHARGES_IN_FLIGHT = in_flight
    clock, began = paced.clock, paced.began

    account = f"gwa_{uuid.uuid4().hex}"
    outcomes = charges_in_flight(paced, [_request(number) for number in range(12)], account_id=account)

    assert all(isinstance(outcome, ChargeResult) for outcome in outcomes)
    # One every fifth of a second: the twelfth no sooner than 2.2 s after the first. (Several threads
    # waiting at once each move this clock on by their own wait, so with four in flight only the
    # total is checked; tinko.pacing's tests check the schedule itself.)
    assert clock.time() - 1_900_000_000.4 >= 2.2 - 1e-6
    if in_flight == 1:
        gaps = [later - earlier for earlier, later in itertools.pairwise(began)]
        assert gaps == pytest.approx([0.2] * 11, abs=1e-6)


def test_each_account_has_a_pace_of_its_own(settings, paced) -> None:
    settings.PAYMENTS_CHARGES_IN_FLIGHT = 1
    began = paced.began

    for account in (f"gwa_{uuid.uuid4().hex}", f"gwa_{uuid.uuid4().hex}"):
        charges_in_flight(paced, [_request(number) for number in range(3)], account_id=account)

    # The second account's first charge does not wait behind the first account's pace.
    assert began[3] == began[2]
    assert began[2] - began[0] == pytest.approx(0.4, abs=1e-6)
