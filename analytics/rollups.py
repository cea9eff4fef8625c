"""Keeping rollups current: recompute days of one organization's rollups from its transactions.

Both the periodic refresh and `rebuild_rollups` replace whole days with what the transactions say
now, so running either twice, or both at once, gives the same rows. A transaction is counted on the
day it was recorded (`created_at`, which never changes, in the organization's time zone), so a
change to a transaction dirties exactly one day, found through `updated_at`.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone

from accounts.models import Organization
from analytics.buckets import ATTEMPT_LAST, COUNTERS, TTR_BOUNDS, attempt_field, credit_field, ttr_field
from analytics.enums import Credit
from analytics.models import DailyRollup, DeclineCodeRollup, RollupWatermark
from recovery.enums import OPEN_STATUSES, RecoveredBy, TransactionStatus
from recovery.models import FailureEvent, Transaction

logger = logging.getLogger(__name__)

WATERMARK = "transactions"
# Changes are read again from this long before the last run's start: a transaction that stamped
# `updated_at` and committed later than that would otherwise be missed. Reading a change twice is
# harmless (a day is recomputed, not incremented).
REFRESH_OVERLAP = timedelta(minutes=5)
DIMENSIONS = ("gateway", "category", "payment_method_type", "currency")

_RECOVERED = Q(status=TransactionStatus.RECOVERED)
_CREDITS: dict[Credit, Q] = {
    Credit.EMAIL_LINK: _RECOVERED & Q(recovered_by=RecoveredBy.EMAIL_LINK),
    Credit.AUTO_CHARGE: _RECOVERED & Q(recovered_by=RecoveredBy.AUTO_CHARGE),
    Credit.PAYER_BEFORE_ANY_ATTEMPT: _RECOVERED & Q(recovered_by=RecoveredBy.PAYER, acted=0),
    Credit.PAYER_AFTER_ATTEMPTS: _RECOVERED & Q(recovered_by=RecoveredBy.PAYER, acted__gt=0),
    Credit.MERCHANT: _RECOVERED & Q(recovered_by=RecoveredBy.MERCHANT),
}


def _count(condition: Q) -> Any:
    return Count("pk", filter=condition)


def _sum(field: str, condition: Q) -> Any:
    return Coalesce(Sum(field, filter=condition), 0)


def _aggregates() -> dict[str, Any]:
    """Every counter of a rollup row as an aggregate over transactions (annotated with `acted`, `ttr`)."""
    refunded = _RECOVERED & Q(refunded_amount__gt=0)
    statuses: dict[str, tuple[Q, str]] = {
        "failed": (Q(), "amount"),
        "recovered": (_RECOVERED, "recovered_amount"),
        "in_progress": (Q(status__in=sorted(OPEN_STATUSES)), "amount"),
        "abandoned": (Q(status=TransactionStatus.ABANDONED), "amount"),
        "cancelled": (Q(status=TransactionStatus.CANCELLED), "amount"),
        "refunded": (refunded, "refunded_amount"),
    }
    out: dict[str, Any] = {}
    for name, (condition, amount) in statuses.items():
        out[f"{name}_count"] = _count(condition)
        out[f"{name}_amount"] = _sum(amount, condition)
    for credit, condition in _CREDITS.items():
        out[credit_field(credit, "count")] = _count(condition)
        out[credit_field(credit, "amount")] = _sum("recovered_amount", condition)
    for bucket in range(ATTEMPT_LAST + 1):
        acted = Q(acted__gte=bucket) if bucket == ATTEMPT_LAST else Q(acted=bucket)
        out[attempt_field(bucket, "count")] = _count(_RECOVERED & acted)
        out[attempt_field(bucket, "amount")] = _sum("recovered_amount", _RECOVERED & acted)
    previous: timedelta | None = None
    for index, (_, bound) in enumerate(TTR_BOUNDS):
        within = Q(ttr__lte=bound) if previous is None else Q(ttr__gt=previous, ttr__lte=bound)
        out[ttr_field(index)] = _count(_RECOVERED & within)
        previous = bound
    out[ttr_field(len(TTR_BOUNDS))] = _count(_RECOVERED & Q(ttr__gt=TTR_BOUNDS[-1][1]))
    assert set(out) == set(COUNTERS), "every rollup counter has an aggregate"
    return out


def organization_zone(organization: Organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(str(organization.time_zone))


# Days outside these hold no transactions, and their instants would not fit a timestamp in UTC.
_FIRST_DAY, _LAST_DAY = date(1970, 1, 1), date(9999, 1, 1)


def day_start(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    """The instant `day` begins in `zone` (DST-safe)."""
    return datetime.combine(min(max(day, _FIRST_DAY), _LAST_DAY), time(0), tzinfo=zone)


def _transactions(organization: Organization, livemode: bool, start: date, end: date) -> QuerySet[Transaction]:
    zone = organization_zone(organization)
    return Transaction.objects.for_org(organization, livemode=livemode).filter(
        created_at__gte=day_start(start, zone), created_at__lt=day_start(end, zone)
    )


def rollup_rows(*, organization: Organization, livemode: bool, start: date, end: date) -> list[DailyRollup]:
    """The rollup rows of days [start, end) as the transactions say now (nothing written)."""
    zone = organization_zone(organization)
    grouped = (
        _transactions(organization, livemode, start, end)
        .alias(
            acted=Coalesce("recovered_after_attempts", 0),
            ttr=ExpressionWrapper(F("recovered_at") - F("first_failed_at"), output_field=DurationField()),
        )
        .annotate(local_day=TruncDate("created_at", tzinfo=zone))
        .values("local_day", *DIMENSIONS)
        # Aggregates may not share a name with a column of the rows they sum.
        .annotate(**{f"total_{name}": aggregate for name, aggregate in _aggregates().items()})
        .order_by()
    )
    return [
        DailyRollup(
            organization=organization,
            livemode=livemode,
            day=row["local_day"],
            **{name: row[name] for name in DIMENSIONS},
            **{name: row[f"total_{name}"] for name in COUNTERS},
        )
        for row in grouped
    ]


def decline_code_rows(*, organization: Organization, livemode: bool, start: date, end: date) -> list[DeclineCodeRollup]:
    """Declines by code of the transactions recorded on days [start, end) (nothing written)."""
    zone = organization_zone(organization)
    bounds = {"created_at__gte": day_start(start, zone), "created_at__lt": day_start(end, zone)}
    grouped = (
        FailureEvent.objects.for_org(organization, livemode=livemode)
        .filter(**{f"transaction__{name}": value for name, value in bounds.items()})
        .annotate(
            local_day=TruncDate("transaction__created_at", tzinfo=zone),
            txn_currency=F("transaction__currency"),
            code=Coalesce(NullIf("failure_code", Value("")), "network_decline_code"),
        )
        .values("local_day", "gateway", "category", "payment_method_type", "txn_currency", "code")
        .annotate(declines=Count("pk"), amount=Sum("transaction__amount"))
        .order_by()
    )
    return [
        DeclineCodeRollup(
            organization=organization,
            livemode=livemode,
            day=row["local_day"],
            gateway=row["gateway"],
            category=row["category"],
            payment_method_type=row["payment_method_type"],
            currency=row["txn_currency"],
            code=row["code"],
            declines=row["declines"],
            amount=row["amount"],
        )
        for row in grouped
    ]


def rollups_recompute(*, organization: Organization, livemode: bool, start: date, end: date) -> int:
    """Replace the rollups of days [start, end) with what the transactions say now; returns the rows
    written. Runs in the caller's transaction when there is one."""
    with transaction.atomic():
        days = {"day__gte": start, "day__lt": end}
        DailyRollup.objects.for_org(organization, livemode=livemode).filter(**days).delete()
        DeclineCodeRollup.objects.for_org(organization, livemode=livemode).filter(**days).delete()
        rows = rollup_rows(organization=organization, livemode=livemode, start=start, end=end)
        DailyRollup.objects.bulk_create(rows, batch_size=500)
        codes = decline_code_rows(organization=organization, livemode=livemode, start=start, end=end)
        DeclineCodeRollup.objects.bulk_create(codes, batch_size=1000)
    return len(rows)


