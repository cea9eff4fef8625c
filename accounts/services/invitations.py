"""Invitations: an expiring, single-use link sent by email that makes the reader a member."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role, role_at_least
from accounts.exceptions import AlreadyMemberError, InvitationUnavailableError, RoleRequiredError
from accounts.models import Invitation, Membership, User
from accounts.services.audit import Actor, audit_record

logger = logging.getLogger(__name__)

INVITATION_TTL = timedelta(days=7)
INVITATION_TOKEN_BYTES = 32


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation and its link; the token in `url` is never stored."""

    invitation: Invitation
    url: str


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
    return token, invitation_token_hash(token)


def _url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('invitation', kwargs={'token': token})}"


def _check_may_invite(*, by: Membership, role: str) -> None:
    if not role_at_least(by.role, Role.ADMIN):
        raise RoleRequiredError("Only owners and admins can invite people.")
    if role == Role.OWNER and by.role != Role.OWNER:
        raise RoleRequiredError("Only an owner can invite another owner.")


def _send_on_commit(invitation: Invitation, url: str) -> None:
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "url": url,
        "expires_at": invitation.expires_at,
    }

    def send() -> None:
        # The invitation is committed by now: a mail server that fails must not turn the saved
        # invitation into an error page. The team page offers "resend".
        org_id = invitation.organization.public_id
        try:
            subject = render_to_string("emails/invitation_subject.txt", context).strip()
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("emails/invitation_message.txt", context),
                to=[invitation.email],
            )
            message.attach_alternative(render_to_string("emails/invitation_message.html", context), "text/html")
            message.send()
        except Exception:
            logger.exception("invitation_send_failed", extra={"org_id": org_id})
            return
        logger.info("invitation_sent", extra={"org_id": org_id})

    transaction.on_commit(send)


@transaction.atomic
def invitation_create(*, by: Membership, email: str, role: str, actor: Actor) -> IssuedInvitation:
    """Invite `email` into `by`'s organization with `role`; an open invitation to the same address is replaced."""
    organization = by.organization
    role = Role(role)
    _check_may_invite(by=by, role=role)
    email = email.strip().lower()
    if Membership.objects.for_org(organization).filter(user__email__iexact=email).exists():
        raise AlreadyMemberError(f"{email} is already a member of {organization.name}.")
    now = timezone.now()
    # Revoke before insert: the partial unique index allows one open invitation per address.
    Invitation.objects.for_org(organization).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token, token_hash = _new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=by.user,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="member.invited",
        target=invitation,
        target_label=email,
        changes={"role": [None, role.value]},
    )
    url = _url(token)
    _send_on_commit(invitation, url)
    return IssuedInvitation(invitation=invitation, url=url)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: Membership, actor: Actor) -> IssuedInvitation:
    """Send a pending invitation again with a new link and a new expiry; the old link stops working."""
    _check_may_invite(by=by, role=invitation.role)
    now = timezone.now()
    token, token_hash = _new_token()
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        token_hash=token_hash, expires_at=now + INVITATION_TTL, invited_by=by.user
    )
    if not updated:
        raise InvitationUnavailableError("This invitation was already accepted or revoked.")
    invitation.refresh_from_db()
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action="member.invitation_resent",
        target=invitation,
        target_label=invitation.email,
    )
    url = _url(token)
    _send_on_commit(invitation, url)
    return IssuedInvitation(invitation=invitation, url=url)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Membership, actor: Actor) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    _check_may_invite(by=by, role=invitation.role)
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitation.refresh_from_db()
    if updated:
        audit_record(
            organization=invitation.organization,
            actor=actor,
            action="member.invitation_revoked",
            target=invitation,
            target_label=invitation.email,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, actor: Actor) -> Membership:
    """Make `user` a member with the invitation's role; works once, before expiry, for the invited address."""
    if user.email.lower() != invitation.email.lower():
        raise InvitationUnavailableError(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    if Membership.objects.for_org(invitation.organization).filter(user=user).exists():
        raise AlreadyMemberError(f"You are already a member of {invitation.organization.name}.")
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    if not claimed:
        raise InvitationUnavailableError("This invitation has expired, was revoked, or was already used.")
    membership = Membership.objects.create(organization=invitation.organization, user=user, role=invitation.role)
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action="member.joined",
        target=membership,
        target_label=user.email,
        changes={"role": [None, invitation.role]},
    )
    logger.info("invitation_accepted", extra={"org_id": invitation.organization.public_id})
    return membership
