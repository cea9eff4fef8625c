"""Reads for accounts."""

from __future__ import annotations

import hmac

from accounts.models import ApiKey
from accounts.services import API_KEY_LOOKUP_LENGTH, api_key_hash


def api_key_find_active(*, plaintext: str) -> ApiKey | None:
    """The unrevoked key matching `plaintext`, compared in constant time; None otherwise."""
    for mode in ("test", "live"):
        prefix = f"tk_{mode}_"
        if plaintext.startswith(prefix):
            lookup = plaintext[len(prefix) : len(prefix) + API_KEY_LOOKUP_LENGTH]
            break
    else:
        return None
    api_key = ApiKey.objects.select_related("organization").filter(lookup=lookup).first()
    if api_key is None or api_key.mode != mode:
        return None
    if not hmac.compare_digest(api_key.secret_hash, api_key_hash(plaintext)):
        return None
    if api_key.revoked_at is not None:
        return None
    return api_key
