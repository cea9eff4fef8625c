"""Even pacing of calls to a shared upstream, all processes together: each call reserves the next
free start on a schedule of one start every 1/rate seconds, and waits for it.

This is the generic cell rate algorithm with no burst allowance, in its virtual-scheduling form:
the schedule is one number per caller, the earliest time its next call may start. A call starts at
that time or now, whichever is later, and moves the number on by one interval. So at most `rate`
calls begin in any second, however the second is placed, and a caller that has been quiet starts
at once. A counter per clock second (`tinko.ratelimit`) lets twice its limit through across a
second's turn, and everything that waited for the turn starts together.

With Redis (`REDIS_URL`) the schedule is a key moved by a short Lua script: one round trip, atomic
across processes. Without it (the embedded development setup), or while a configured Redis cannot
be reached, each process keeps its own schedule and the pace holds per process; the
`pace_local_fallback` log line says when that starts. Times are the callers' clocks, which hosts
keep in step (NTP): a skew of a few milliseconds moves a start by as much.
"""

from __future__ import annotations

import logging
import math
import threading
from functools import cache

import redis
from redis.commands.core import Script

from tinko.redis_client import redis_client, redis_mark_down, redis_usable

logger = logging.getLogger(__name__)

# Local schedules whose time has passed are dropped once this many are held.
_LOCAL_PRUNE_AT = 10_000

# KEYS[1]: the caller's schedule; ARGV: now and the interval, in whole microseconds (exact in
# Lua's numbers for the next hundred years). Returns the wait in microseconds.
_RESERVE = """
local now = tonumber(ARGV[1])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local after = start + tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return start - now
"""


class _LocalSchedules:
    """This process's schedules, without Redis: key → the earliest next start (microseconds)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()
        # Since Redis last kept a schedule: the log line is written once per outage.
        self.active = False

    def reserve(self, key: str, *, interval: int, now: int) -> int:
        with self._lock:
            if len(self._next) >= _LOCAL_PRUNE_AT:
                self._next = {k: moment for k, moment in self._next.items() if moment > now}
            start = max(self._next.get(key, now), now)
            self._next[key] = start + interval
            return start - now


_local = _LocalSchedules()


@cache
def _script(client: redis.Redis) -> Script:
    # EVALSHA, loading the script again should the server have lost it (a restart).
    return client.register_script(_RESERVE)


def _redis_reserve(client: redis.Redis, key: str, *, interval: int, now: int) -> int | None:
    if not redis_usable():
        return None
    try:
        wait = int(_script(client)(keys=[key], args=[now, interval]))
    except redis.RedisError as exc:
        redis_mark_down(error=exc, operation="pace")
        return None
    _local.active = False
    return wait


def pace_reserve(*, scope: str, ident: str, per_second: float, now: float) -> float:
    """Reserve `ident`'s next start in `scope`, at most `per_second` starts a second; returns the
    seconds to wait before starting (0.0: start now). A reserved start is kept whether or not the
    caller goes on to use it."""
    if per_second <= 0:
        raise ValueError("A pace is a positive number of starts a second.")
    # Whole microseconds: the interval rounded up, so that starts are never closer than it.
    interval, now_us = math.ceil(1_000_000 / per_second), int(now * 1_000_000)
    key = f"tinko:pace:{scope}:{ident}"
    client = redis_client()
    wait = _redis_reserve(client, key, interval=interval, now=now_us) if client is not None else None
    if wait is None:
        if client is not None and not _local.active:
            _local.active = True
            logger.warning("pace_local_fallback", extra={"scope": scope})
        wait = _local.reserve(key, interval=interval, now=now_us)
    return wait / 1_000_000
