import pytest
from django.conf import settings

from tinko.ratelimit import Rate, rate_limit_hit


@pytest.mark.parametrize(
    ("text", "rate"),
    [("100/s", Rate(100, 1)), ("6000/min", Rate(6000, 60)), ("10/hour", Rate(10, 3600)), ("5/day", Rate(5, 86400))],
)
def test_rates_read_like_drf_rates(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["100", "x/s", "100/fortnight", ""])
def test_a_malformed_rate_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="100/s"):
        Rate.parse(text)


def test_a_caller_gets_its_limit_per_window_then_waits_for_the_next() -> None:
    rate = Rate(limit=3, window_seconds=60)
    start = 1_800_000_000.0  # aligned to a minute
    hits = [rate_limit_hit(scope="t", ident="a", rate=rate, now=start + offset) for offset in (0, 10, 20, 30)]

    assert hits[:3] == [None, None, None]
    assert hits[3] == 30.0  # the window resets at start + 60
    assert rate_limit_hit(scope="t", ident="b", rate=rate, now=start + 30) is None  # callers are counted apart
    assert rate_limit_hit(scope="t", ident="a", rate=rate, now=start + 60) is None  # a new window


def test_the_wait_is_the_time_left_in_the_window() -> None:
    rate = Rate(limit=1, window_seconds=1)
    assert rate_limit_hit(scope="t", ident="c", rate=rate, now=1_800_000_000.0) is None
    assert rate_limit_hit(scope="t", ident="c", rate=rate, now=1_800_000_000.75) == pytest.approx(0.25)


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: the counter lives in Redis there")
def test_the_redis_counter_expires_after_its_window() -> None:
    from tinko.redis_client import redis_client

    rate_limit_hit(scope="t", ident="d", rate=Rate(limit=5, window_seconds=60), now=1_800_000_000.0)
    client = redis_client()
    assert client is not None
    ttl = client.ttl("tinko:rl:t:d:30000000")
    assert 0 < ttl <= 61
