"""Organizations: creation with an owner, settings, branding and deletion."""

from __future__ import annotations

import logging
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.branding import PreparedLogo
from accounts.enums import Role
from accounts.models import Membership, Organization, OrganizationLogo, User
from accounts.services.audit import SYSTEM, Actor, audit_changes, audit_record
from tinko.money import normalize_currency
from tinko.races import atomic_retrying

logger = logging.getLogger(__name__)

SLUG_ATTEMPTS = 5
BRANDING_FIELDS = ("display_name", "accent_colour", "support_email", "support_phone")


def _slug_candidates(name: str) -> list[str]:
    base = slugify(name)[:50].strip("-") or "org"
    return [base] + [f"{base}-{secrets.token_hex(3)}" for _ in range(SLUG_ATTEMPTS - 1)]


@transaction.atomic
def organization_create(
    *,
    name: str,
    owner: User,
    slug: str | None = None,
    time_zone: str = "UTC",
    default_currency: str = "USD",
    actor: Actor | None = None,
) -> Organization:
    """Create an organization with `owner` as its first member (role owner).

    Without a `slug` one is made from the name; a taken slug is answered by the unique
    constraint and another candidate tried, never by looking first.
    """
    currency = normalize_currency(default_currency)
    candidates = iter([slug] if slug else _slug_candidates(name))
    organization = atomic_retrying(
        lambda: Organization.objects.create(
            name=name, slug=next(candidates), time_zone=time_zone, default_currency=currency
        ),
        attempts=1 if slug else SLUG_ATTEMPTS,
    )
    membership = Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    actor = actor or Actor(user=owner)
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.created",
        target=organization,
        changes={"name": [None, name], "time_zone": [None, time_zone], "default_currency": [None, currency]},
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="member.joined",
        target=membership,
        target_label=owner.email,
        changes={"role": [None, Role.OWNER]},
    )
    logger.info("organization_created", extra={"org_id": organization.public_id})
    return organization


@transaction.atomic
def organization_update(
    *, organization: Organization, actor: Actor, name: str, time_zone: str, default_currency: str
) -> Organization:
    """Change the name, time zone and default currency (an owner's decision)."""
    before = {
        "name": organization.name,
        "time_zone": str(organization.time_zone),
        "default_currency": organization.default_currency,
    }
    organization.name = name
    organization.time_zone = time_zone
    organization.default_currency = normalize_currency(default_currency)
    after = {"name": name, "time_zone": time_zone, "default_currency": organization.default_currency}
    changes = audit_changes(before, after)
    if changes:
        organization.save(update_fields=["name", "time_zone", "default_currency"])
        audit_record(organization=organization, actor=actor, action="organization.updated", changes=changes)
    return organization


@transaction.atomic
def organization_update_branding(
    *,
    organization: Organization,
    actor: Actor,
    display_name: str,
    accent_colour: str,
    support_email: str,
    support_phone: str,
    logo: PreparedLogo | None = None,
    remove_logo: bool = False,
) -> Organization:
    """Change what payers see: display name, logo, accent colour and support contacts."""
    before: dict[str, str | None] = {name: getattr(organization, name) for name in BRANDING_FIELDS}
    after: dict[str, str | None] = {
        "display_name": display_name,
        "accent_colour": accent_colour,
        "support_email": support_email,
        "support_phone": support_phone,
    }
    current_logo = OrganizationLogo.objects.filter(organization=organization).only("sha256").first()
    before["logo"] = current_logo.sha256[:12] if current_logo else None
    if logo is not None:
        OrganizationLogo.objects.update_or_create(
            organization=organization,
            defaults={
                "content": logo.content,
                "sha256": logo.sha256,
                "width": logo.width,
                "height": logo.height,
                "updated_at": timezone.now(),
            },
        )
        after["logo"] = logo.sha256[:12]
    elif remove_logo:
        OrganizationLogo.objects.filter(organization=organization).delete()
        after["logo"] = None
    else:
        after["logo"] = before["logo"]
    for name in BRANDING_FIELDS:
        setattr(organization, name, after[name])
    changes = audit_changes(before, after)
    if changes:
        organization.save(update_fields=list(BRANDING_FIELDS))
        audit_record(organization=organization, actor=actor, action="organization.branding_updated", changes=changes)
    return organization


@transaction.atomic
def organization_delete(*, organization: Organization, actor: Actor = SYSTEM) -> None:
    """Delete the organization and everything it owns; its audit rows stay, detached."""
    audit_record(
        organization=None,
        actor=actor,
        action="organization.deleted",
        target=organization,
        target_label=f"{organization.name} ({organization.slug})",
    )
    public_id = organization.public_id
    organization.delete()
    logger.info("organization_deleted", extra={"org_id": public_id})
