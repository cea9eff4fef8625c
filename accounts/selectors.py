"""Reads for accounts."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.mfa.models import Authenticator
from django.db.models import F, QuerySet
from django.urls import reverse

from accounts.enums import ApiKeyMode, Role
from accounts.models import ApiKey, AuditEvent, Invitation, Membership, Organization, OrganizationLogo, User
from accounts.services import API_KEY_LOOKUP_LENGTH, api_key_hash, invitation_token_hash


def api_key_find_active(*, plaintext: str) -> ApiKey | None:
    """The unrevoked key matching `plaintext` (its organization loaded), compared in constant
    time; None otherwise. Reads the database every time, so a revocation holds at once."""
    for mode in ("test", "live"):
        prefix = f"tk_{mode}_"
        if plaintext.startswith(prefix):
            lookup = plaintext[len(prefix) : len(prefix) + API_KEY_LOOKUP_LENGTH]
            break
    else:
        return None
    try:
        api_key = ApiKey.objects.select_related("organization").get(lookup=lookup)
    except ApiKey.DoesNotExist:
        return None
    if api_key.mode != mode:
        return None
    if not hmac.compare_digest(api_key.secret_hash, api_key_hash(plaintext)):
        return None
    if api_key.revoked_at is not None:
        return None
    return api_key


def api_key_live_exists(*, organization: Organization) -> bool:
    """Whether the organization has an active live key (it takes live payments)."""
    return ApiKey.objects.for_org(organization).filter(mode=ApiKeyMode.LIVE, revoked_at__isnull=True).exists()


def api_key_list(*, organization: Organization) -> QuerySet[ApiKey]:
    """The organization's keys, active first, newest first."""
    return (
        ApiKey.objects.for_org(organization)
        .select_related("created_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at")
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """Every organization `user` belongs to, oldest membership first."""
    return Membership.objects.filter(user=user).select_related("organization").order_by("created_at", "pk")


def membership_current(*, user: User, organization_id: int | None) -> Membership | None:
    """The membership for the organization chosen in the session, else the user's first one."""
    memberships = membership_list_for_user(user=user)
    if organization_id is not None:
        chosen = memberships.filter(organization_id=organization_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_org(organization).select_related("user").order_by("created_at", "pk")


def invitation_list_pending(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (expired ones included, to resend or revoke)."""
    return (
        Invitation.objects.for_org(organization)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_find_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_user_id: int | None = None
    since: date | None = None
    until: date | None = None


def audit_event_list(*, organization: Organization, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The organization's audit events, newest first; dates are days in the organization's time zone."""
    events = AuditEvent.objects.for_org(organization).select_related("actor_user").order_by("-created_at", "-pk")
    zone = ZoneInfo(str(organization.time_zone))
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor_user_id is not None:
        events = events.filter(actor_user_id=filters.actor_user_id)
    if filters.since is not None:
        events = events.filter(created_at__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until is not None:
        end = datetime.combine(filters.until, time.min, tzinfo=zone) + timedelta(days=1)
        events = events.filter(created_at__lt=end)
    return events


def audit_action_list(*, organization: Organization) -> list[str]:
    """The distinct actions recorded for the organization, for the filter menu."""
    return sorted(set(AuditEvent.objects.for_org(organization).values_list("action", flat=True).distinct()))


@dataclass(frozen=True)
class Branding:
    """How an organization presents itself to payers (pages and emails)."""

    name: str
    accent_colour: str
    support_email: str
    support_phone: str
    logo_url: str | None


def organization_branding(*, organization: Organization) -> Branding:
    logo = OrganizationLogo.objects.filter(organization=organization).only("sha256").first()
    logo_url = None
    if logo is not None:
        logo_url = reverse("brand-logo", kwargs={"org_id": organization.public_id, "version": logo.sha256[:16]})
    return Branding(
        name=organization.brand_name,
        accent_colour=organization.accent_colour,
        support_email=organization.support_email,
        support_phone=organization.support_phone,
        logo_url=logo_url,
    )


def organization_logo_find(*, org_public_id: str) -> OrganizationLogo | None:
    # An organization being deleted shows nothing more, as if it had never been.
    return OrganizationLogo.objects.filter(
        organization__public_id=org_public_id, organization__deletion_started_at__isnull=True
    ).first()


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    url_name: str
    min_role: str


def onboarding_checklist(*, organization: Organization, user: User) -> list[ChecklistItem]:
    """The console home's "getting started" steps and whether each is done."""
    has_team = (
        Membership.objects.for_org(organization).count() > 1
        or invitation_list_pending(organization=organization).exists()
    )
    branded = bool(organization.display_name or organization.accent_colour) or (
        OrganizationLogo.objects.filter(organization=organization).exists()
    )
    return [
        ChecklistItem(
            label="Create an API key",
            done=ApiKey.objects.for_org(organization).filter(revoked_at__isnull=True).exists(),
            url_name="console:api_keys",
            min_role=Role.ADMIN,
        ),
        ChecklistItem(label="Invite your team", done=has_team, url_name="console:team", min_role=Role.ADMIN),
        ChecklistItem(label="Brand your payer pages", done=branded, url_name="console:settings", min_role=Role.ADMIN),
        ChecklistItem(
            label="Turn on two-factor sign-in for your account",
            done=Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
            url_name="mfa_index",
            min_role=Role.ANALYST,
        ),
    ]
