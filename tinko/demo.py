"""The demo organization that `make run` loads, so Tinko can be tried offline."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.enums import Role
from accounts.models import ApiKey, Invitation, Membership, Organization, User
from accounts.services import SYSTEM, api_key_create, invitation_create, organization_create

DEMO_ORG_SLUG = "demo"
DEMO_ORG_NAME = "Demo Store"
DEMO_EU_ORG_SLUG = "demo-eu"
DEMO_EU_ORG_NAME = "Demo Store Europe"
DEMO_EMAIL = "demo@tinko.test"
DEMO_PASSWORD = "tinko-demo"
DEMO_ADMIN_EMAIL = "admin@tinko.test"
DEMO_ADMIN_PASSWORD = "tinko-admin"
# Teammates of the demo owner, with the demo password: one of each other role.
DEMO_TEAM = (
    ("ravi@tinko.test", "Ravi Rao", Role.ADMIN),
    ("asha@tinko.test", "Asha Iyer", Role.ANALYST),
)
DEMO_INVITEE = "new.hire@tinko.test"
DEMO_KEY_NAME = "Checkout backend"


@dataclass(frozen=True)
class Demo:
    organization: Organization
    user: User
    admin: User
    teammates: tuple[User, ...]


def _user(email: str, password: str, **extra: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, **extra)
    else:
        user.set_password(password)
        for name, value in extra.items():
            setattr(user, name, value)
        user.save()
    # Verified, so the demo people sign in even where verification is mandatory.
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _organization(*, slug: str, name: str, owner: User, time_zone: str, currency: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        organization = organization_create(
            name=name, slug=slug, owner=owner, time_zone=time_zone, default_currency=currency, actor=SYSTEM
        )
    return organization


@transaction.atomic
def demo_load() -> Demo:
    """Create (or bring back to its known state) the demo organizations, their people and a platform admin."""
    user = _user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Dana Demo")
    admin = _user(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, full_name="Ada Admin", is_staff=True, is_superuser=True)
    teammates = tuple(_user(email, DEMO_PASSWORD, full_name=name) for email, name, _ in DEMO_TEAM)

    organization = _organization(
        slug=DEMO_ORG_SLUG, name=DEMO_ORG_NAME, owner=user, time_zone="Asia/Kolkata", currency="INR"
    )
    Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": Role.OWNER})
    for teammate, (_, _, role) in zip(teammates, DEMO_TEAM, strict=True):
        Membership.objects.update_or_create(organization=organization, user=teammate, defaults={"role": role})
    Organization.objects.filter(pk=organization.pk).update(
        display_name=DEMO_ORG_NAME,
        accent_colour="#0f766e",
        support_email="help@demo-store.test",
        support_phone="+919876543210",
    )
    organization.refresh_from_db()
    if not ApiKey.objects.for_org(organization).filter(name=DEMO_KEY_NAME).exists():
        api_key_create(organization=organization, name=DEMO_KEY_NAME, created_by=user, actor=SYSTEM)
    owner = Membership.objects.get(organization=organization, user=user)
    if not Invitation.objects.for_org(organization).filter(email=DEMO_INVITEE, accepted_at__isnull=True).exists():
        invitation_create(by=owner, email=DEMO_INVITEE, role=Role.ANALYST, actor=SYSTEM)

    # A second merchant the demo user helps run, to show switching organizations.
    europe = _organization(
        slug=DEMO_EU_ORG_SLUG, name=DEMO_EU_ORG_NAME, owner=teammates[0], time_zone="Europe/Berlin", currency="EUR"
    )
    Membership.objects.update_or_create(organization=europe, user=teammates[0], defaults={"role": Role.OWNER})
    Membership.objects.update_or_create(organization=europe, user=user, defaults={"role": Role.ADMIN})
    return Demo(organization=organization, user=user, admin=admin, teammates=teammates)
