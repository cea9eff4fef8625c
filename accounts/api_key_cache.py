"""API keys remembered by each process, so that most API requests skip the key's database read.

An entry is trusted only while the *key epoch* in Redis is what it was when the entry was read
from the database, and for at most `CACHE_SECONDS`. Any change to an API key or an organization
sets a new random epoch (`accounts.services.api_keys_changed`), so a revoked key answers 401
from the next request on, in every process. Each request reads the epoch (one Redis GET), and
entries are found by the SHA-256 of the whole key, so a hit has checked the secret. Without
Redis there is no cache: every request reads the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from accounts.models import ApiKey
from accounts.selectors import api_key_find_active
from accounts.services import API_KEYS_EPOCH, api_key_hash
from tinko.redis_client import redis_client

CACHE_SECONDS = 60.0
# Entries are the keys in use; a process that somehow sees more starts over.
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    api_key: ApiKey
    epoch: bytes | str | None
    expires: float


_entries: dict[str, _Entry] = {}


def api_key_authenticate(*, plaintext: str) -> ApiKey | None:
    """The active key matching `plaintext` (its organization loaded), from this process's memory
    while the epoch holds, else from the database (see the module's docstring)."""
    client = redis_client()
    if client is None:
        return api_key_find_active(plaintext=plaintext)
    digest = api_key_hash(plaintext)
    epoch = client.get(API_KEYS_EPOCH)
    now = time.monotonic()
    entry = _entries.get(digest)
    if entry is not None and entry.epoch == epoch and entry.expires > now:
        return entry.api_key
    api_key = api_key_find_active(plaintext=plaintext)
    if api_key is None:
        _entries.pop(digest, None)
        return None
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[digest] = _Entry(api_key=api_key, epoch=epoch, expires=now + CACHE_SECONDS)
    return api_key
