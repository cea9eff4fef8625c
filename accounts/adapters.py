"""django-allauth hooks: thin callers of accounts.services (no forked views or page templates)."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest

from accounts.access import client_ip, invitation_pending, invitation_pending_clear, session_organization_set
from accounts.mfa_keys import mfa_secret_decrypt, mfa_secret_encrypt
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


class MFAAdapter(DefaultMFAAdapter):
    """Encrypts TOTP secrets and recovery-code seeds at rest under MFA_ENCRYPTION_KEYS (accounts.mfa_keys)."""

    def encrypt(self, text: str) -> str:
        return mfa_secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secret_decrypt(encrypted_text)
