"""tinko.sql per function and row count, on whichever database the suite runs on (SQLite by
default, PostgreSQL with DATABASE_URL): each count on either side of the bulk path (8 rows),
JSON and aware datetimes read back exactly, and the statement each call chose (PostgreSQL's bulk
path sends these rows as JSON; test_sql_json.py has each type and the array path)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import OrganizationFactory
from recovery.models import Transaction
from tinko import sql
from tinko.ids import new_public_id

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
COUNTS = [1, 8, 9, 50]
KOLKATA = ZoneInfo("Asia/Kolkata")
START = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=KOLKATA)

FIELDS = (
    "organization",
    "livemode",
    "public_id",
    "transaction_ref",
    "amount",
    "currency",
    "gateway",
    "payment_method_type",
    "customer_email",
    "customer_phone",
    "customer_name",
    "gateway_customer_id",
    "gateway_payment_method_id",
    "status",
    "category",
    "failure_count",
    "first_failed_at",
    "last_failed_at",
    "metadata",
    "created_at",
    "updated_at",
    "recovered_by",
    "recovery_note",
)


def metadata(index: int) -> dict[str, Any]:
    return {"n": index, "note": '₹ café "quoted" \\ back', "nested": {"list": [1, 2.5, None, True], "empty": {}}}


def row(organization: Any, index: int, *, ref_prefix: str = "ref") -> list[Any]:
    failed_at = START + timedelta(minutes=index, microseconds=index)
    return [
        organization.pk,
        False,
        new_public_id("txn"),
        f"{ref_prefix}-{index:03d}",
        100 + index,
        "INR",
        "stripe",
        "card",
        "",
        "",
        "",
        "",
        "",
        "failed",
        "funds",
        1,
        failed_at,
        failed_at,
        metadata(index),
        failed_at,
        failed_at,
        "",
        "",
    ]


@pytest.mark.parametrize("count", COUNTS)
def test_insert_rows_writes_json_and_datetimes_exactly(organization, count: int) -> None:
    rows = [row(organization, index) for index in range(count)]

    with CaptureQueriesContext(connection) as captured:
        returned = sql.insert_rows(Transaction, FIELDS, rows, returning=("transaction_ref", "amount"))

    assert sorted(returned) == [(f"ref-{index:03d}", 100 + index) for index in range(count)]
    assert len(captured) == 1
    assert ("jsonb_array_elements(" in captured[0]["sql"]) is (POSTGRESQL and count > 8)
    stored = {txn.transaction_ref: txn for txn in Transaction.objects.for_org(organization, livemode=False)}
    for index in range(count):
        txn = stored[f"ref-{index:03d}"]
        expected = START + timedelta(minutes=index, microseconds=index)
        assert txn.metadata == metadata(index)
        assert (txn.first_failed_at, txn.last_failed_at, txn.created_at) == (expected, expected, expected)
        assert txn.first_failed_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("count", COUNTS)
def test_insert_rows_without_returning_returns_nothing(organization, count: int) -> None:
    returned = sql.insert_rows(Transaction, FIELDS, [row(organization, index) for index in range(count)])

    assert returned == []
    assert Transaction.objects.for_org(organization, livemode=False).count() == count


@pytest.mark.parametrize("count", COUNTS)
def test_insert_rows_ignoring_conflicts_returns_only_the_rows_it_inserted(organization, count: int) -> None:
    already = list(range(0, count, 2))
    sql.insert_rows(Transaction, FIELDS, [row(organization, index) for index in already])
    rows = [row(organization, index) for index in range(count)]
    for values in rows:
        values[FIELDS.index("amount")] = 999

    returned = sql.insert_rows(
        Transaction, FIELDS, rows, ignore_conflicts=True, returning=("transaction_ref", "amount")
    )

    fresh = [index for index in range(count) if index not in already]
    assert sorted(returned) == [(f"ref-{index:03d}", 999) for index in fresh]
    amounts = dict(Transaction.objects.for_org(organization, livemode=False).values_list("transaction_ref", "amount"))
    assert amounts == {f"ref-{index:03d}": 100 + index if index in already else 999 for index in range(count)}


def test_insert_rows_with_nothing_to_insert_runs_no_statement(organization) -> None:
    with CaptureQueriesContext(connection) as captured:
        assert sql.insert_rows(Transaction, FIELDS, [], returning=("id",)) == []

    assert len(captured) == 0


@pytest.mark.parametrize("count", COUNTS)
def test_update_rows_writes_each_rows_own_values(organization, count: int) -> None:
    sql.insert_rows(Transaction, FIELDS, [row(organization, index) for index in range(count + 1)])
    pks = dict(Transaction.objects.for_org(organization, livemode=False).values_list("transaction_ref", "pk"))
    later = START + timedelta(days=1)
    updates = [
        [pks[f"ref-{index:03d}"], "recovering", {"updated": index, "at": "café"}, later + timedelta(seconds=index)]
        for index in range(count)
    ]

    with CaptureQueriesContext(connection) as captured:
        sql.update_rows(Transaction, ("status", "metadata", "last_failed_at"), updates)

    assert len(captured) == 1
    statement = captured[0]["sql"]
    if count == 1:
        expected_path = "one"
    elif POSTGRESQL and count > 8:
        expected_path = "json"
    else:
        expected_path = "executemany"
    if "jsonb_array_elements(" in statement:
        path = "json"
    else:
        path = "executemany" if statement.startswith(f"{count} times: ") else "one"
    assert path == expected_path
    stored = {txn.transaction_ref: txn for txn in Transaction.objects.for_org(organization, livemode=False)}
    for index in range(count):
        txn = stored[f"ref-{index:03d}"]
        assert (txn.status, txn.metadata, txn.last_failed_at) == (
            "recovering",
            {"updated": index, "at": "café"},
            later + timedelta(seconds=index),
        )
    untouched = stored[f"ref-{count:03d}"]
    assert (untouched.status, untouched.metadata) == ("failed", metadata(count))


@pytest.mark.parametrize("count", COUNTS)
def test_find_rows_reads_the_organizations_matching_rows(organization, count: int) -> None:
    other = OrganizationFactory.create()
    present = list(range(0, count, 2))
    sql.insert_rows(Transaction, FIELDS, [row(organization, index) for index in present])
    sql.insert_rows(Transaction, FIELDS, [row(other, index) for index in range(count)])
    wanted = [f"ref-{index:03d}" for index in range(count)]

    with CaptureQueriesContext(connection) as captured:
        found = sql.find_rows(
            Transaction,
            "transaction_ref",
            wanted,
            where={"organization": organization.pk},
            columns=("transaction_ref", "amount"),
        )

    assert sorted(found) == [(f"ref-{index:03d}", 100 + index) for index in present]
    assert len(captured) == 1
    assert ("LATERAL" in captured[0]["sql"]) is POSTGRESQL


@pytest.mark.parametrize("count", COUNTS)
def test_existing_values_names_the_values_already_stored(organization, count: int) -> None:
    present = list(range(0, count, 3))
    sql.insert_rows(Transaction, FIELDS, [row(organization, index) for index in present])

    existing = sql.existing_values(
        Transaction,
        "transaction_ref",
        [f"ref-{index:03d}" for index in range(count)],
        where={"organization": organization.pk},
    )

    assert existing == {f"ref-{index:03d}" for index in present}


@pytest.mark.skipif(not POSTGRESQL, reason="needs PostgreSQL (set DATABASE_URL)")
@pytest.mark.parametrize("count", [1, 3])
def test_insert_chain_writes_json_and_datetimes_exactly(organization, count: int) -> None:
    links = [
        sql.ChainLink(model=Transaction, values=dict(zip(FIELDS, row(organization, index), strict=True)))
        for index in range(count)
    ]

    guards, ids = sql.insert_chain(links, guards=[sql.Guard("TRUE")])

    stored = {txn.pk: txn for txn in Transaction.objects.for_org(organization, livemode=False)}
    assert guards == [True]
    inserted = [pk for pk in ids if pk is not None]
    assert len(inserted) == count
    assert set(inserted) == set(stored)
    for index, pk in enumerate(inserted):
        txn = stored[pk]
        expected = START + timedelta(minutes=index, microseconds=index)
        assert (txn.transaction_ref, txn.metadata) == (f"ref-{index:03d}", metadata(index))
        assert txn.last_failed_at == expected.astimezone(UTC)


@pytest.mark.skipif(not POSTGRESQL, reason="needs PostgreSQL (set DATABASE_URL)")
def test_bulk_statements_are_never_prepared_while_small_ones_are(organization) -> None:
    assert connection.connection.prepare_threshold == 5
    for batch in range(8):
        sql.insert_rows(Transaction, FIELDS, [row(organization, index, ref_prefix=f"b{batch}") for index in range(9)])
        sql.insert_rows(Transaction, FIELDS, [row(organization, 0, ref_prefix=f"s{batch}")])

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]

    assert [statement for statement in prepared if "jsonb_array_elements(" in statement] == []
    assert len([statement for statement in prepared if statement.startswith('INSERT INTO "recovery_transaction"')]) == 1
