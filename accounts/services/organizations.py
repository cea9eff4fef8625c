"""Organizations: creation with an owner, settings, branding and deletion."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify

from accounts.branding import PreparedLogo
from accounts.enums import PayerLanguage, Role
from accounts.models import ApiKey, Invitation, Membership, Organization, OrganizationLogo, User
from accounts.services.api_keys import api_keys_changed
from accounts.services.audit import SYSTEM, Actor, audit_changes, audit_record
from tinko.enqueue import task_enqueue, task_enqueue_on_commit
from tinko.money import normalize_currency
from tinko.races import atomic_retrying

logger = logging.getLogger(__name__)

SLUG_ATTEMPTS = 5
ORGANIZATION_PURGE_TASK = "accounts.organization_purge"
BRANDING_FIELDS = ("display_name", "accent_colour", "support_email", "support_phone", "payer_language")


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
    # Other apps' setup (a default retry policy), named in settings so accounts imports none of them.
    for handler in settings.ORGANIZATION_CREATED_HANDLERS:
        import_string(handler)(organization=organization, actor=actor)
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
    payer_language: str | None = None,
    logo: PreparedLogo | None = None,
    remove_logo: bool = False,
) -> Organization:
    """Change what payers see: display name, logo, accent colour, support contacts and language
    (`payer_language` None keeps the current one)."""
    before: dict[str, str | None] = {name: getattr(organization, name) for name in BRANDING_FIELDS}
    after: dict[str, str | None] = {
        "display_name": display_name,
        "accent_colour": accent_colour,
        "support_email": support_email,
        "support_phone": support_phone,
        "payer_language": PayerLanguage(payer_language).value if payer_language else organization.payer_language,
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


# Ingest rows written by a request that authenticated just before the deletion are swept this
# long after the purge (see ORGANIZATION_PURGED_TASKS).
STRAGGLER_SWEEP_DELAY_SECONDS = 300


@transaction.atomic
def organization_delete(*, organization: Organization, actor: Actor = SYSTEM) -> None:
    """Start deleting the organization: at once, in this transaction, nobody can reach it any more
    (its API keys revoked, its members and open invitations gone, its webhook endpoints refused);
    its data goes in the background (`organization_purge`), so a large organization never holds up
    a web request. Its audit rows stay, detached. Deleting twice changes nothing."""
    now = timezone.now()
    started = Organization.objects.filter(pk=organization.pk, deletion_started_at__isnull=True).update(
        deletion_started_at=now
    )
    if not started:
        return
    organization.deletion_started_at = now
    keys = ApiKey.objects.filter(organization=organization, revoked_at__isnull=True).update(revoked_at=now)
    Invitation.objects.filter(organization=organization).delete()
    Membership.objects.filter(organization=organization).delete()
    audit_record(
        organization=None,
        actor=actor,
        action="organization.deletion_started",
        target=organization,
        target_label=f"{organization.name} ({organization.slug})",
        changes={"api_keys_revoked": [None, keys]},
    )
    transaction.on_commit(api_keys_changed)
    task_enqueue_on_commit(ORGANIZATION_PURGE_TASK, organization.pk)
    logger.info("organization_deletion_started", extra={"org_id": organization.public_id, "api_keys_revoked": keys})


def _owned_tables() -> list[tuple[type[models.Model], str]]:
    """Every model whose rows an organization's deletion cascades to, with its organization field."""
    owned = []
    for relation in Organization._meta.get_fields(include_hidden=True):
        if not isinstance(relation, models.ForeignObjectRel) or not relation.one_to_many:
            continue
        model = relation.related_model
        if relation.on_delete is models.CASCADE and isinstance(model, type) and issubclass(model, models.Model):
            owned.append((model, relation.field.name))
    return owned


def organization_purge(*, organization_id: int, batch_size: int = 1000) -> bool:
    """Delete an organization whose deletion started, and everything it owns, in batches of their
    own transactions; then have ORGANIZATION_PURGED_TASKS sweep what requests still wrote. False
    if there is no such organization (already purged, or never deleted)."""
    organization = Organization.objects.filter(pk=organization_id, deletion_started_at__isnull=False).first()
    if organization is None:
        return False
    deleted: dict[str, int] = {}
    for model, field in _owned_tables():
        rows = model._base_manager.filter(**{field: organization})
        while ids := list(rows.values_list("pk", flat=True)[:batch_size]):
            with transaction.atomic():
                _, by_model = model._base_manager.filter(pk__in=ids).delete()
            for label, number in by_model.items():
                deleted[label] = deleted.get(label, 0) + number
    public_id, label = organization.public_id, f"{organization.name} ({organization.slug})"
    with transaction.atomic():
        audit_record(
            organization=None, actor=SYSTEM, action="organization.deleted", target=organization, target_label=label
        )
        organization.delete()
    for name in settings.ORGANIZATION_PURGED_TASKS:
        task_enqueue(name, organization_id, countdown=STRAGGLER_SWEEP_DELAY_SECONDS)
    logger.info("organization_purged", extra={"org_id": public_id, "deleted": deleted})
    return True


def organizations_purge_due(*, older_than_seconds: float = 600) -> list[int]:
    """Ids of organizations whose deletion started a while ago and whose purge is still to do
    (its task lost with a broker outage, or its worker killed): the sweeper sends them again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(Organization.objects.filter(deletion_started_at__lt=cutoff).order_by("pk").values_list("pk", flat=True))
