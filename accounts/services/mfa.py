"""Two-factor secrets at rest: re-encrypting them under the newest MFA key."""

from __future__ import annotations

import logging
from typing import Any

from allauth.mfa.models import Authenticator
from django.db import transaction

from accounts.mfa_keys import mfa_secret_rotate

logger = logging.getLogger(__name__)


def _rotated(data: dict[str, Any]) -> dict[str, Any]:
    # The encrypted fields allauth keeps: a TOTP secret, a recovery-code seed, and the codes
    # carried over from an older allauth.
    rotated = dict(data)
    for name in ("secret", "seed"):
        if name in rotated:
            rotated[name] = mfa_secret_rotate(rotated[name])
    if "migrated_codes" in rotated:
        rotated["migrated_codes"] = [mfa_secret_rotate(code) for code in rotated["migrated_codes"]]
    return rotated


@transaction.atomic
def mfa_secrets_rotate() -> int:
    """Re-encrypt every TOTP secret and recovery-code seed under the first of MFA_ENCRYPTION_KEYS;
    how many authenticators were rewritten. All or nothing: one that no key opens stops it."""
    authenticators = Authenticator.objects.select_for_update().filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    )
    count = 0
    for authenticator in authenticators.order_by("pk"):
        # A queryset update: no model signal, so no audit row claims the person changed anything.
        Authenticator.objects.filter(pk=authenticator.pk).update(data=_rotated(authenticator.data))
        count += 1
    logger.info("mfa_secrets_rotated", extra={"count": count})
    return count
