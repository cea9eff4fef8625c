"""The demo organization that `make run` loads, so Tinko can be tried offline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.enums import Role
from accounts.models import Membership, Organization, User
from accounts.services import organization_create
from payments.demo import DemoGateway, demo_gateway_load

DEMO_ORG_SLUG = "demo"
DEMO_ORG_NAME = "Demo Store"
DEMO_EMAIL = "demo@tinko.test"
DEMO_PASSWORD = "tinko-demo"
DEMO_ADMIN_EMAIL = "admin@tinko.test"
DEMO_ADMIN_PASSWORD = "tinko-admin"


@dataclass(frozen=True)
class Demo:
    organization: Organization
    user: User
    admin: User
    gateway: DemoGateway


def _user(email: str, password: str, **extra: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email=email, password=password, **extra)
    user.set_password(password)
    for name, value in extra.items():
        setattr(user, name, value)
    user.save()
    return user


@transaction.atomic
def demo_load() -> Demo:
    """Create (or bring back to its known state) the demo organization, its owner and a platform admin,
    with the sandbox gateway connected and a fresh sandbox checkout to try."""
    user = _user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Dana Demo")
    admin = _user(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, full_name="Ada Admin", is_staff=True, is_superuser=True)
    organization = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
    if organization is None:
        organization = organization_create(
            name=DEMO_ORG_NAME, slug=DEMO_ORG_SLUG, owner=user, time_zone="Asia/Kolkata", default_currency="INR"
        )
    Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": Role.OWNER})
    return Demo(organization=organization, user=user, admin=admin, gateway=demo_gateway_load(organization=organization))
