from typing import Any

import pytest
from django.db import connection

from tinko import sql


def test_rows_are_adapted_column_by_column_and_none_stays_none() -> None:
    rows: list[list[Any]] = [[1, {"a": 1}, "x"], [2, None, "y"]]

    adapted = sql._adapt(rows, [None, sql._dumps, str.upper])

    assert adapted == [[1, '{"a":1}', "X"], [2, None, "Y"]]
    assert rows == [[1, {"a": 1}, "x"], [2, None, "y"]]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="Rows have 2 values, not 3"):
        sql._adapt([[1, 2]], [None, None, None])
    with pytest.raises(ValueError, match="shorter"):
        sql._adapt([[1, 2, 3], [1, 2]], [None, None, None])


def test_columns_transpose_rows() -> None:
    assert sql._columns([[1, "a"], [2, "b"], [3, "c"]], 2) == [[1, 2, 3], ["a", "b", "c"]]
    assert sql._columns([], 2) == [[], []]


@pytest.mark.django_db
def test_find_rows_reads_the_requested_columns_of_the_matching_rows_only(organization) -> None:
    from django.utils import timezone

    from accounts.tests.factories import OrganizationFactory
    from tinko.models import IdempotencyKey

    other = OrganizationFactory.create()
    now = timezone.now()
    for org, key in [(organization, "a"), (organization, "b"), (other, "c")]:
        IdempotencyKey.objects.create(
            organization=org,
            livemode=False,
            key=key,
            fingerprint=f"f-{key}",
            response_status=201,
            response_body=b"{}",
            created_at=now,
        )

    rows = sql.find_rows(
        IdempotencyKey,
        "key",
        ["a", "c", "missing"],
        where={"organization": organization.pk},
        columns=("key", "fingerprint"),
    )

    assert rows == [("a", "f-a")]
    assert sql.existing_values(
        IdempotencyKey, "key", [f"k{i}" for i in range(20)] + ["b"], where={"organization": organization.pk}
    ) == {"b"}
    with pytest.raises(ValueError, match="non-empty"):
        sql.existing_values(IdempotencyKey, "key", [""], where={"organization": organization.pk})


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL has them: see test_sql_chain.py")
def test_insert_chain_refuses_a_database_without_data_modifying_with_clauses(organization) -> None:
    from django.db import NotSupportedError

    from tinko.models import IdempotencyKey

    link = sql.ChainLink(model=IdempotencyKey, values={"key": "k"})
    with pytest.raises(NotSupportedError):
        sql.insert_chain([link], guards=[sql.Guard("1 = 1")])
