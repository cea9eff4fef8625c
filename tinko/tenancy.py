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


class OrgOwned(models.Model):
    """Abstract base for rows that belong to one merchant organization."""

    organization: Any = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True
