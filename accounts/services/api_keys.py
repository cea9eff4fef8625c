"""API keys: created with a secret shown once, stored as a hash, revoked for good."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.enums import API_KEY_ROLES, ApiKeyMode, Role
from accounts.exceptions import ApiKeyLimitError
from accounts.models import ApiKey, Organization, User
from accounts.services.audit import SYSTEM, Actor, audit_record
from tinko.local_cache import SharedToken, WithoutRedis

logger = logging.getLogger(__name__)

API_KEY_LOOKUP_LENGTH = 12
API_KEY_SECRET_BYTES = 24
# last_used_at is advisory; writing it on every request would put a row lock on the hot path.
API_KEY_TOUCH_INTERVAL = timedelta(seconds=60)
# Changes whenever a key or an organization does (api_keys_changed). Without Redis, keys are
# not remembered at all: a revocation must hold at once in every process.
# pg_advisory_xact_lock(int, int): a class of locks of its own, then the organization.
_KEY_CREATION_LOCK = 0x61706B  # "apk"
_INT4_LIMIT = 2**31 - 1
API_KEYS_EPOCH = SharedToken("tinko:api-keys:epoch", without_redis=WithoutRedis.NOWHERE)


@dataclass(frozen=True)
class IssuedApiKey:
    """A freshly created key: `plaintext` exists only here and is never stored."""

    api_key: ApiKey
    plaintext: str


def api_key_hash(plaintext: str) -> str:
    # Keys carry ~190 random bits, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _lock_key_creation(organization: Organization) -> None:
    # Concurrent creations for one organization count its keys one after the other. An advisory
    # lock, not the organization's row: a team change holds that, and must not hold up a new key.
    # (SQLite runs one writing transaction at a time already.)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_KEY_CREATION_LOCK, organization.pk % _INT4_LIMIT])


def _new_lookup() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(API_KEY_LOOKUP_LENGTH))


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    name: str,
    mode: str = ApiKeyMode.TEST,
    role: str = Role.ADMIN,
    created_by: User | None = None,
    actor: Actor = SYSTEM,
) -> IssuedApiKey:
    """Create a key for `organization`; the plaintext is returned once and never kept. Raises
    ApiKeyLimitError when the organization already holds `API_KEYS_MAX_ACTIVE` active keys."""
    mode = ApiKeyMode(mode)
    if role not in API_KEY_ROLES:
        raise ValueError(f"An API key's role is one of {', '.join(API_KEY_ROLES)}, not {role!r}.")
    _lock_key_creation(organization)
    cap = settings.API_KEYS_MAX_ACTIVE
    if ApiKey.objects.filter(organization=organization, revoked_at__isnull=True).count() >= cap:
        raise ApiKeyLimitError(
            f"An organization can hold at most {cap} active API keys; revoke one you no longer use first."
        )
    lookup = _new_lookup()
    plaintext = f"tk_{mode.value}_{lookup}{secrets.token_urlsafe(API_KEY_SECRET_BYTES)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        mode=mode,
        role=role,
        lookup=lookup,
        secret_hash=api_key_hash(plaintext),
        created_by=created_by,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="api_key.created",
        target=api_key,
        changes={"mode": [None, mode.value], "role": [None, role]},
    )
    logger.info("api_key_created", extra={"org_id": organization.public_id, "api_key_id": api_key.public_id})
    return IssuedApiKey(api_key=api_key, plaintext=plaintext)


def api_keys_changed() -> None:
    """Make every process read API keys from the database again (accounts.api_key_cache): a key or
    an organization changed."""
    # The change itself must not fail for this: a new key's secret is about to be shown once, and
    # the local expiry of remembered keys bounds how long other processes serve the old rows.
    try:
        API_KEYS_EPOCH.bump()
    except Exception:
        logger.exception("api_keys_epoch_bump_failed")


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: Actor = SYSTEM, reason: str = "") -> ApiKey:
    """Revoke a key; it answers 401 from the next request on. Revoking twice is harmless."""
    revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    if revoked:
        api_keys_changed()
        audit_record(
            organization=api_key.organization,
            actor=actor,
            action="api_key.revoked",
            target=api_key,
            changes={"reason": [None, reason]} if reason else None,
        )
        logger.info("api_key_revoked", extra={"org_id": api_key.organization_id, "api_key_id": api_key.public_id})
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that the key was used, at most once a minute per key."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < API_KEY_TOUCH_INTERVAL:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
