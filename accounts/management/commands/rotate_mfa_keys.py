from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.mfa_keys import MfaSecretDecryptionFailed
from accounts.services import mfa_secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret and recovery-code seed under the first key of MFA_ENCRYPTION_KEYS. "
        "Rotate by putting a new key first (keeping the old ones after it), running this, then dropping the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = mfa_secrets_rotate()
        except MfaSecretDecryptionFailed as exc:
            raise CommandError(f"{exc.message} Keep the old key in MFA_ENCRYPTION_KEYS until this succeeds.") from exc
        self.stdout.write(f"Re-encrypted the two-factor secrets of {rotated} authenticator(s) under the current key.")
