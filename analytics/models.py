"""Rollups: what happened to one organization's failed payments, per day and dimension.

A row is one organization's failures in one mode, recorded on one day (in the organization's time
zone), at one gateway, of one decline category, payment method and currency: how many failed, and
what has become of them since (recovered, in progress, abandoned, cancelled, refunded after
recovery), with the recoveries counted by what they are credited to, by the attempts made before
them and by the time they took. Rows are recomputed from the transactions, a day at a time
(analytics.rollups), never incremented in place.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from analytics.buckets import COUNTERS
from tinko.tenancy import ModeOwned


class DailyRollup(ModeOwned):
    """One organization's failures of one day and dimension; counters are added below from COUNTERS."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The day the failures were recorded, in the organization's time zone.")
    gateway = models.CharField(max_length=40)
    category = models.CharField(max_length=16)
    payment_method_type = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            # Also the index every analytics read uses: organization, mode, then a range of days.
            models.UniqueConstraint(
                fields=["organization", "livemode", "day", "gateway", "category", "payment_method_type", "currency"],
                name="analytics_dailyrollup_unique",
            ),
            models.CheckConstraint(condition=Q(failed_count__gt=0), name="analytics_dailyrollup_has_failures"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.gateway} {self.category} {self.payment_method_type} {self.currency}"


class DeclineCodeRollup(ModeOwned):
    """Declines (failure events) by code, of the transactions recorded on one day, in one dimension."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The day the transaction was recorded, in the organization's time zone.")
    gateway = models.CharField(max_length=40)
    category = models.CharField(max_length=16)
    payment_method_type = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    code = models.CharField(max_length=100, help_text="The gateway's code, else the network's; may be empty.")
    declines = models.BigIntegerField()
    amount = models.BigIntegerField(help_text="The declined transactions' amounts, once per decline.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organization",
                    "livemode",
                    "day",
                    "gateway",
                    "category",
                    "payment_method_type",
                    "currency",
                    "code",
                ],
                name="analytics_declinecoderollup_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.gateway} {self.code}: {self.declines}"


class RollupWatermark(models.Model):
    """How far the periodic refresh has read the transactions' changes (one row per refresh)."""

    name = models.CharField(max_length=40, unique=True)
    changed_since = models.DateTimeField(null=True, blank=True, help_text="Changes from here on are not read yet.")
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.changed_since}"


for _name in COUNTERS:
    DailyRollup.add_to_class(_name, models.BigIntegerField(default=0))
