"""Values kept in each process's memory for as long as a shared token says they are current.

A `SharedToken` is a random string in Redis (read with the process's own client: one GET) that
is replaced whenever what it guards changes. A `LocalCopy` remembers values per process, each
with the token that was current when it was read from the database; an entry is served while
the shared token still equals that one, and for at most `max_age` seconds. `bump()` sets a new
token at once and again when the transaction commits: a process that reads the database between
the change and the commit sees the old rows under the new token, and only the second bump makes
it read them again.

When Redis is configured but cannot be reached, nothing fails: `bump()` logs and remembers to
bump once Redis answers again, and a `LocalCopy` that cannot read the token trusts what it holds
for at most `outage_max_age` seconds (entries remembered before the outage included), so a change
made meanwhile is seen within that time while requests go on being served.

Without Redis a token lives in Django's cache (local memory in tests, a file in the embedded
setup), or, for a user that needs every process to see a change at once, nowhere: then nothing
is remembered and every read goes to the database.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar, overload

import redis
from django.core.cache import cache
from django.db import transaction

from tinko.redis_client import redis_client, redis_mark_down, redis_usable

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Redis answers bytes; Django's cache answers what was stored. Tokens are only compared.
Token = bytes | str


class WithoutRedis(Enum):
    """Where a token lives when REDIS_URL is not set."""

    DJANGO_CACHE = "django_cache"
    NOWHERE = "nowhere"


class TokenUnreadable(Exception):
    """Redis is configured but cannot be reached (or was not, a moment ago)."""


class SharedToken:
    """A version token shared by every process, replaced on every change of what it guards."""

    def __init__(self, key: str, *, without_redis: WithoutRedis) -> None:
        self.key = key
        self.without_redis = without_redis
        # A bump that could not reach Redis, made when it answers again: other processes may hold
        # entries read before the change under the current token.
        self._bump_pending = False

    def read(self) -> Token | None:
        """The current token (created if it is missing); None where there is nowhere to keep one.
        Raises TokenUnreadable when Redis is configured but unreachable."""
        client = redis_client()
        if client is not None:
            if not redis_usable():
                raise TokenUnreadable(self.key)
            try:
                return self._read_redis(client)
            except redis.RedisError as exc:
                redis_mark_down(error=exc, operation="shared_token_read")
                raise TokenUnreadable(self.key) from exc
        if self.without_redis is WithoutRedis.NOWHERE:
            return None
        token = cache.get(self.key)
        if token is None:
            cache.add(self.key, secrets.token_hex(8), timeout=None)
            token = cache.get(self.key)
        return token

    def _read_redis(self, client: redis.Redis) -> Token:
        if self._bump_pending:
            client.set(self.key, secrets.token_hex(8))
            self._bump_pending = False
        token: Token | None = client.get(self.key)
        if token is None:
            # A new random token, never None: after Redis loses the key, no entry read under
            # an earlier token can match again.
            client.set(self.key, secrets.token_hex(8), nx=True)
            token = client.get(self.key)
        if token is None:
            raise redis.RedisError(f"{self.key} vanished as it was set")
        return token

    def _replace(self) -> None:
        client = redis_client()
        if client is not None:
            if not redis_usable():
                self._bump_pending = True
                return
            try:
                client.set(self.key, secrets.token_hex(8))
            except redis.RedisError as exc:
                self._bump_pending = True
                redis_mark_down(error=exc, operation="shared_token_bump")
        elif self.without_redis is WithoutRedis.DJANGO_CACHE:
            cache.set(self.key, secrets.token_hex(8), timeout=None)

    def bump(self) -> None:
        """Make every process read again: a new token now, and another when the transaction commits.
        Never raises: without Redis the bump waits for it, and `outage_max_age` bounds the wait."""
        self._replace()
        transaction.on_commit(self._replace)


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    value: V
    token: Token
    expires: float


class LocalCopy(Generic[K, V]):
    """This process's copy of values read from the database, trusted while `token` holds.

    The shared token is read on every lookup, or at most every `check_every()` seconds where a
    change may take that long to be seen. While it cannot be read, values are trusted for at most
    `outage_max_age` seconds. At most `max_entries` values are kept, the least recently used
    going first. Safe to share between threads.
    """

    def __init__(
        self,
        *,
        token: SharedToken,
        max_age: float,
        max_entries: int,
        check_every: Callable[[], float] = lambda: 0.0,
        outage_max_age: float = 5.0,
    ) -> None:
        self.token = token
        self.max_age = max_age
        self.outage_max_age = outage_max_age
        self.max_entries = max_entries
        self.check_every = check_every
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()
        self._checked_token: Token | None = None
        self._checked_at = float("-inf")
        # While the shared token cannot be read: a token of this process's own, under which every
        # entry lives for at most outage_max_age; never equal to a shared one, so that all of
        # them are read again once the shared token is back.
        self._outage_token: str | None = None

    def _current_token(self, now: float) -> Token | None:
        check_every = self.check_every()
        if check_every > 0:
            with self._lock:
                if 0 <= now - self._checked_at < check_every:
                    return self._checked_token
        try:
            token: Token | None = self.token.read()
        except TokenUnreadable:
            token = self._outage_begin(now)
        else:
            with self._lock:
                self._outage_token = None
        with self._lock:
            self._checked_token, self._checked_at = token, now
        return token

    def _outage_begin(self, now: float) -> str:
        with self._lock:
            if self._outage_token is None:
                self._outage_token = f"outage:{secrets.token_hex(8)}"
                latest = now + self.outage_max_age
                for key, entry in self._entries.items():
                    self._entries[key] = _Entry(
                        value=entry.value, token=self._outage_token, expires=min(entry.expires, latest)
                    )
            return self._outage_token

    def snapshot(self) -> Snapshot[K, V]:
        """The copy as of the shared token now: lookups that must agree with each other use one."""
        now = time.monotonic()
        token = self._current_token(now)
        outage = isinstance(token, str) and token == self._outage_token
        return Snapshot(self, token, now, self.outage_max_age if outage else self.max_age)

    @overload
    def get(self, key: K, load: Callable[[], V]) -> V: ...
    @overload
    def get(self, key: K, load: Callable[[], V | None]) -> V | None: ...
    def get(self, key: K, load: Callable[[], V | None]) -> V | None:
        """The remembered value for `key`, or `load()`'s (remembered unless it is None)."""
        return self.snapshot().get(key, load)

    def _lookup(self, key: K, token: Token, now: float) -> _Entry[V] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.token != token or entry.expires <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def _store(self, key: K, value: V | None, token: Token, expires: float) -> None:
        with self._lock:
            if value is None:
                self._entries.pop(key, None)
                return
            self._entries[key] = _Entry(value=value, token=token, expires=expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class Snapshot(Generic[K, V]):
    """Lookups in a `LocalCopy` against one reading of its shared token."""

    def __init__(self, copy: LocalCopy[K, V], token: Token | None, now: float, max_age: float) -> None:
        self._copy = copy
        self._token = token
        self._now = now
        self._max_age = max_age

    @overload
    def get(self, key: K, load: Callable[[], V]) -> V: ...
    @overload
    def get(self, key: K, load: Callable[[], V | None]) -> V | None: ...
    def get(self, key: K, load: Callable[[], V | None]) -> V | None:
        """The remembered value for `key` if it was read under this token, else `load()`'s."""
        if self._token is None:
            return load()
        entry = self._copy._lookup(key, self._token, self._now)
        if entry is not None:
            return entry.value
        # The token was read before the database: a change committed after this read
        # replaces the token again, so a value read too early is never trusted for long.
        value = load()
        self._copy._store(key, value, self._token, self._now + self._max_age)
        return value
