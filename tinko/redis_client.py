"""The process's Redis client, for Tinko's own fast counters and markers (Django's cache
backend builds a client object on every call).

Redis holds nothing that a request cannot do without: callers catch `redis.RedisError`, call
`redis_mark_down()` and carry on without it. After a failure the process leaves Redis alone for
`BACKOFF_SECONDS` (`redis_usable()` says so), so that an outage costs one short connect timeout
per process and second, not one per request.
"""

from __future__ import annotations

import logging
import time
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = 1.0
# Redis answers in well under a millisecond on a healthy network; a request waits no longer than this.
SOCKET_TIMEOUT_SECONDS = 0.25

_down_until = 0.0


@cache
def _client(url: str) -> redis.Redis:
    # One client (and connection pool) per process, made on first use, so after a fork.
    return redis.Redis.from_url(
        url, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS, socket_timeout=SOCKET_TIMEOUT_SECONDS
    )


def redis_client() -> redis.Redis | None:
    """The client for `REDIS_URL`, or None in the embedded setup without Redis."""
    return _client(settings.REDIS_URL) if settings.REDIS_URL else None


def redis_usable() -> bool:
    """False for a moment after this process last failed to reach Redis."""
    return time.monotonic() >= _down_until


def redis_mark_down(*, error: redis.RedisError, operation: str) -> None:
    """Leave Redis alone in this process for `BACKOFF_SECONDS`; log why."""
    global _down_until
    _down_until = time.monotonic() + BACKOFF_SECONDS
    logger.warning("redis_unavailable", extra={"operation": operation, "error": type(error).__name__})
