"""Two-factor secrets under their own keys: a SECRET_KEY rotation keeps everyone signed in and able
to sign in again, and MFA keys rotate with a re-encrypt command."""

from __future__ import annotations

import base64
import importlib
import secrets

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps as global_apps
from django.core.management import call_command
from django.test import Client

from accounts.models import User

PASSWORD = "correct horse battery staple"
OLD_SECRET_KEY = "old-" + "k" * 60
NEW_SECRET_KEY = "new-" + "n" * 60
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FIRST_MFA_KEY = Fernet.generate_key().decode()
SECOND_MFA_KEY = Fernet.generate_key().decode()


def _current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _enroll(user: User) -> list[str]:
    TOTP.activate(user, TOTP_SECRET)
    return RecoveryCodes.activate(user).get_unused_codes()


def _signs_in_with(user: User, code: str) -> bool:
    client = Client()
    first = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert first["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    return response.status_code == 302 and response["Location"] == "/app/"


@pytest.mark.django_db
@time_machine.travel("2026-11-27 10:00:05Z", tick=False)
def test_a_secret_key_rotation_keeps_sessions_totp_and_recovery_codes(membership, settings) -> None:
    settings.SECRET_KEY = OLD_SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = []
    user = membership.user
    recovery_codes = _enroll(user)
    signed_in = Client()
    signed_in.force_login(user)

    settings.SECRET_KEY = NEW_SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_SECRET_KEY]
    still_signed_in = signed_in.get("/app/").status_code
    with_totp = _signs_in_with(user, _current_code(TOTP_SECRET))
    settings.SECRET_KEY_FALLBACKS = []
    with_recovery_code = _signs_in_with(user, recovery_codes[0])
    # A TOTP code is accepted once: the next sign-in uses the next one.
    with time_machine.travel("2026-11-27 10:01:05Z", tick=False):
        with_totp_after_the_old_key_is_gone = _signs_in_with(user, _current_code(TOTP_SECRET))

    assert (still_signed_in, with_totp, with_recovery_code, with_totp_after_the_old_key_is_gone) == (
        200,
        True,
        True,
        True,
    )


@pytest.mark.django_db
@time_machine.travel("2026-11-27 10:00:05Z", tick=False)
def test_mfa_keys_rotate_with_the_re_encrypt_command(membership, settings) -> None:
    settings.MFA_ENCRYPTION_KEYS = [FIRST_MFA_KEY]
    user = membership.user
    recovery_codes = _enroll(user)
    settings.MFA_ENCRYPTION_KEYS = [SECOND_MFA_KEY, FIRST_MFA_KEY]

    call_command("rotate_mfa_keys")
    settings.MFA_ENCRYPTION_KEYS = [SECOND_MFA_KEY]

    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    second = Fernet(SECOND_MFA_KEY)
    assert second.decrypt(totp.data["secret"].encode()).decode() == TOTP_SECRET
    assert len(second.decrypt(codes.data["seed"].encode()).decode()) == 80
    assert (_signs_in_with(user, _current_code(TOTP_SECRET)), _signs_in_with(user, recovery_codes[1])) == (True, True)


def _legacy_encrypt(text: str, secret_key: str) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tinko.mfa", info=b"totp-secret").derive(secret_key.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key))]).encrypt(text.encode()).decode()


@pytest.mark.django_db
def test_the_migration_re_encrypts_secrets_made_under_secret_key(membership, settings) -> None:
    settings.SECRET_KEY = NEW_SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_SECRET_KEY]
    settings.MFA_ENCRYPTION_KEYS = [FIRST_MFA_KEY]
    seed = secrets.token_hex(40)
    Authenticator.objects.create(
        user=membership.user,
        type=Authenticator.Type.TOTP,
        data={"secret": _legacy_encrypt(TOTP_SECRET, OLD_SECRET_KEY)},
    )
    Authenticator.objects.create(
        user=membership.user,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": _legacy_encrypt(seed, NEW_SECRET_KEY), "used_mask": 3},
    )
    migration = importlib.import_module("accounts.migrations.0003_mfa_secrets_own_keys")

    migration.mfa_secrets_to_own_keys(global_apps, None)
    migration.mfa_secrets_to_own_keys(global_apps, None)

    first = Fernet(FIRST_MFA_KEY)
    totp = Authenticator.objects.get(type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(type=Authenticator.Type.RECOVERY_CODES)
    assert first.decrypt(totp.data["secret"].encode()).decode() == TOTP_SECRET
    assert (first.decrypt(codes.data["seed"].encode()).decode(), codes.data["used_mask"]) == (seed, 3)
