"""Pacing: one start every 1/rate seconds per caller, never more than the rate in any second, no
wait after a quiet spell; the same in Redis, in a process without Redis, and through an outage."""

from __future__ import annotations

import logging
import shutil
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tinko import pacing
from tinko.pacing import pace_reserve
from tinko.tests.conftest import PrivateRedis

START = 1_900_000_000.0
# A redis-server of the test's own (tinko.tests.conftest.private_redis), as the outage tests use.
NEEDS_REDIS_SERVER = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server installed (CI has it)"
)


@pytest.fixture
def own_redis(private_redis: PrivateRedis, settings: Any) -> PrivateRedis:
    """Schedules kept in a redis-server of this test's own, whatever the suite's REDIS_URL."""
    settings.REDIS_URL = private_redis.url
    return private_redis


@pytest.fixture(params=[pytest.param("redis", marks=NEEDS_REDIS_SERVER), "local"])
def schedules(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs on schedules kept in Redis and on schedules kept in this process."""
    if request.param == "redis":
        request.getfixturevalue("own_redis")
    else:
        monkeypatch.setattr(pacing, "redis_client", lambda: None)
    return str(request.param)


def _ident() -> str:
    return uuid.uuid4().hex


@pytest.mark.usefixtures("schedules")
def test_calls_arriving_together_start_one_interval_apart() -> None:
    ident = _ident()
    waits = [pace_reserve(scope="t", ident=ident, per_second=5, now=START) for _ in range(6)]

    assert waits == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], abs=1e-6)


@pytest.mark.usefixtures("schedules")
def test_a_caller_that_was_quiet_starts_at_once_and_callers_are_paced_apart() -> None:
    ident = _ident()
    assert pace_reserve(scope="t", ident=ident, per_second=2, now=START) == 0.0
    assert pace_reserve(scope="t", ident=ident, per_second=2, now=START + 0.1) == pytest.approx(0.4, abs=1e-6)
    assert pace_reserve(scope="t", ident=ident, per_second=2, now=START + 5) == 0.0
    assert pace_reserve(scope="t", ident=_ident(), per_second=2, now=START + 5) == 0.0
    assert pace_reserve(scope="other", ident=ident, per_second=2, now=START + 5) == 0.0


@pytest.mark.usefixtures("schedules")
# The fixture only chooses where schedules live; each example paces a caller of its own.
@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=40))
def test_no_second_sees_more_starts_than_the_rate_and_no_call_waits_longer_than_it_must(gaps: list[float]) -> None:
    ident, rate = _ident(), 8
    arrivals, now = [], START
    for gap in gaps:
        now += gap
        arrivals.append(now)
    starts = [arrival + pace_reserve(scope="t", ident=ident, per_second=rate, now=arrival) for arrival in arrivals]

    previous = None
    for arrival, start in zip(arrivals, starts, strict=True):
        # Each call starts when it arrives or one interval after the call before it, whichever is later.
        expected = arrival if previous is None else max(arrival, previous + 1 / rate)
        assert start == pytest.approx(expected, abs=2e-6)
        previous = start
    # (Schedules keep times to the microsecond.)
    for first in starts:
        assert sum(first - 1e-6 <= other < first + 1 - 1e-6 for other in starts) <= rate


def test_a_non_positive_pace_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        pace_reserve(scope="t", ident="a", per_second=0, now=START)


@NEEDS_REDIS_SERVER
def test_the_redis_schedule_expires_once_it_no_longer_holds_anyone_back(own_redis: PrivateRedis) -> None:
    ident = _ident()
    for _ in range(3):
        pace_reserve(scope="t", ident=ident, per_second=2, now=START)
    client = own_redis.client()
    stored = client.get(f"tinko:pace:t:{ident}")
    assert isinstance(stored, bytes)
    assert int(stored) == int(START * 1_000_000) + 1_500_000  # the next free start, in microseconds
    assert 0 < client.pttl(f"tinko:pace:t:{ident}") <= 2_500


@NEEDS_REDIS_SERVER
def test_through_a_redis_outage_each_process_keeps_its_own_pace_and_says_so_once(
    own_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pacing._local, "active", False)
    ident = _ident()
    assert pace_reserve(scope="t", ident=ident, per_second=4, now=START) == 0.0
    own_redis.stop()

    with caplog.at_level(logging.WARNING, logger="tinko.pacing"):
        waits = [pace_reserve(scope="t", ident=ident, per_second=4, now=START + 10) for _ in range(3)]

    assert waits == [0.0, 0.25, 0.5]
    assert [record.getMessage() for record in caplog.records].count("pace_local_fallback") == 1
    # Redis back: its schedule is the one that counts again.
    own_redis.start()
    monkeypatch.setattr("tinko.redis_client._down_until", 0.0)
    assert pace_reserve(scope="t", ident=ident, per_second=4, now=START + 20) == 0.0
    assert pacing._local.active is False
