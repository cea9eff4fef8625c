"""Gateway secrets encrypted at rest with MultiFernet; keys come from GATEWAY_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts. Rotation: put a new key first, keep the old ones
after it, run `manage.py rotate_gateway_keys`, then drop the old keys.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from payments.exceptions import PaymentsError


class SecretDecryptionFailed(PaymentsError):
    """No configured key opens this ciphertext (a key was dropped before rotating)."""


@cache
def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.GATEWAY_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        raise ImproperlyConfigured("GATEWAY_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "GATEWAY_ENCRYPTION_KEYS must hold url-safe base64 encodings of 32 random bytes."
        ) from exc


@receiver(setting_changed)
def _forget_keys(*, setting: str, **_: object) -> None:
    if setting == "GATEWAY_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def secret_encrypt(plaintext: str) -> str:
    """Ciphertext of `plaintext` under the newest key ('' stays '')."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def secret_decrypt(ciphertext: str) -> str:
    """Plaintext of a ciphertext made by secret_encrypt, under any configured key."""
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionFailed("No key in GATEWAY_ENCRYPTION_KEYS decrypts this secret.") from exc


def secret_rotate(ciphertext: str) -> str:
    """The same secret re-encrypted under the newest key."""
    if not ciphertext:
        return ""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionFailed("No key in GATEWAY_ENCRYPTION_KEYS decrypts this secret.") from exc


def secret_hint(plaintext: str) -> str:
    """What may be shown of a secret: its type prefix and last four characters (`sk_test_…4242`)."""
    if not plaintext:
        return ""
    prefix = ""
    for candidate in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_", "sbx_sk_", "sbx_whsec_"):
        if plaintext.startswith(candidate):
            prefix = candidate
            break
    return f"{prefix}…{plaintext[-4:]}" if len(plaintext) > 8 else "…"
