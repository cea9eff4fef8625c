"""A team change locks its organization without blocking the rows that reference it (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from accounts.enums import Role
from accounts.models import ApiKey, Membership
from accounts.services import SYSTEM, api_key_create, membership_change_role, membership_remove
from accounts.tests.factories import MembershipFactory
from tinko.tests.locks import held_open

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


def create_key_within_a_second(organization) -> ApiKey:
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Waiting for the team change would fail here instead of hanging the test.
            cursor.execute("SET LOCAL lock_timeout = '1s'")
        return api_key_create(organization=organization, name="During a team change").api_key


@pytest.fixture
def owner(organization) -> Membership:
    return MembershipFactory.create(organization=organization, role=Role.OWNER)


@pytest.fixture
def member(organization) -> Membership:
    return MembershipFactory.create(organization=organization, role=Role.ANALYST)


def test_a_role_change_in_flight_does_not_block_a_new_api_key(organization, owner, member) -> None:
    with held_open(lambda: membership_change_role(membership=member, role=Role.ADMIN, by=owner, actor=SYSTEM)):
        api_key = create_key_within_a_second(organization)

    assert ApiKey.objects.filter(organization=organization).get() == api_key
    member.refresh_from_db()
    assert member.role == Role.ADMIN


def test_a_removal_in_flight_does_not_block_a_new_api_key(organization, owner, member) -> None:
    with held_open(lambda: membership_remove(membership=member, by=owner, actor=SYSTEM)):
        api_key = create_key_within_a_second(organization)

    assert ApiKey.objects.filter(organization=organization).get() == api_key
    assert not Membership.objects.filter(pk=member.pk).exists()
