"""Multi-row INSERT and UPDATE for hot write paths, on PostgreSQL and SQLite.

`bulk_create`/`bulk_update` build their SQL through the ORM compiler value by value, and
`bulk_update` writes one CASE branch per row and field; at a thousand rows per request
that is most of the request's time. These write the same rows with one statement each,
`ON CONFLICT DO NOTHING … RETURNING` (which `bulk_create` cannot combine) included.
Values are Python values as the model fields hold them (foreign keys by their id).

On PostgreSQL, many rows travel as one JSON array of arrays that orjson writes in C, unpacked by
`jsonb_array_elements` and cast column by column: psycopg's dumping of one array per column
cost about an eighth of a batch request. Column types that JSON cannot carry exactly travel as
arrays, as does any call with a value orjson refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Self

import orjson
from django.db import NotSupportedError, connections, models, router
from psycopg import Cursor
from psycopg.abc import Params

# SQLite allows 32,766 parameters per statement (since 3.32).
_SQLITE_MAX_PARAMETERS = 32_000
# Up to this many rows, plain VALUES lists (and per-row UPDATEs) are cheaper than arrays to build.
_SMALL = 8


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _adapters(fields: Sequence[models.Field[Any, Any]], connection: Any) -> list[Callable[[Any], Any] | None]:
    adapters: list[Callable[[Any], Any] | None] = []
    for field in fields:
        kind = field.get_internal_type()
        if kind == "JSONField":
            # JSON text: SQLite stores it as is; PostgreSQL casts it to jsonb (see _arrays).
            adapters.append(_dumps)
        elif kind == "DateTimeField":
            adapters.append(connection.ops.adapt_datetimefield_value)
        else:
            adapters.append(None)
    return adapters


# Types whose values orjson writes as JSON that PostgreSQL casts back to the same value: integers,
# booleans, text, RFC 3339 dates and datetimes (offset and microseconds kept), UUIDs, and JSON
# itself. Not bytes, Decimal or timedelta (orjson refuses them), nor floats (it writes NaN as null).
_JSON_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
        "CharField",
        "TextField",
        "SlugField",
        "DateField",
        "DateTimeField",
        "UUIDField",
        "JSONField",
    }
)


def _column_type(field: models.Field[Any, Any]) -> str:
    # A foreign key's column holds its target's values.
    while field.is_relation and field.target_field is not field:  # type: ignore[attr-defined]
        field = field.target_field  # type: ignore[attr-defined]
    return field.get_internal_type()


def _json_values(fields: Sequence[models.Field[Any, Any]], connection: Any) -> str:
    """The select list that reads a row of `fields` from one JSON array `r` (element k is column
    k), or "" where a column's type does not travel exactly through JSON."""
    values = []
    for index, field in enumerate(fields):
        kind = _column_type(field)
        if kind not in _JSON_TYPES:
            return ""
        if kind == "JSONField":
            # Python's None is SQL NULL in a JSONField, as on the array path; a nested null stays.
            values.append(f"NULLIF(r->{index}, 'null'::jsonb)")
        else:
            values.append(f"(r->>{index})::{field.cast_db_type(connection)}")  # type: ignore[attr-defined]
    return ", ".join(values)


def _json_rows(rows: Sequence[Sequence[Any]], width: int) -> str | None:
    """`rows` as one JSON array of arrays, or None where a row is not `width` values wide or
    orjson refuses a value (a datetime subclass, an integer past 64 bits): the array path then
    writes the rows, or says what is wrong with them, as it always did."""
    if any(len(row) != width for row in rows):
        return None
    try:
        return orjson.dumps(rows).decode()
    except orjson.JSONEncodeError:
        return None


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column.")
    return field


