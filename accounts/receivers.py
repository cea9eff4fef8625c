"""Audit rows for two-factor changes, which allauth makes in its own code; and the signal to
forget remembered API keys when a key or an organization changes.

allauth.mfa offers no adapter hook inside its transactions; model signals on its
Authenticator fire within them, so the audit row commits (or rolls back) with the change.
The receivers only call the service. The client address comes from allauth's request context.
"""

from __future__ import annotations

from typing import Any, cast

from allauth.core import context
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.access import client_ip
from accounts.models import ApiKey, Organization, User
from accounts.services import api_keys_changed, sign_in_failure_record, user_event_record

_ADDED = {
    Authenticator.Type.TOTP: "user.mfa_enabled",
    Authenticator.Type.RECOVERY_CODES: "user.recovery_codes_generated",
}
_REMOVED = {Authenticator.Type.TOTP: "user.mfa_disabled"}


def _ip() -> str | None:
    request = context.request
    return client_ip(request) if request is not None else None


@receiver(post_save, sender=Authenticator, dispatch_uid="accounts_mfa_added")
def mfa_added(sender: type[Authenticator], instance: Authenticator, created: bool, **kwargs: Any) -> None:
    action = _ADDED.get(Authenticator.Type(instance.type))
    if created and action:
        user_event_record(user=cast(User, instance.user), action=action, ip_address=_ip())


@receiver(post_delete, sender=Authenticator, dispatch_uid="accounts_mfa_removed")
def mfa_removed(sender: type[Authenticator], instance: Authenticator, **kwargs: Any) -> None:
    action = _REMOVED.get(Authenticator.Type(instance.type))
    # Deleting a person deletes their authenticators too; there is no one left to audit.
    if action and not isinstance(kwargs.get("origin"), User):
        user_event_record(user=cast(User, instance.user), action=action, ip_address=_ip())


@receiver(mfa_signals.authentication_failed, dispatch_uid="accounts_mfa_failed")
def mfa_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    sign_in_failure_record(email=user.email, ip_address=client_ip(request), reason="two-factor code")


@receiver(post_save, sender=ApiKey)
@receiver(post_delete, sender=ApiKey)
@receiver(post_save, sender=Organization)
@receiver(post_delete, sender=Organization)
def _api_keys_changed(sender: Any, **kwargs: Any) -> None:
    """Processes that remember API keys (accounts.api_key_cache) read them again: through the
    console, the services or the admin, a key or its organization changed."""
    api_keys_changed()
