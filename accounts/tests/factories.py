from __future__ import annotations

from typing import Any

import factory
from allauth.mfa.models import Authenticator

from accounts.enums import ApiKeyMode, Role
from accounts.mfa_keys import mfa_secret_encrypt
from accounts.models import Membership, Organization, User
from accounts.services import IssuedApiKey, api_key_create

# The authenticator-app secret of staff made by UserFactory.
STAFF_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()

    @factory.post_generation
    def totp(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Staff get an authenticator app (the admin requires one) unless `totp=False`."""
        if create and obj.is_staff and extracted is not False:
            # bulk_create sends no signal: the factory leaves no "two-factor enabled" audit row.
            Authenticator.objects.bulk_create(
                [Authenticator(user=obj, type=Authenticator.Type.TOTP, data={"secret": mfa_secret_encrypt(STAFF_TOTP)})]
            )


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")
    time_zone = "UTC"
    default_currency = "USD"


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class ApiKeyFactory:
    """Keys are made through the service so the hash and prefix are real."""

    @staticmethod
    def issue(*, organization: Organization, name: str = "Test key", mode: str = ApiKeyMode.TEST) -> IssuedApiKey:
        return api_key_create(organization=organization, name=name, mode=mode)
