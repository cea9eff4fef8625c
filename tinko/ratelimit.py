"""Fixed-window rate limits: one counter per caller and window, one round trip per check.

A caller may make `limit` requests per window (`100/s`, `6000/min`); the window is aligned
to the clock, so a caller can burst up to twice the limit across a window boundary, which is
the usual trade for a check that costs one Redis round trip and stores one integer.

With Redis (`REDIS_URL`) the counter is `INCR` plus `EXPIRE … NX` in one pipeline. Without
it (the embedded development setup) it goes through Django's cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache as django_cache

from tinko.redis_client import redis_client

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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


def rate_limit_hit(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> float | None:
    """Count one request of `ident`; None if it is within `rate`, else the seconds until the window resets."""
    now = time.time() if now is None else now
    window = int(now // rate.window_seconds)
    key = f"tinko:rl:{scope}:{ident}:{window}"
    client = redis_client()
    if client is not None:
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, rate.window_seconds + 1, nx=True)
        count = int(pipeline.execute()[0])
    else:
        django_cache.add(key, 0, timeout=rate.window_seconds + 1)
        try:
            count = django_cache.incr(key)
        except ValueError:  # expired between add and incr: this request opens the window
            django_cache.set(key, 1, timeout=rate.window_seconds + 1)
            count = 1
    if count <= rate.limit:
        return None
    return (window + 1) * rate.window_seconds - now
