"""Two-factor secrets (TOTP secrets, recovery-code seeds) encrypted at rest with MultiFernet; keys
come from MFA_ENCRYPTION_KEYS, separate from SECRET_KEY so that rotating SECRET_KEY never locks
anyone out of two-factor sign-in.

The first key encrypts; every key decrypts. Rotation: put a new key first, keep the old ones
after it, run `manage.py rotate_mfa_keys`, then drop the old keys. (The same scheme as gateway
secrets in payments.crypto, with its own keys: a leak of one set exposes nothing of the other.)
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from accounts.exceptions import AccountsError


class MfaSecretDecryptionFailed(AccountsError):
    """No configured key opens this ciphertext (a key was dropped before rotating)."""


@cache
def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.MFA_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEYS must hold url-safe base64 encodings of 32 random bytes."
        ) from exc


@receiver(setting_changed)
def _forget_keys(*, setting: str, **_: object) -> None:
    if setting == "MFA_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def mfa_secret_encrypt(plaintext: str) -> str:
    """Ciphertext of `plaintext` under the newest key."""
    return _fernet().encrypt(plaintext.encode()).decode()


def mfa_secret_decrypt(ciphertext: str) -> str:
    """Plaintext of a ciphertext made by mfa_secret_encrypt, under any configured key."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise MfaSecretDecryptionFailed("No key in MFA_ENCRYPTION_KEYS decrypts this secret.") from exc


def mfa_secret_rotate(ciphertext: str) -> str:
    """The same secret re-encrypted under the newest key."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise MfaSecretDecryptionFailed("No key in MFA_ENCRYPTION_KEYS decrypts this secret.") from exc
