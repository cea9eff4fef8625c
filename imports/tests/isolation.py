"""Imports' objects for the tenant-isolation suites (accounts/tests/isolation.py)."""

from accounts.models import Organization
from accounts.tests.isolation import admin_row, isolation_factory
from imports.models import Import
from imports.tests.factories import tinko_csv, uploaded

_ROW = "order-iso-1,249900,INR,2026-01-31T12:00:00+05:30,insufficient_funds,card,asha@example.com"


@isolation_factory("import_id")
def import_id(organization: Organization) -> str:
    # Test data, as the console shows an organization without a live key.
    return uploaded(organization, tinko_csv(_ROW)).public_id


@admin_row("imports.Import")
def import_row(organization: Organization) -> Import:
    return uploaded(organization, tinko_csv(_ROW))
