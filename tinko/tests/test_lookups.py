"""`__any`: the rows `__in` finds, on PostgreSQL with the values as one array parameter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizations() -> list[Organization]:
    return [Organization.objects.create(name=f"Shop {n}", slug=f"shop-{n}") for n in range(5)]


@pytest.mark.parametrize(
    "values",
    [[0], [1, 3], [0, 1, 2, 3, 4], [4, 4, 2], [], [None], [None, 2], ["3"]],
)
def test_any_finds_what_in_finds(organizations: list[Organization], values: list[object]) -> None:
    ids = [organizations[value].pk if isinstance(value, int) else value for value in values]
    if ids == ["3"]:
        ids = [str(organizations[3].pk)]

    found = set(Organization.objects.filter(pk__any=ids).values_list("pk", flat=True))

    assert found == set(Organization.objects.filter(pk__in=ids).values_list("pk", flat=True))


def test_any_reads_text_columns_and_foreign_keys_and_drives_updates(organizations: list[Organization]) -> None:
    user = User.objects.create_user(email="asha@example.com", password="x")
    for organization in organizations[:3]:
        Membership.objects.create(organization=organization, user=user, role="owner")
    chosen = [organizations[0].pk, organizations[2].pk, organizations[4].pk]

    slugs = Organization.objects.filter(slug__any=["shop-1", "shop-3", "nowhere"]).values_list("slug", flat=True)
    members = Membership.objects.filter(organization_id__any=chosen).values_list("organization_id", flat=True)
    renamed = Organization.objects.filter(pk__any=chosen).update(name="Renamed")

    assert sorted(slugs) == ["shop-1", "shop-3"]
    assert sorted(members) == sorted(chosen[:2])
    assert renamed == 3
    assert Organization.objects.filter(name="Renamed").count() == 3


def test_any_takes_a_subquery_as_in_does(organizations: list[Organization]) -> None:
    first_two = Organization.objects.filter(slug__in=["shop-0", "shop-1"]).values("pk")

    assert Organization.objects.filter(pk__any=first_two).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array parameter is PostgreSQL's (set DATABASE_URL)")
def test_on_postgresql_the_values_travel_as_one_array(organizations: list[Organization]) -> None:
    ids = [organization.pk for organization in organizations]

    with CaptureQueriesContext(connection) as captured:
        assert Organization.objects.filter(pk__any=ids).count() == 5
        assert not Membership.objects.filter(organization_id__any=ids).exists()

    for query in captured.captured_queries:
        assert "= ANY(" in query["sql"]
        assert " IN (" not in query["sql"]
