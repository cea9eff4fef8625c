"""The process's Redis client, for Tinko's own fast counters and markers (Django's cache
backend builds a client object on every call)."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def _client(url: str) -> redis.Redis:
    # One client (and connection pool) per process, made on first use, so after a fork.
    return redis.Redis.from_url(url)


def redis_client() -> redis.Redis | None:
    """The client for `REDIS_URL`, or None in the embedded setup without Redis."""
    return _client(settings.REDIS_URL) if settings.REDIS_URL else None
