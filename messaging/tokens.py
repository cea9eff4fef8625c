"""Signed tokens for payer URLs: a row's public id plus an HMAC of it under SECRET_KEY.

Each kind of token has its own salt, so a recovery-link token never passes as a stop token or the
other way round. Signatures made under a key listed in SECRET_KEY_FALLBACKS still verify, so links
already in inboxes keep working while the key is rotated. The row behind a token decides whether it
still works (expiry, revocation, use); the signature only proves Tinko made it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import URLResolver, get_resolver, get_script_prefix, get_urlconf, reverse

RECOVERY_LINK_SALT = "tinko.messaging.recovery-link"
REMINDERS_STOP_SALT = "tinko.messaging.reminders-stop"
# Not in the URL-safe base64 alphabet of the signature nor in public ids, and plain in a URL path.
_SEPARATOR = "."
_MAX_TOKEN_LENGTH = 200


def _signer(salt: str) -> signing.Signer:
    # Built per call: Signer reads SECRET_KEY and SECRET_KEY_FALLBACKS when it is made.
    return signing.Signer(salt=salt, sep=_SEPARATOR, algorithm="sha256")


def _sign(public_id: str, *, salt: str) -> str:
    return _signer(salt).sign(public_id)


def _unsign(token: str, *, salt: str, prefix: str) -> str | None:
    if len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        public_id = _signer(salt).unsign(token)
    except signing.BadSignature:
        return None
    return public_id if public_id.startswith(f"{prefix}_") else None


def recovery_link_token(public_id: str) -> str:
    """The token for the recovery link `public_id` (rlk_…)."""
    return _sign(public_id, salt=RECOVERY_LINK_SALT)


def recovery_link_token_read(token: str) -> str | None:
    """The recovery link's public id, or None for a token Tinko did not sign."""
    return _unsign(token, salt=RECOVERY_LINK_SALT, prefix="rlk")


def reminders_stop_token(notification_public_id: str) -> str:
    """The opaque token of a message's stop link (the message's id, signed)."""
    return _sign(notification_public_id, salt=REMINDERS_STOP_SALT)


def reminders_stop_token_read(token: str) -> str | None:
    """The message's public id, or None for a token Tinko did not sign."""
    return _unsign(token, salt=REMINDERS_STOP_SALT, prefix="ntf")


# Characters `reverse` writes into a path as they are (RFC 3986's unreserved): every token signed
# here (a public id, the separator, URL-safe base64) is made of them.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
_STAND_IN = "tinko-token"


def token_url(*, view: str, token: str) -> str:
    """`${PUBLIC_BASE_URL}` and the path of the payer page `view` (which takes a `token`) for `token`,
    as `reverse` writes it. Each email writes two such URLs; reversing costs tens of microseconds,
    so the path around a token is reversed once per URLconf and script prefix and reused."""
    around = _path_around_token(get_resolver(get_urlconf()), get_script_prefix(), view)
    if around is not None and _UNRESERVED.fullmatch(token):
        path = f"{around[0]}{token}{around[1]}"
    else:
        path = reverse(view, kwargs={"token": token})
    return f"{settings.PUBLIC_BASE_URL}{path}"


@lru_cache(maxsize=64)
def _path_around_token(resolver: URLResolver, script_prefix: str, view: str) -> tuple[str, str] | None:
    """The path of `view` before and after its token, for `resolver` (the current URLconf, replaced
    when the URLconf changes) and `script_prefix`; None if the stand-in token is not found once."""
    before, found, after = reverse(view, kwargs={"token": _STAND_IN}).partition(_STAND_IN)
    return (before, after) if found and _STAND_IN not in after else None
