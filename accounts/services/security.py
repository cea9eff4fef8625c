"""Sign-in and two-factor events, recorded in the audit log of each organization the person belongs to."""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction

from accounts.models import Membership, Organization, User
from accounts.services.audit import Actor, audit_record

logger = logging.getLogger(__name__)


def _organizations_of(user: User) -> list[Organization | None]:
    organizations: list[Organization | None] = [
        membership.organization
        for membership in Membership.objects.filter(user=user).select_related("organization").order_by("created_at")
    ]
    # A person in no organization still leaves a trace, visible in Django admin.
    return organizations or [None]


@transaction.atomic
def user_event_record(*, user: User, action: str, ip_address: str | None) -> None:
    """Record a sign-in or two-factor change by `user` (e.g. `user.signed_in`, `user.mfa_enabled`)."""
    actor = Actor(user=user, ip_address=ip_address)
    for organization in _organizations_of(user):
        audit_record(organization=organization, actor=actor, action=action, target=user)


@transaction.atomic
def sign_in_failure_record(*, email: str, ip_address: str | None, reason: str) -> None:
    """Record a failed sign-in for the address tried (the password is never seen here)."""
    user = User.objects.filter(email__iexact=email).first() if email else None
    # Platform-wide too: staff usually belong to no organization. The address is hashed, so the
    # log can correlate attempts without collecting the addresses people mistype.
    logger.warning(
        "signin_failed",
        extra={
            "email_hash": hashlib.sha256(email.strip().lower().encode()).hexdigest(),
            "ip": ip_address,
            "reason": reason,
            "staff": bool(user and user.is_staff),
        },
    )
    actor = Actor(ip_address=ip_address, label=email[:254] or "unknown")
    organizations = _organizations_of(user) if user else [None]
    for organization in organizations:
        audit_record(
            organization=organization,
            actor=actor,
            action="user.sign_in_failed",
            target=user,
            target_label=email,
            changes={"reason": [None, reason]},
        )
