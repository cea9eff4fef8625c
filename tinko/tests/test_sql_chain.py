"""insert_chain: several dependent rows in one PostgreSQL statement."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tinko.models import IdempotencyKey
from tinko.sql import ChainLink, Guard, insert_chain

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


def link(organization, key: str, *, ignore_conflicts: bool = False) -> ChainLink:
    values = {
        "organization": organization.pk,
        "livemode": False,
        "key": key,
        "fingerprint": "f",
        "response_status": 201,
        "response_body": b'{"n": 1}',
        "created_at": timezone.now(),
    }
    return ChainLink(model=IdempotencyKey, values=values, ignore_conflicts=ignore_conflicts)


def test_every_link_is_inserted_when_the_guards_hold(organization) -> None:
    guards, ids = insert_chain([link(organization, "a"), link(organization, "b")], guards=[Guard("%s > 1", (2,))])

    assert guards == [True]
    rows = {row.key: row for row in IdempotencyKey.objects.all()}
    assert ids == [rows["a"].pk, rows["b"].pk]
    assert bytes(rows["b"].response_body) == b'{"n": 1}'


def test_a_failing_guard_inserts_nothing_and_says_which(organization) -> None:
    guards, ids = insert_chain(
        [link(organization, "a"), link(organization, "b")], guards=[Guard("TRUE"), Guard("%s = 1", (2,))]
    )

    assert (guards, ids) == ([True, False], [None, None])
    assert not IdempotencyKey.objects.exists()


def test_a_link_skipped_on_conflict_stops_the_links_after_it(organization) -> None:
    insert_chain([link(organization, "a")], guards=[Guard("TRUE")])

    _, ids = insert_chain(
        [link(organization, "a", ignore_conflicts=True), link(organization, "b")], guards=[Guard("TRUE")]
    )

    assert ids == [None, None]
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"a"}


def test_a_unique_violation_writes_nothing(organization) -> None:
    insert_chain([link(organization, "b")], guards=[Guard("TRUE")])

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_chain([link(organization, "a"), link(organization, "b")], guards=[Guard("TRUE")])

    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"b"}
