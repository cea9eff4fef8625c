import pytest
from django.db import IntegrityError

from accounts.models import ApiKey, Membership, Organization, User
from accounts.services import api_key_create, organization_create
from accounts.tests.factories import OrganizationFactory, UserFactory


@pytest.mark.django_db
def test_email_is_the_login_and_unique_whatever_its_case() -> None:
    user = User.objects.create_user(email="Dana@Example.com", password="pw-123456789")

    assert user.email == "dana@example.com"
    assert user.public_id.startswith("usr_")
    with pytest.raises(IntegrityError):
        User.objects.create(email="DANA@example.com")


@pytest.mark.django_db
def test_organization_create_makes_the_creator_owner() -> None:
    owner = UserFactory.create()

    organization = organization_create(name="Acme", slug="acme", owner=owner, default_currency="inr")

    assert organization.public_id.startswith("org_")
    assert organization.default_currency == "INR"
    assert list(Membership.objects.filter(organization=organization).values_list("user", "role")) == [
        (owner.pk, "owner")
    ]


@pytest.mark.django_db
def test_a_user_has_one_membership_per_organization(membership) -> None:
    with pytest.raises(IntegrityError):
        Membership.objects.create(organization=membership.organization, user=membership.user, role="admin")


@pytest.mark.django_db
def test_for_org_scopes_to_one_organization() -> None:
    mine, theirs = OrganizationFactory.create(), OrganizationFactory.create()
    my_key = api_key_create(organization=mine, name="mine").api_key
    api_key_create(organization=theirs, name="theirs")

    assert list(ApiKey.objects.for_org(mine)) == [my_key]


@pytest.mark.django_db
def test_public_ids_are_filled_on_bulk_create_and_unique() -> None:
    Organization.objects.bulk_create([Organization(name=f"Org {i}", slug=f"org-{i}") for i in range(50)])

    ids = list(Organization.objects.values_list("public_id", flat=True))
    assert len(set(ids)) == 50
    assert all(public_id.startswith("org_") and len(public_id) == 26 for public_id in ids)
