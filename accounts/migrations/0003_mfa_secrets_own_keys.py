"""TOTP secrets and recovery-code seeds move from a key derived from SECRET_KEY to MFA_ENCRYPTION_KEYS.

Secrets are read under SECRET_KEY or any of SECRET_KEY_FALLBACKS (as the old adapter did) and
written under the first MFA key; ones already under an MFA key are left alone, so running it
again changes nothing. A secret that no key opens stops the migration: put the SECRET_KEY it
was made under into SECRET_KEY_FALLBACKS and run it again.
"""

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations

TYPES = ("totp", "recovery_codes")


def _secret_key_fernet() -> MultiFernet:
    secret_keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tinko.mfa", info=b"totp-secret").derive(
                        secret_key.encode()
                    )
                )
            )
            for secret_key in secret_keys
        ]
    )


def _mfa_fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip()) for key in settings.MFA_ENCRYPTION_KEYS if key.strip()])


def _move(text: str, *, source: MultiFernet, target: MultiFernet) -> str:
    try:
        target.decrypt(text.encode())
    except InvalidToken:
        pass
    else:
        return text
    try:
        plaintext = source.decrypt(text.encode())
    except InvalidToken as exc:
        raise RuntimeError(
            "A two-factor secret opens under neither SECRET_KEY (nor its fallbacks) nor MFA_ENCRYPTION_KEYS: "
            "add the SECRET_KEY it was made under to SECRET_KEY_FALLBACKS and migrate again."
        ) from exc
    return target.encrypt(plaintext).decode()


def _reencrypt(apps: Apps, *, source: MultiFernet, target: MultiFernet) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=TYPES).order_by("pk"):
        data: dict[str, Any] = dict(authenticator.data)
        for name in ("secret", "seed"):
            if name in data:
                data[name] = _move(data[name], source=source, target=target)
        if "migrated_codes" in data:
            data["migrated_codes"] = [_move(code, source=source, target=target) for code in data["migrated_codes"]]
        Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


def mfa_secrets_to_own_keys(apps: Apps, schema_editor: Any) -> None:
    _reencrypt(apps, source=_secret_key_fernet(), target=_mfa_fernet())


def mfa_secrets_to_secret_key(apps: Apps, schema_editor: Any) -> None:
    _reencrypt(apps, source=_mfa_fernet(), target=_secret_key_fernet())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_teams_invitations_audit_branding"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(mfa_secrets_to_own_keys, mfa_secrets_to_secret_key)]
