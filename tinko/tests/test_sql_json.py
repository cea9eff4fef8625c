"""tinko.sql's two ways of sending many rows to PostgreSQL: as one JSON array of arrays and, for
what JSON cannot carry, as one array per column. Each column type reads back the same either way,
SQL NULL stays apart from JSON null, and the array path still takes what JSON cannot."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from django.db import DataError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

from recovery.enums import TransactionStatus
from recovery.models import Transaction
from tinko import sql
from tinko.models import IdempotencyKey
from tinko.tests.test_sql_tables import FIELDS, row

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

KOLKATA = ZoneInfo("Asia/Kolkata")
TEXT = [
    "",
    "plain",
    '₹ café "quoted" \\ back / slash',
    "tab\tnew\nline\rreturn",
    "\x01\x1f\x7f control",
    "\u2028\u2029 separators",
    "e\u0301 combining, 𝄞 astral, 🙂 emoji",
    "{not json}",
    "null",
]
# (field, values): every value, None included, must read back as itself.
COLUMNS: list[tuple[models.Field[Any, Any], list[Any]]] = [
    (models.BigIntegerField(), [0, -1, 2**63 - 1, -(2**63), None]),
    (models.PositiveSmallIntegerField(), [0, 32767, None]),
    (models.IntegerField(), [-(2**31), 2**31 - 1, None]),
    (models.BooleanField(), [True, False, None]),
    (models.CharField(max_length=64), [*TEXT, TransactionStatus.FAILED, None]),
    (models.TextField(), [*TEXT, "x" * 5000, None]),
    (
        models.DateTimeField(),
        [
            datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=KOLKATA),
            datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
            datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=ZoneInfo("America/St_Johns")),
            None,
        ],
    ),
    (models.DateField(), [date(2026, 2, 28), date(1, 1, 1), None]),
    (models.UUIDField(), [uuid.UUID("12345678-1234-5678-1234-567812345678"), None]),
    (
        models.JSONField(),
        [
            {"n": 1, "nested": {"list": [1, 2.5, None, True], "empty": {}}, "text": TEXT},
            [None],
            "a string",
            12,
            False,
            None,
        ],
    ),
]


def _read_back(fields: Sequence[models.Field[Any, Any]], rows: list[list[Any]], *, path: str) -> list[tuple[Any, ...]]:
    """The rows as PostgreSQL reads them from the JSON or the array parameters: each value as
    psycopg loads it (Django has jsonb come as text: decoded here), then its text form (SQL NULL
    is None there, JSON null 'null')."""
    names = [f"c{index}" for index in range(len(fields))]
    if path == "json":
        source = f"SELECT {sql._json_values(fields, connection)} FROM jsonb_array_elements(%s::text::jsonb) AS r"
        params: list[Any] = [sql._json_rows(rows, len(fields))]
    else:
        source = f"SELECT * FROM unnest({sql._arrays(fields, connection)})"
        params = sql._columns(sql._adapt(rows, sql._adapters(fields, connection)), len(fields))
    texts = ", ".join(f"{name}::text" for name in names)
    with sql._bulk_cursor(connection) as cursor:
        cursor.execute(f"SELECT *, {texts} FROM ({source}) AS v({', '.join(names)})", params)
        found = cursor.fetchall()
    json_columns = {index for index, field in enumerate(fields) if isinstance(field, models.JSONField)}
    return [
        tuple(
            orjson.loads(value) if index in json_columns and value is not None else value
            for index, value in enumerate(values)
        )
        for values in found
    ]


@pytest.mark.parametrize(("field", "values"), COLUMNS, ids=[type(field).__name__ for field, _ in COLUMNS])
def test_each_type_reads_back_as_itself_through_json_as_through_arrays(field, values) -> None:
    fields = [models.BigIntegerField(), field]
    rows = [[index, value] for index, value in enumerate(values)]

    through_json = _read_back(fields, rows, path="json")
    through_arrays = _read_back(fields, rows, path="arrays")

    assert through_json == through_arrays
    assert [found[:2] for found in through_json] == [(index, value) for index, value in enumerate(values)]
    for (_, value), found in zip(rows, through_json, strict=True):
        assert (found[3] is None) is (value is None)


def test_a_json_columns_none_is_sql_null_and_a_nested_null_stays_json() -> None:
    fields = [models.JSONField(), models.JSONField()]

    ((first, second, first_text, second_text),) = _read_back(fields, [[None, [None]]], path="json")

    assert (first, first_text) == (None, None)
    assert (second, second_text) == ([None], "[null]")


def test_datetimes_keep_their_instant_and_microseconds() -> None:
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=KOLKATA)

    ((_, found, _, _),) = _read_back([models.BigIntegerField(), models.DateTimeField()], [[1, moment]], path="json")

    assert found == moment
    assert found.astimezone(UTC) == datetime(2026, 3, 1, 4, 0, 15, 123456, tzinfo=UTC)


def test_a_statement_shape_with_a_type_json_cannot_carry_goes_by_arrays(organization) -> None:
    now = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=KOLKATA)
    fields = ("organization", "livemode", "key", "fingerprint", "response_status", "response_body", "created_at")
    rows = [[organization.pk, False, f"k{index}", "f", 201, b"\x00\xff" * index, now] for index in range(9)]

    with CaptureQueriesContext(connection) as captured:
        returned = sql.insert_rows(IdempotencyKey, fields, rows, returning=("key",))

    assert sorted(returned) == [(f"k{index}",) for index in range(9)]
    assert "unnest(" in captured[0]["sql"]
    assert "jsonb_array_elements(" not in captured[0]["sql"]
    stored = dict(IdempotencyKey.objects.filter(organization=organization).values_list("key", "response_body"))
    assert {key: bytes(body) for key, body in stored.items()} == {
        f"k{index}": b"\x00\xff" * index for index in range(9)
    }


def test_a_value_orjson_refuses_sends_the_rows_by_arrays(organization) -> None:
    class Moment(datetime):
        pass

    rows = [row(organization, index) for index in range(9)]
    late = Moment(2026, 3, 1, 9, 30, 15, 7, tzinfo=KOLKATA)
    rows[4][FIELDS.index("last_failed_at")] = late

    with CaptureQueriesContext(connection) as captured:
        sql.insert_rows(Transaction, FIELDS, rows)

    assert "unnest(" in captured[0]["sql"]
    stored = Transaction.objects.for_org(organization, livemode=False).get(transaction_ref="ref-004")
    assert stored.last_failed_at == late


def test_updates_go_by_json_and_by_arrays_alike(organization) -> None:
    sql.insert_rows(Transaction, FIELDS, [row(organization, index) for index in range(20)])
    pks = dict(Transaction.objects.for_org(organization, livemode=False).values_list("transaction_ref", "pk"))
    when = datetime(2026, 4, 1, 12, 0, 0, 999999, tzinfo=KOLKATA)

    class Moment(datetime):
        pass

    by_json = [[pks[f"ref-{index:03d}"], None, {"i": index, "t": TEXT}, when] for index in range(10)]
    by_arrays = [[pks[f"ref-{index:03d}"], None, {"i": index, "t": TEXT}, when] for index in range(10, 20)]
    by_arrays[0][3] = Moment(2026, 4, 1, 12, 0, 0, 999999, tzinfo=KOLKATA)

    with CaptureQueriesContext(connection) as captured:
        sql.update_rows(Transaction, ("recovered_amount", "metadata", "recovered_at"), by_json)
        sql.update_rows(Transaction, ("recovered_amount", "metadata", "recovered_at"), by_arrays)
        sql.update_rows(
            Transaction,
            ("recovered_amount", "recovered_at"),
            [[pks[f"ref-{index:03d}"], 5, None] for index in range(10)],
        )

    assert ["jsonb_array_elements(" in query["sql"] for query in captured] == [True, False, True]
    stored = {txn.transaction_ref: txn for txn in Transaction.objects.for_org(organization, livemode=False)}
    for index in range(20):
        txn = stored[f"ref-{index:03d}"]
        expected_amount, expected_at = (5, None) if index < 10 else (None, when)
        assert (txn.recovered_amount, txn.metadata, txn.recovered_at) == (
            expected_amount,
            {"i": index, "t": TEXT},
            expected_at,
        )


def test_a_row_of_the_wrong_width_is_refused_as_before(organization) -> None:
    rows = [row(organization, index) for index in range(9)]
    rows[3] = rows[3][:-1]

    with pytest.raises(ValueError, match="shorter"):
        sql.insert_rows(Transaction, FIELDS, rows)

    assert not Transaction.objects.for_org(organization, livemode=False).exists()


@pytest.mark.parametrize("column", ["customer_name", "metadata"])
def test_a_nul_character_is_refused_as_before(organization, column: str) -> None:
    rows = [row(organization, index) for index in range(9)]
    rows[2][FIELDS.index(column)] = "nul\x00" if column == "customer_name" else {"k": "nul\x00"}

    with pytest.raises(DataError), transaction.atomic():
        sql.insert_rows(Transaction, FIELDS, rows)

    assert not Transaction.objects.for_org(organization, livemode=False).exists()


def test_the_json_statement_is_built_once_per_shape() -> None:
    first = sql._insert_statement(Transaction, FIELDS, False, ("id",), "default")
    again = sql._insert_statement(Transaction, FIELDS, False, ("id",), "default")

    assert first is again
    assert first.json.startswith('INSERT INTO "recovery_transaction"')
    # The organization, a foreign key, is read as its target's type; metadata as jsonb.
    assert f"(r->>{FIELDS.index('organization')})::bigint" in first.json
    assert f"NULLIF(r->{FIELDS.index('metadata')}, 'null'::jsonb)" in first.json
    assert sql._insert_statement(IdempotencyKey, ("response_body",), False, (), "default").json == ""


def test_amounts_past_a_bigint_are_refused_either_way(organization) -> None:
    for amount in (2**63, 2**64):
        rows = [row(organization, index) for index in range(9)]
        rows[0][FIELDS.index("amount")] = amount
        with pytest.raises(DataError), transaction.atomic():
            sql.insert_rows(Transaction, FIELDS, rows)

    assert not Transaction.objects.for_org(organization, livemode=False).exists()
