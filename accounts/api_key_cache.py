"""API keys remembered by each process, so that most API requests skip the key's database read.

A `tinko.local_cache.LocalCopy` guarded by the key epoch (`accounts.services.API_KEYS_EPOCH`):
any change to an API key or an organization bumps it (`api_keys_changed`), so a revoked key
answers 401 from the next request on, in every process. Each request reads the epoch (one Redis
GET), an entry is trusted for at most `CACHE_SECONDS`, and entries are found by the SHA-256 of
the whole key, so a hit has checked the secret. Without Redis there is no cache: every request
reads the database. While a configured Redis is unreachable, keys are read from the database and
trusted for `OUTAGE_CACHE_SECONDS` (those remembered before too): a key revoked meanwhile, whose
epoch bump could not reach Redis, stops working within that time in every process.
"""

from __future__ import annotations

from accounts.models import ApiKey
from accounts.selectors import api_key_find_active
from accounts.services import API_KEYS_EPOCH, api_key_hash
from tinko.local_cache import LocalCopy

CACHE_SECONDS = 60.0
OUTAGE_CACHE_SECONDS = 5.0
# Entries are the keys in use; more than this in one process means keys nobody uses twice.
MAX_ENTRIES = 10_000

_keys: LocalCopy[str, ApiKey] = LocalCopy(
    token=API_KEYS_EPOCH, max_age=CACHE_SECONDS, max_entries=MAX_ENTRIES, outage_max_age=OUTAGE_CACHE_SECONDS
)


def api_key_authenticate(*, plaintext: str) -> ApiKey | None:
    """The active key matching `plaintext` (its organization loaded), from this process's memory
    while the epoch holds, else from the database (see the module's docstring)."""
    return _keys.get(api_key_hash(plaintext), lambda: api_key_find_active(plaintext=plaintext))
