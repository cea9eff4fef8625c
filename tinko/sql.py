"""Multi-row INSERT and UPDATE for hot write paths, on PostgreSQL and SQLite.

`bulk_create`/`bulk_update` build their SQL through the ORM compiler value by value, and
`bulk_update` writes one CASE branch per row and field; at a thousand rows per request
that is most of the request's time. These write the same rows with one statement each,
`ON CONFLICT DO NOTHING … RETURNING` (which `bulk_create` cannot combine) included.
Values are Python values as the model fields hold them (foreign keys by their id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from django.db import connections, models, router

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


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column.")
    return field


def _adapt(rows: Sequence[Sequence[Any]], adapters: list[Callable[[Any], Any] | None]) -> list[list[Any]]:
    adapted = []
    for row in rows:
        adapted.append(
            [
                value if adapt is None or value is None else adapt(value)
                for adapt, value in zip(adapters, row, strict=True)
            ]
        )
    return adapted


def _chunks(rows: list[list[Any]], width: int, vendor: str) -> list[list[list[Any]]]:
    per_statement = max(1, _SQLITE_MAX_PARAMETERS // max(1, width)) if vendor == "sqlite" else len(rows)
    return [rows[start : start + per_statement] for start in range(0, len(rows), per_statement)]


def _columns(rows: list[list[Any]], width: int) -> list[list[Any]]:
    return [[row[index] for row in rows] for index in range(width)]


def _arrays(fields: Sequence[models.Field[Any, Any]], connection: Any) -> str:
    # One array parameter per column: the statement stays short however many rows there are
    # (psycopg parses a long statement's placeholders in Python), and %b sends each array in
    # binary, which skips the per-element quoting of text arrays.
    return ", ".join(
        "%b::text[]::jsonb[]" if field.get_internal_type() == "JSONField" else f"%b::{field.cast_db_type(connection)}[]"  # type: ignore[attr-defined]
        for field in fields
    )


@contextmanager
def _binary_cursor(connection: Any) -> Iterator[Any]:
    """A server-side-binding psycopg cursor on Django's connection (same transaction), wrapped like
    Django's own cursors so that errors, execute_wrappers and query logging behave the same."""
    from psycopg import Cursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = Cursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        raw.close()


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
    connection = connections[router.db_for_write(model)]
    field_objects = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in field_objects)
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        suffix += " RETURNING " + ", ".join(quote(concrete_field(model, name).column) for name in returning)
    adapted = _adapt(rows, _adapters(field_objects, connection))
    results: list[tuple[Any, ...]] = []
    # Only quoted table and column names from the model are interpolated; values are parameters.
    if connection.vendor == "postgresql" and len(adapted) > _SMALL:
        with _binary_cursor(connection) as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({_arrays(field_objects, connection)}){suffix}",  # noqa: S608
                _columns(adapted, len(fields)),
            )
            return list(cursor.fetchall()) if returning else []
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


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE many rows, each with its own values, in one statement: every row is
    (primary key, *values in `fields` order)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    field_objects = [pk, *(concrete_field(model, name) for name in fields)]
    table = quote(model._meta.db_table)
    adapted = _adapt(rows, _adapters(field_objects, connection))
    # Only quoted table and column names from the model are interpolated; values are parameters.
    if connection.vendor == "postgresql" and len(adapted) > _SMALL:
        names = [f"c{index}" for index in range(len(field_objects))]
        assignments = ", ".join(
            f"{quote(field.column)} = v.{name}" for field, name in zip(field_objects[1:], names[1:], strict=True)
        )
        with _binary_cursor(connection) as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({_arrays(field_objects, connection)}) "  # noqa: S608
                f"AS v({', '.join(names)}) WHERE {table}.{quote(pk.column)} = v.{names[0]}",
                _columns(adapted, len(field_objects)),
            )
        return
    with connection.cursor() as cursor:
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in field_objects[1:])
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s",  # noqa: S608
            [[*row[1:], row[0]] for row in adapted],
        )
