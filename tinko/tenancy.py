"""Tenant scoping: every merchant-owned row carries an organization, every query names it.

Rows of a merchant's payments also carry `livemode`, as Stripe's objects do: a test key or a
test-mode gateway account writes test data, a live one live data, and the two never meet. Their
querysets have no way to ask for an organization without saying which mode.
"""

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


class ModeQuerySet(models.QuerySet[_M]):
    def for_org(self, organization: Organization, *, livemode: bool) -> ModeQuerySet[_M]:
        """Only `organization`'s rows of one mode: its live data or its test data."""
        return self.filter(organization=organization, livemode=livemode)


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


class ModeOwned(models.Model):
    """Abstract base for rows of a merchant's payments: one organization's, in test or live mode."""

    organization: Any = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    livemode = models.BooleanField(
        help_text="Live data (written with a live key or a live gateway account) or test data; never both."
    )

    objects = ModeQuerySet.as_manager()

    class Meta:
        abstract = True
