"""Reading `timestamptz` columns in C on PostgreSQL.

Django registers its own loader for `timestamptz` on every connection (a subclass of psycopg's
pure-Python loader that parses the text with a regular expression, then sets the tzinfo). psycopg's
binary package has a loader written in C that gives the same aware datetime, in the session's
time zone, twenty times faster; a retry worker reads about fifteen timestamps per attempt, and every
console page and API answer reads dozens. Django's connections are always in UTC when USE_TZ is on
and no database TIME_ZONE is set, so there the C loader's answer is exactly Django's: the same
instant with `datetime.timezone.utc`. Anywhere else Django's loader stays.
"""

from __future__ import annotations

import datetime
from typing import Any

from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

_TIMESTAMPTZ_OID = types["timestamptz"].oid
# psycopg's own loader: the C one when psycopg's binary package is installed.
_DEFAULT = adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's default `timestamptz` loader for a connection whose session is in UTC. It carries the
    `timezone` attribute that Django's cursors compare with the connection's (Django registers its
    loader again on a cursor only where they differ) and hands each value to psycopg's loader (the C
    one cannot be subclassed)."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        assert _DEFAULT is not None
        self._load = _DEFAULT(oid, context).load

    def load(self, data: Any) -> Any:
        return self._load(data)


def timestamptz_loader_install(*, sender: Any = None, connection: Any, **_: Any) -> None:
    """On a new PostgreSQL connection whose session Django keeps in UTC, read timestamps with
    psycopg's loader (a `connection_created` receiver)."""
    if connection.vendor != "postgresql" or _DEFAULT is None or _DEFAULT.__module__.startswith("psycopg."):
        return
    if connection.timezone is not datetime.UTC or connection.timezone_name != "UTC":
        return
    if connection.connection.info.parameter_status("TimeZone") != "UTC":
        return
    connection.connection.adapters.register_loader(_TIMESTAMPTZ_OID, UtcTimestamptzLoader)
