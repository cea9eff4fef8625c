"""Team changes: roles, removals and leaving, with the rules that keep an organization owned."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from accounts.enums import Role, role_at_least
from accounts.exceptions import LastOwnerError, RoleRequiredError
from accounts.models import ApiKey, Invitation, Membership, Organization
from accounts.services.api_keys import api_key_revoke
from accounts.services.audit import Actor, audit_record

logger = logging.getLogger(__name__)


def _lock_organization(organization: Organization) -> None:
    # Team changes in one organization are serialised on its row, so two owners demoting
    # each other at the same moment cannot both see "another owner is left". NO KEY: a plain
    # FOR UPDATE would also block every insert whose foreign key references the organization
    # (FOR KEY SHARE) until the team change commits.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()


def _owner_count(organization: Organization) -> int:
    return Membership.objects.for_org(organization).filter(role=Role.OWNER).count()


def membership_may_manage(*, by: Membership, target: Membership) -> bool:
    """Whether `by` may change `target`'s role or remove them: admins manage everyone but owners."""
    if by.pk == target.pk or not role_at_least(by.role, Role.ADMIN):
        return False
    return target.role != Role.OWNER or by.role == Role.OWNER


def _check_may_manage(*, by: Membership, target: Membership, new_role: str | None = None) -> None:
    if not role_at_least(by.role, Role.ADMIN):
        raise RoleRequiredError("Only owners and admins can manage the team.")
    touches_owner = target.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and by.role != Role.OWNER:
        raise RoleRequiredError("Only an owner can change an owner or make someone an owner.")


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: Membership, actor: Actor) -> Membership:
    """Give a member another role; owners are changed or made only by owners, and the last stays."""
    role = Role(role)
    _lock_organization(membership.organization)
    membership.refresh_from_db(fields=["role"])
    by.refresh_from_db(fields=["role"])
    _check_may_manage(by=by, target=membership, new_role=role)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and _owner_count(membership.organization) == 1:
        raise LastOwnerError("An organization needs an owner: make someone else owner first.")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.role_changed",
        target=membership,
        target_label=membership.user.email,
        changes={"role": [previous, role.value]},
    )
    return membership


def _revoke_access_granted_by(membership: Membership, *, actor: Actor) -> None:
    # What a member handed out lives on their authority: a pending invitation they sent would
    # still admit someone, and a key they created (and may have kept a copy of) would still
    # answer, after they are gone.
    organization = membership.organization
    invitations = Invitation.objects.for_org(organization).filter(
        invited_by=membership.user, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for invitation in invitations.order_by("pk"):
        Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(
            organization=organization,
            actor=actor,
            action="member.invitation_revoked",
            target=invitation,
            target_label=invitation.email,
            changes={"reason": [None, "inviter removed"]},
        )
    api_keys = ApiKey.objects.for_org(organization).filter(created_by=membership.user, revoked_at__isnull=True)
    for api_key in api_keys.select_related("organization").order_by("pk"):
        api_key_revoke(api_key=api_key, actor=actor, reason="creator removed")


@transaction.atomic
def membership_remove(*, membership: Membership, by: Membership, actor: Actor) -> None:
    """Remove a member (or, when `by` is the member, leave); the last owner cannot go. The pending
    invitations they sent and the API keys they created are revoked with them."""
    _lock_organization(membership.organization)
    membership.refresh_from_db(fields=["role"])
    leaving = membership.pk == by.pk
    if not leaving:
        by.refresh_from_db(fields=["role"])
        _check_may_manage(by=by, target=membership)
    if membership.role == Role.OWNER and _owner_count(membership.organization) == 1:
        raise LastOwnerError("The last owner cannot leave: make someone else owner first, or delete the organization.")
    _revoke_access_granted_by(membership, actor=actor)
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.left" if leaving else "member.removed",
        target=membership,
        target_label=membership.user.email,
        changes={"role": [membership.role, None]},
    )
    membership.delete()
    logger.info("membership_removed", extra={"org_id": membership.organization.public_id, "left": leaving})
