"""Tenant scoping: every merchant-owned row carries an organization, every query names it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Organization

_M = TypeVar("_M", bound=models.Model)


class OrgQuerySet(models.QuerySet[_M]):
    def for_org(self, organization: Organization) -> OrgQuerySet[_M]:
        """Only the rows that belong to `organization`."""
        return self.filter(organization=organization)


def ingest_organization_key() -> Any:
    """The organization foreign key of a table that takes rows on every ingested failure
    (transactions, failure events, idempotency keys).

    It has no index of its own: each such table's composite indexes lead with the organization.
    It has no database constraint either: PostgreSQL checks a foreign key by locking the parent
    row FOR KEY SHARE, and when every row of every concurrent request locks the same
    organization row, sharing that lock (a MultiXact) took a third of the database's time on
    batch ingest. The organization of these rows always comes from the authenticated request,
    never from input, and deleting an organization still deletes them: Django does on_delete.
    """
    return models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )


class OrgOwned(models.Model):
    """Abstract base for rows that belong to one merchant organization."""

    organization: Any = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True
