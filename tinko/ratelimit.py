"""Fixed-window rate limits: one counter per caller and window, one round trip per check.

A caller may make `limit` requests per window (`100/s`, `6000/min`); the window is aligned
to the clock, so a caller can burst up to twice the limit across a window boundary, which is
the usual trade for a check that costs one Redis round trip and stores one integer.

With Redis (`REDIS_URL`) the counter is `INCR` plus `EXPIRE … NX` in one pipeline. Without
it (the embedded development setup) it goes through Django's cache. When a configured Redis
cannot be reached, each process counts in its own memory (the limit then holds per process,
not across them): the `rate_limit_local_fallback` log line says when that starts, and
`rate_limit_local_fallback_count()` how many requests were counted so.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis
from django.core.cache import cache as django_cache

from tinko.redis_client import redis_client, redis_mark_down, redis_usable

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Local counters are dropped once their window has passed, checked when this many are held.
_LOCAL_PRUNE_AT = 10_000


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    window_seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`100/s`, `6000/min`, `10/hour`: the count, then the period by its first letter."""
        count, _, period = text.partition("/")
        try:
            return cls(limit=int(count), window_seconds=_PERIODS[period.strip()[:1]])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"A rate looks like '100/s' or '6000/min', not {text!r}.") from exc


class _LocalCounters:
    """This process's counters while Redis is unreachable: key → (window end, count)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self.fallbacks = 0
        # Since Redis last counted a request: the log line is written once per outage.
        self.active = False

    def incr(self, key: str, *, window_end: float, now: float, cost: int) -> int:
        with self._lock:
            self.fallbacks += 1
            if len(self._counts) >= _LOCAL_PRUNE_AT:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
            _, count = self._counts.get(key, (window_end, 0))
            self._counts[key] = (window_end, count + cost)
            return count + cost


_local = _LocalCounters()


def rate_limit_local_fallback_count() -> int:
    """Requests this process counted in its own memory because Redis could not be reached."""
    return _local.fallbacks


def _redis_count(client: redis.Redis, key: str, rate: Rate, cost: int) -> int | None:
    if not redis_usable():
        return None
    try:
        pipeline = client.pipeline(transaction=False)
        pipeline.incrby(key, cost)
        pipeline.expire(key, rate.window_seconds + 1, nx=True)
        count = int(pipeline.execute()[0])
    except redis.RedisError as exc:
        redis_mark_down(error=exc, operation="rate_limit")
        return None
    _local.active = False
    return count


def rate_limit_hit(*, scope: str, ident: str, rate: Rate, cost: int = 1, now: float | None = None) -> float | None:
    """Count `cost` units (one request, or a batch's events) of `ident`; None if the window's count
    is within `rate`, else the seconds until the window resets."""
    now = time.time() if now is None else now
    window = int(now // rate.window_seconds)
    window_end = float((window + 1) * rate.window_seconds)
    key = f"tinko:rl:{scope}:{ident}:{window}"
    client = redis_client()
    if client is not None:
        count = _redis_count(client, key, rate, cost)
        if count is None:
            if not _local.active:
                _local.active = True
                logger.warning("rate_limit_local_fallback", extra={"counted_locally": _local.fallbacks})
            count = _local.incr(key, window_end=window_end, now=now, cost=cost)
    else:
        django_cache.add(key, 0, timeout=rate.window_seconds + 1)
        try:
            count = django_cache.incr(key, cost)
        except ValueError:  # expired between add and incr: this request opens the window
            django_cache.set(key, cost, timeout=rate.window_seconds + 1)
            count = cost
    if count <= rate.limit:
        return None
    return window_end - now
