from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.crypto import SecretDecryptionFailed
from payments.services import gateway_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored gateway secret under the first key of GATEWAY_ENCRYPTION_KEYS. "
        "Rotate by putting a new key first (keeping the old ones after it), running this, then dropping the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = gateway_keys_rotate()
        except SecretDecryptionFailed as exc:
            raise CommandError(f"{exc} Keep the old key in GATEWAY_ENCRYPTION_KEYS until this succeeds.") from exc
        self.stdout.write(f"Re-encrypted the secrets of {rotated} gateway account(s) under the current key.")
