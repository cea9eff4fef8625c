"""Timestamps read by psycopg's C loader on PostgreSQL: the same values Django's own loader gives."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.postgres import types

from accounts.models import Organization
from tinko.pg_loaders import UtcTimestamptzLoader, timestamptz_loader_install

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

TIMESTAMPTZ = types["timestamptz"].oid


def _loader_of_new_connections() -> type:
    connection.ensure_connection()
    return connection.connection.adapters.get_loader(TIMESTAMPTZ, 0)


def test_a_connection_in_utc_reads_timestamps_with_psycopgs_loader() -> None:
    assert _loader_of_new_connections() is UtcTimestamptzLoader


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 11, 30, 6, 24, 14, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/London")),
        datetime.datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Kolkata")),
        datetime.datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    ],
)
def test_a_timestamp_reads_back_as_the_same_instant_in_utc_as_djangos_loader_reads_it(
    moment: datetime.datetime,
) -> None:
    organization = Organization.objects.create(name="Chai Point", slug="chai-point")
    Organization.objects.filter(pk=organization.pk).update(created_at=moment)

    read = Organization.objects.values_list("created_at", flat=True).get(pk=organization.pk)
    with connection.cursor() as cursor:
        raw = cursor.execute(
            "SELECT created_at::text FROM accounts_organization WHERE id = %s", [organization.pk]
        ).fetchone()[0]

    class DjangosLoader(BaseTzLoader):
        timezone = datetime.UTC

    assert read == moment
    assert read.tzinfo is datetime.UTC
    assert read == DjangosLoader(TIMESTAMPTZ, connection.connection).load(raw.encode())
    assert str(read) == str(DjangosLoader(TIMESTAMPTZ, connection.connection).load(raw.encode()))


def test_a_session_in_another_time_zone_keeps_djangos_loader() -> None:
    registered: list[object] = []
    elsewhere = SimpleNamespace(
        vendor="postgresql",
        timezone=datetime.UTC,
        timezone_name="UTC",
        connection=SimpleNamespace(
            info=SimpleNamespace(parameter_status=lambda name: "Asia/Kolkata"),
            adapters=SimpleNamespace(register_loader=lambda *args: registered.append(args)),
        ),
    )
    other_zone = SimpleNamespace(
        **{**vars(elsewhere), "timezone": ZoneInfo("Asia/Kolkata"), "timezone_name": "Asia/Kolkata"}
    )

    timestamptz_loader_install(connection=elsewhere)
    timestamptz_loader_install(connection=other_zone)

    assert registered == []
