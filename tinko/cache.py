"""Django's cache on Redis, carrying on through a Redis outage.

With `REDIS_URL` set, Django's cache lives in Redis, and so do allauth's sign-in and sign-up
rate limits, the TOTP used-code markers and Tinko's counters. Django's own Redis backend raises
on every call while Redis is down, which would turn sign-up into an error page. This backend
sends each call to Redis while it answers; after a failure it uses a small cache in the
process's own memory for `tinko.redis_client.BACKOFF_SECONDS`, then tries Redis again. Rate
limits then count per process, as the API's do (`tinko.ratelimit`).

A marker that guards against replay (a TOTP code already used) must never be granted from one
process's memory, where another process cannot see it: for those keys `add` answers False while
Redis is down, so a second factor cannot be reused, at the price of asking again after the
outage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from tinko.redis_client import redis_mark_down, redis_usable

# Keys whose `add` means "this may happen only once" across every process.
REPLAY_GUARD_PREFIXES = ("allauth.mfa.totp.used",)


def _tolerant(name: str) -> Callable[..., Any]:
    def method(self: OutageTolerantRedisCache, *args: Any, **kwargs: Any) -> Any:
        if redis_usable():
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except redis.RedisError as exc:
                redis_mark_down(error=exc, operation=f"cache.{name}")
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"RedisCache.{name}, or this process's memory while Redis is down."
    return method


class OutageTolerantRedisCache(RedisCache):
    """RedisCache that uses this process's memory while Redis cannot be reached."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.fallback = LocMemCache("tinko-redis-outage", {"TIMEOUT": params.get("TIMEOUT", 300)})

    get = _tolerant("get")
    set = _tolerant("set")
    touch = _tolerant("touch")
    delete = _tolerant("delete")
    get_many = _tolerant("get_many")
    set_many = _tolerant("set_many")
    delete_many = _tolerant("delete_many")
    has_key = _tolerant("has_key")
    incr = _tolerant("incr")
    decr = _tolerant("decr")
    clear = _tolerant("clear")
    _add = _tolerant("add")

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        """RedisCache.add; while Redis is down, this process's memory, except that a replay guard
        is refused (see the module's docstring)."""
        guard = isinstance(key, str) and key.startswith(REPLAY_GUARD_PREFIXES)
        if guard and not redis_usable():
            return False
        added: bool = self._add(key, value, timeout, version)
        # Redis may have failed during this very call, and memory answered: not for a guard.
        return added and not (guard and not redis_usable())
