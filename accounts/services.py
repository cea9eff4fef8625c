"""Writes for accounts: organizations, memberships and API keys."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.enums import ApiKeyMode, Role
from accounts.models import ApiKey, Membership, Organization, User
from tinko.money import normalize_currency

logger = logging.getLogger(__name__)

API_KEY_LOOKUP_LENGTH = 12
API_KEY_SECRET_BYTES = 24
# last_used_at is advisory; writing it on every request would put a row lock on the hot path.
API_KEY_TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedApiKey:
    """A freshly created key: `plaintext` exists only here and is never stored."""

    api_key: ApiKey
    plaintext: str


def api_key_hash(plaintext: str) -> str:
    # Keys carry ~190 random bits, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _new_lookup() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(API_KEY_LOOKUP_LENGTH))


def api_key_create(
    *, organization: Organization, name: str, mode: str = ApiKeyMode.TEST, created_by: User | None = None
) -> IssuedApiKey:
    """Create a key for `organization`; the plaintext is returned once and never kept."""
    mode = ApiKeyMode(mode)
    lookup = _new_lookup()
    plaintext = f"tk_{mode.value}_{lookup}{secrets.token_urlsafe(API_KEY_SECRET_BYTES)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        mode=mode,
        lookup=lookup,
        secret_hash=api_key_hash(plaintext),
        created_by=created_by,
    )
    logger.info("api_key_created", extra={"org_id": organization.public_id, "api_key_id": api_key.public_id})
    return IssuedApiKey(api_key=api_key, plaintext=plaintext)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key; it answers 401 from the next request on. Revoking twice is harmless."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    logger.info("api_key_revoked", extra={"org_id": api_key.organization_id, "api_key_id": api_key.public_id})
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that the key was used, at most once a minute per key."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < API_KEY_TOUCH_INTERVAL:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


@transaction.atomic
def organization_create(
    *, name: str, slug: str, owner: User, time_zone: str = "UTC", default_currency: str = "USD"
) -> Organization:
    """Create an organization with `owner` as its first member (role owner)."""
    organization = Organization.objects.create(
        name=name, slug=slug, time_zone=time_zone, default_currency=normalize_currency(default_currency)
    )
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    logger.info("organization_created", extra={"org_id": organization.public_id})
    return organization