def _adapt(rows: Sequence[Sequence[Any]], adapters: list[Callable[[Any], Any] | None]) -> list[list[Any]]:
    if not rows:
        return []
    # Column by column: most columns need no adapting, and zip() transposes in C.
    columns = list(zip(*rows, strict=True))
    if len(columns) != len(adapters):
        raise ValueError(f"Rows have {len(columns)} values, not {len(adapters)}.")
    for index, adapt in enumerate(adapters):
        if adapt is not None:
            columns[index] = tuple([value if value is None else adapt(value) for value in columns[index]])
    return [list(row) for row in zip(*columns, strict=True)]


def _chunks(rows: list[list[Any]], width: int, vendor: str) -> list[list[list[Any]]]:
    per_statement = max(1, _SQLITE_MAX_PARAMETERS // max(1, width)) if vendor == "sqlite" else len(rows)
    return [rows[start : start + per_statement] for start in range(0, len(rows), per_statement)]


def _columns(rows: list[list[Any]], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _arrays(fields: Sequence[models.Field[Any, Any]], connection: Any) -> str:
    # One array parameter per column: the statement stays short however many rows there are
    # (psycopg parses a long statement's placeholders in Python), and %b sends each array in
    # binary, which skips the per-element quoting of text arrays.
    return ", ".join(
        "%b::text[]::jsonb[]" if field.get_internal_type() == "JSONField" else f"%b::{field.cast_db_type(connection)}[]"  # type: ignore[attr-defined]
        for field in fields
    )


class _UnpreparedCursor(Cursor[Any]):
    """A psycopg cursor whose statements are never prepared, whatever the connection's threshold.

    A prepared statement soon runs on a generic plan, which guesses a handful of rows for an
    array parameter and can pick a scan of the whole table; a statement over hundreds of rows is
    better planned for its arrays every time. Django's cursor wrapper passes only the SQL and
    its parameters on, so the choice is made here, per call.
    """

    # `query` is typed loosely to match every overload of Cursor.execute: tinko.sql passes text.
    def execute(
        self, query: Any, params: Params | None = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Self:
        return super().execute(query, params, prepare=False, binary=binary)


@contextmanager
def _bulk_cursor(connection: Any) -> Iterator[Any]:
    """A server-side-binding psycopg cursor on Django's connection (same transaction) that never
    prepares its statements, wrapped like Django's own cursors so that errors, execute_wrappers
    and query logging behave the same."""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _UnpreparedCursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        raw.close()


@dataclass(frozen=True)
class _Statement:
    fields: list[models.Field[Any, Any]]
    table: str
    columns: str
    suffix: str
    adapters: list[Callable[[Any], Any] | None]
    # PostgreSQL, for many rows: the rows as arrays (unnest), and as JSON ("" where they cannot be).
    arrays: str
    json: str


@lru_cache(maxsize=256)
def _insert_statement(
    model: type[models.Model], fields: tuple[str, ...], ignore_conflicts: bool, returning: tuple[str, ...], alias: str
) -> _Statement:
    # Hot paths insert the same shapes again and again: build each shape's SQL once per process.
    connection = connections[alias]
    quote = connection.ops.quote_name
    field_objects = [concrete_field(model, name) for name in fields]
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        suffix += " RETURNING " + ", ".join(quote(concrete_field(model, name).column) for name in returning)
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in field_objects)
    arrays = json = ""
    if connection.vendor == "postgresql":
        # Only quoted table and column names from the model are interpolated; values are parameters.
        arrays = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({_arrays(field_objects, connection)}){suffix}"  # noqa: S608
        if json_values := _json_values(field_objects, connection):
            json = (
                f"INSERT INTO {table} ({columns}) SELECT {json_values} "  # noqa: S608
                f"FROM jsonb_array_elements(%s::text::jsonb) AS r{suffix}"
            )
    return _Statement(
        fields=field_objects,
        table=table,
        columns=columns,
        suffix=suffix,
        adapters=_adapters(field_objects, connection),
        arrays=arrays,
        json=json,
    )


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT `rows` (values in `fields` order); with ignore_conflicts, rows that hit a unique
    constraint are skipped. Returns the `returning` columns of the rows actually inserted."""
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    statement = _insert_statement(model, tuple(fields), ignore_conflicts, tuple(returning), alias)
    table, columns, suffix = statement.table, statement.columns, statement.suffix
    if connection.vendor == "postgresql" and len(rows) > _SMALL:
        document = _json_rows(rows, len(fields)) if statement.json else None
        with _bulk_cursor(connection) as cursor:
            if document is not None:
                cursor.execute(statement.json, [document])
            else:
                cursor.execute(statement.arrays, _columns(_adapt(rows, statement.adapters), len(fields)))
            return list(cursor.fetchall()) if returning else []
    adapted = _adapt(rows, statement.adapters)
    results: list[tuple[Any, ...]] = []
    # Only quoted table and column names from the model are interpolated; values are parameters.
    with connection.cursor() as cursor:
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for chunk in _chunks(adapted, len(fields), connection.vendor):
            values = ", ".join([placeholder] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}{suffix}",  # noqa: S608
                [value for row in chunk for value in row],
            )
            if returning:
                results.extend(cursor.fetchall())
    return results


@dataclass(frozen=True)
class _Update:
    adapters: list[Callable[[Any], Any] | None]
    # One row's UPDATE, its values in field order and then its key.
    one: str
    # PostgreSQL, for many rows: the rows as arrays (unnest), and as JSON ("" where they cannot be).
    arrays: str
    json: str


@lru_cache(maxsize=256)
def _update_statement(model: type[models.Model], fields: tuple[str, ...], alias: str) -> _Update:
    connection = connections[alias]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    field_objects = [pk, *(concrete_field(model, name) for name in fields)]
    table = quote(model._meta.db_table)
    names = [f"c{index}" for index in range(len(field_objects))]
    assignments = ", ".join(
        f"{quote(field.column)} = v.{name}" for field, name in zip(field_objects[1:], names[1:], strict=True)
    )
    target = f"AS v({', '.join(names)}) WHERE {table}.{quote(pk.column)} = v.{names[0]}"
    arrays = json = ""
    if connection.vendor == "postgresql":
        # Only quoted table and column names from the model are interpolated; values are parameters.
        arrays = f"UPDATE {table} SET {assignments} FROM unnest({_arrays(field_objects, connection)}) {target}"  # noqa: S608
        if json_values := _json_values(field_objects, connection):
            json = (
                f"UPDATE {table} SET {assignments} FROM (SELECT {json_values} "  # noqa: S608
                f"FROM jsonb_array_elements(%s::text::jsonb) AS r) {target}"
            )
    one = ", ".join(f"{quote(field.column)} = %s" for field in field_objects[1:])
    return _Update(
        adapters=_adapters(field_objects, connection),
        one=f"UPDATE {table} SET {one} WHERE {quote(pk.column)} = %s",  # noqa: S608
        arrays=arrays,
        json=json,
    )


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE many rows, each with its own values, in one statement: every row is
    (primary key, *values in `fields` order)."""
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    statement = _update_statement(model, tuple(fields), alias)
    if connection.vendor == "postgresql" and len(rows) > _SMALL:
        document = _json_rows(rows, len(fields) + 1) if statement.json else None
        with _bulk_cursor(connection) as cursor:
            if document is not None:
                cursor.execute(statement.json, [document])
            else:
                adapted = _adapt(rows, statement.adapters)
                cursor.execute(statement.arrays, _columns(adapted, len(fields) + 1))
        return
    adapted = _adapt(rows, statement.adapters)
    with connection.cursor() as cursor:
        if len(adapted) == 1:
            cursor.execute(statement.one, [*adapted[0][1:], adapted[0][0]])
        else:
            cursor.executemany(statement.one, [[*row[1:], row[0]] for row in adapted])


def find_rows(
    model: type[models.Model],
    field: str,
    values: Sequence[str],
    *,
    where: dict[str, Any],
    columns: Sequence[str],
    partial_index: bool = False,
) -> list[tuple[Any, ...]]:
    """The `columns` of the rows whose `field` is one of the distinct strings `values`, among
    those matching `where` (field = value pairs): a read for hot write paths that costs no ORM
    compilation. With `partial_index`, the read also says `field <> ''`, so that a unique index
    kept only for non-empty values serves it.

    On PostgreSQL it probes the index once per value (a LATERAL subquery), whatever the
    planner's statistics say: `field = ANY(%s)` was planned as a scan of all the organization's
    rows wherever statistics were missing or stale, tens of milliseconds for a batch.
    """
    if not values:
        return []
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    column = quote(concrete_field(model, field).column)
    selected = ", ".join(quote(concrete_field(model, name).column) for name in columns)
    conditions = [f"{quote(concrete_field(model, name).column)} = %s" for name in where]
    if partial_index:
        conditions.append(f"{column} <> ''")
    table = quote(model._meta.db_table)
    # Only quoted table and column names from the model are interpolated; values are parameters.
    if connection.vendor == "postgresql":
        conditions.append(f"{column} = wanted.value")
        sql = (
            f"SELECT found.* FROM unnest(%s::text[]) AS wanted(value) CROSS JOIN LATERAL "  # noqa: S608
            f"(SELECT {selected} FROM {table} WHERE {' AND '.join(conditions)} LIMIT 1) AS found"
        )
        params: list[Any] = [list(values), *where.values()]
    else:
        conditions.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
        sql = f"SELECT {selected} FROM {table} WHERE {' AND '.join(conditions)}"  # noqa: S608
        params = [*where.values(), *values]
    bulk = connection.vendor == "postgresql" and len(values) > _SMALL
    with _bulk_cursor(connection) if bulk else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def existing_values(model: type[models.Model], field: str, values: Sequence[str], *, where: dict[str, Any]) -> set[str]:
    """Which of the non-empty strings `values` the column `field` holds among the rows matching
    `where` (see find_rows; a partial index on non-empty values serves it)."""
    if "" in values:
        raise ValueError("existing_values looks for non-empty strings.")
    rows = find_rows(model, field, values, where=where, columns=(field,), partial_index=True)
    return {row[0] for row in rows}


def delete_oldest(model: type[models.Model], field: str, *, before: Any, limit: int) -> int:
    """DELETE up to `limit` rows whose `field` is less than `before`, oldest first, in one
    statement (an index on `field` serves it); returns how many went. No ids travel to Python,
    and Django's deletion collector, which reads rows before deleting them, is not involved:
    for tables that nothing references, such as expiring keys."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(concrete_field(model, field).column)
    pk = model._meta.pk
    assert pk is not None
    key = quote(pk.column)
    # Only quoted table and column names from the model are interpolated; values are parameters.
    sql = (
        f"DELETE FROM {table} WHERE {key} IN "  # noqa: S608
        f"(SELECT {key} FROM {table} WHERE {column} < %s ORDER BY {column} LIMIT %s)"
    )
    adapt = (
        connection.ops.adapt_datetimefield_value
        if concrete_field(model, field).get_internal_type() == "DateTimeField"
        else None
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(before) if adapt else before, limit])
        return int(cursor.rowcount)


@dataclass(frozen=True)
class ChainLink:
    """One row of an `insert_chain`: its model and values by field name; `parent` names the field
    that takes the id of the row the link before it inserted (or, with `parent_link`, the row of
    that earlier link)."""

    model: type[models.Model]
    values: dict[str, Any]
    parent: str | None = None
    parent_link: int | None = None
    ignore_conflicts: bool = False


@dataclass(frozen=True)
class Guard:
    """A condition of an `insert_chain`: an SQL boolean expression and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


def row_absent(model: type[models.Model], where: dict[str, Any], *, non_empty: Sequence[str] = ()) -> Guard:
    """A guard that holds when no row of `model` matches `where` (field = value pairs). Each field
    in `non_empty` is also said to be `<> ''`, so that a unique index kept only for non-empty
    values serves the check (see find_rows)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    conditions = [f"{quote(concrete_field(model, name).column)} = %s" for name in where]
    conditions += [f"{quote(concrete_field(model, name).column)} <> ''" for name in non_empty]
    # Only quoted table and column names from the model are interpolated; values are parameters.
    return Guard(
        f"NOT EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {' AND '.join(conditions)})",  # noqa: S608
        tuple(where.values()),
    )


def _json_default(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        # bytea's text form, which PostgreSQL reads from a JSON string.
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@lru_cache(maxsize=64)
def _chain_statement(
    shape: tuple[tuple[type[models.Model], tuple[str, ...], str | None, int | None, bool], ...],
    guards: tuple[str, ...],
    alias: str,
) -> tuple[str, list[list[str]]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    ctes = ["guard AS (SELECT " + ", ".join(f"({sql}) AS g{index}" for index, sql in enumerate(guards)) + ")"]
    source = "guard WHERE " + " AND ".join(f"g{index}" for index in range(len(guards)))
    names = []
    for number, (model, fields, parent, parent_link, ignore_conflicts) in enumerate(shape):
        field_objects = [concrete_field(model, name) for name in fields]
        names.append([field.column for field in field_objects])
        columns = [quote(field.column) for field in field_objects]
        values = [f"r.{column}" for column in columns]
        if parent is not None:
            columns.append(quote(concrete_field(model, parent).column))
            # The link before it is in FROM (its row exists); an earlier one is read by its one id.
            earlier = f"(SELECT id FROM link{parent_link})"  # noqa: S608 (a number of ours)
            values.append(f"link{number - 1}.id" if parent_link is None else earlier)
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        table = quote(model._meta.db_table)
        # Only quoted table and column names from the models are interpolated.
        ctes.append(
            f"link{number} AS (INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608
            f"FROM json_populate_record(NULL::{table}, %s::json) AS r, {source}{conflict} "
            f"RETURNING {quote(model._meta.pk.column)} AS id)"
        )
        source = f"link{number}"
    ids = ", ".join(f"(SELECT id FROM link{number})" for number in range(len(shape)))  # noqa: S608
    guard_values = ", ".join(f"g{index}" for index in range(len(guards)))
    return f"WITH {', '.join(ctes)} SELECT {guard_values}, {ids} FROM guard", names  # noqa: S608


def insert_chain(links: Sequence[ChainLink], *, guards: Sequence[Guard]) -> tuple[list[Any], list[int | None]]:
    """PostgreSQL: insert one row per link in a single statement (data-modifying WITH clauses),
    the first only if every guard holds and each next one only if the one before it was
    inserted. Returns each guard's value and each link's new id (None where nothing was
    inserted). A single statement is atomic: an error, such as a unique violation, writes nothing.

    Each row travels as one JSON document (json_populate_record), so the statement has a few
    parameters whatever the width of the rows: psycopg then parses its text once and reuses it,
    and orjson writes the values in C.
    """
    if not links or not guards:
        raise ValueError("insert_chain needs at least one link and one guard.")
    alias = router.db_for_write(links[0].model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise NotSupportedError("insert_chain needs PostgreSQL's data-modifying WITH clauses; callers check first.")
    for number, link in enumerate(links):
        if link.parent_link is not None and not 0 <= link.parent_link < number:
            raise ValueError("A link's parent_link names a link before it.")
    shape = tuple(
        (link.model, tuple(link.values), link.parent, link.parent_link, link.ignore_conflicts) for link in links
    )
    sql, names = _chain_statement(shape, tuple(guard.sql for guard in guards), alias)
    params: list[Any] = [param for guard in guards for param in guard.params]
    for link, columns in zip(links, names, strict=True):
        document = dict(zip(columns, link.values.values(), strict=True))
        params.append(orjson.dumps(document, default=_json_default).decode())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return list(row[: len(guards)]), list(row[len(guards) :])