def day_spans(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Runs of consecutive days as [start, end) spans, in order."""
    ordered = sorted(set(days))
    if not ordered:
        return
    start = previous = ordered[0]
    for day in ordered[1:]:
        if day != previous + timedelta(days=1):
            yield start, previous + timedelta(days=1)
            start = day
        previous = day
    yield start, previous + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    ran: bool
    days: int = 0
    rows: int = 0


def _watermark_locked() -> RollupWatermark | None:
    RollupWatermark.objects.get_or_create(name=WATERMARK)
    return RollupWatermark.objects.select_for_update(skip_locked=True).filter(name=WATERMARK).first()


def rollups_refresh(*, now: datetime | None = None) -> RefreshResult:
    """Recompute the days whose transactions changed since the last refresh (every organization,
    both modes), and move the watermark. A refresh already running elsewhere makes this one a no-op."""
    started = now or timezone.now()
    with transaction.atomic():
        mark = _watermark_locked()
        if mark is None:
            return RefreshResult(ran=False)
        changed = Transaction.objects.all()
        if mark.changed_since is not None:
            changed = changed.filter(updated_at__gte=mark.changed_since - REFRESH_OVERLAP)
        touched = (
            changed.annotate(utc_day=TruncDate("created_at", tzinfo=UTC))
            .values_list("organization_id", "livemode", "utc_day")
            .distinct()
            .order_by()
        )
        # A UTC date holds instants of at most three local dates (offsets run from -12 to +14 hours).
        dirty: dict[tuple[int, bool], set[date]] = defaultdict(set)
        for organization_id, livemode, utc_day in touched:
            dirty[(organization_id, livemode)].update(utc_day + timedelta(days=shift) for shift in (-1, 0, 1))
        organizations = Organization.objects.in_bulk({organization_id for organization_id, _ in dirty})
        days = rows = 0
        for (organization_id, livemode), dates in dirty.items():
            organization = organizations.get(organization_id)
            if organization is None:  # deleted meanwhile: its rollups go with it
                continue
            for start, end in day_spans(dates):
                rows += rollups_recompute(organization=organization, livemode=livemode, start=start, end=end)
                days += (end - start).days
        mark.changed_since = started
        mark.refreshed_at = timezone.now()
        mark.save(update_fields=["changed_since", "refreshed_at"])
    logger.info("rollups_refreshed", extra={"days": days, "rows": rows})
    return RefreshResult(ran=True, days=days, rows=rows)


def rollups_rebuild_span(*, organization: Organization, livemode: bool, start: date, end: date) -> int:
    """One step of `rebuild_rollups`: recompute days [start, end) while holding the refresh's lock,
    so a periodic refresh never interleaves with it."""
    with transaction.atomic():
        RollupWatermark.objects.get_or_create(name=WATERMARK)
        RollupWatermark.objects.select_for_update().filter(name=WATERMARK).first()
        return rollups_recompute(organization=organization, livemode=livemode, start=start, end=end)
