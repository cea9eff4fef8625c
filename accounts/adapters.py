"""django-allauth hooks: thin callers of accounts.services (no forked views or page templates)."""

from __future__ import annotations

import base64
from typing import Any, cast

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest

from accounts.access import client_ip, invitation_pending, invitation_pending_clear, session_organization_set
from accounts.models import User
from accounts.services import (
    Actor,
    invitation_accept,
    organization_create,
    sign_in_failure_record,
    user_event_record,
)


class AccountAdapter(DefaultAccountAdapter):
    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        """Create the person and, in the same transaction, their first organization or the one that invited them."""
        with transaction.atomic():
            saved = cast(User, super().save_user(request, user, form, commit=True))
            actor = Actor(user=saved, ip_address=client_ip(request))
            invitation = invitation_pending(request)
            if invitation is not None:
                membership = invitation_accept(invitation=invitation, user=saved, actor=actor)
                organization = membership.organization
                invitation_pending_clear(request)
            else:
                data = form.cleaned_data
                organization = organization_create(
                    name=data["organization_name"],
                    owner=saved,
                    time_zone=data["time_zone"],
                    default_currency=data["default_currency"],
                    actor=actor,
                )
        session_organization_set(request, organization)
        return saved

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Sign in and record it, in one transaction (last_login and the audit row)."""
        with transaction.atomic():
            super().login(request, user)
            user_event_record(user=cast(User, user), action="user.signed_in", ip_address=client_ip(request))

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        """Record a wrong password for the address tried; the password itself is never kept."""
        sign_in_failure_record(
            email=str(credentials.get("email") or ""), ip_address=client_ip(request), reason="password"
        )


def _fernet_for(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tinko.mfa", info=b"totp-secret").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class MFAAdapter(DefaultMFAAdapter):
    """Encrypts TOTP secrets at rest with a key derived from SECRET_KEY.

    Rotating SECRET_KEY keeps working when the old key is listed in SECRET_KEY_FALLBACKS:
    secrets encrypted under it still decrypt.
    """

    def _fernet(self) -> MultiFernet:
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return MultiFernet([_fernet_for(secret) for secret in secrets])

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return self._fernet().decrypt(encrypted_text.encode()).decode()
