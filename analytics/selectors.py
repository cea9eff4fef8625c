"""Reads for analytics: KPIs, series, distributions and cohorts, all from the rollups.

These are what the console's dashboard and the analytics API call; neither reads transactions to
count them. Every figure is per currency (amounts in its minor unit) and about the failures
recorded in the range (`start` inclusive, `end` exclusive, days in the organization's time zone):
how many failed, and what has become of them since.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from accounts.models import Organization
from analytics.buckets import (
    ATTEMPT_BUCKETS,
    COHORT_DAYS,
    COUNTERS,
    TTR_BOUNDS,
    attempt_field,
    credit_field,
    median_seconds,
    share_within_days,
    ttr_field,
)
from analytics.enums import Credit, Granularity
from analytics.models import DailyRollup, DeclineCodeRollup, RollupWatermark
from analytics.rollups import WATERMARK

TOP_CODES = 50
_TTR_FIELDS = tuple(ttr_field(index) for index in range(len(TTR_BOUNDS) + 1))


@dataclass(frozen=True, kw_only=True, slots=True)
class AnalyticsQuery:
    """What to count: one organization's data in one mode, days [start, end), optional filters."""

    organization: Organization
    livemode: bool
    start: date
    end: date
    currency: str | None = None
    gateway: str | None = None
    category: str | None = None
    payment_method_type: str | None = None
    granularity: Granularity = Granularity.DAY

    def previous(self) -> AnalyticsQuery:
        """The range of equal length just before this one (cut at the first day there is)."""
        span = self.end - self.start
        start = self.start - span if self.start - date.min > span else date.min
        return replace(self, start=start, end=self.start)


@dataclass(frozen=True, slots=True)
class Amount:
    count: int
    amount: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Kpis:
    failed_count: int
    failed_amount: int
    recovered_count: int
    recovered_amount: int
    recovery_rate: float
    in_progress_count: int
    in_progress_amount: int
    abandoned_count: int
    abandoned_amount: int
    refunded_count: int
    refunded_amount: int
    median_time_to_recover_seconds: int | None
    by_credit: dict[str, Amount]
    # Recoveries by the attempts that had acted before the money came: "0" (before any) … "6+".
    by_attempts: dict[str, Amount]


@dataclass(frozen=True, kw_only=True, slots=True)
class CurrencyKpis:
    currency: str
    current: Kpis
    previous: Kpis


@dataclass(frozen=True, kw_only=True, slots=True)
class SeriesPoint:
    period_start: date
    failed_count: int
    failed_amount: int
    recovered_count: int
    recovered_amount: int
    recovery_rate: float
    by_credit: dict[str, Amount]


@dataclass(frozen=True, kw_only=True, slots=True)
class CurrencySeries:
    currency: str
    points: list[SeriesPoint]


@dataclass(frozen=True, kw_only=True, slots=True)
class Slice:
    key: str
    failed_count: int
    failed_amount: int
    recovered_count: int
    recovered_amount: int
    recovery_rate: float


@dataclass(frozen=True, kw_only=True, slots=True)
class DeclineCode:
    gateway: str
    code: str
    declines: int
    amount: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Distribution:
    currency: str
    by_category: list[Slice] = field(default_factory=list)
    by_gateway: list[Slice] = field(default_factory=list)
    by_payment_method_type: list[Slice] = field(default_factory=list)
    by_code: list[DeclineCode] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True, slots=True)
class Cohort:
    week_start: date
    failed_count: int
    recovered_count: int
    # Share of the week's failures recovered with at most N attempts made ("0": before any attempt;
    # the last key counts that many or more), and within N days of the failure.
    recovered_after_attempts: dict[str, float]
    recovered_within_days: dict[str, float]


@dataclass(frozen=True, kw_only=True, slots=True)
class CurrencyCohorts:
    currency: str
    cohorts: list[Cohort]


def attempt_label(bucket: int) -> str:
    return f"{bucket}+" if bucket == ATTEMPT_BUCKETS - 1 else str(bucket)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _rollups(query: AnalyticsQuery) -> QuerySet[DailyRollup]:
    rows = DailyRollup.objects.for_org(query.organization, livemode=query.livemode).filter(
        day__gte=query.start, day__lt=query.end
    )
    filters = {
        "currency": query.currency,
        "gateway": query.gateway,
        "category": query.category,
        "payment_method_type": query.payment_method_type,
    }
    return rows.filter(**{name: value for name, value in filters.items() if value is not None})


def _sums(names: tuple[str, ...]) -> dict[str, Any]:
    return {name: Sum(name) for name in names}


def _credits(row: dict[str, Any]) -> dict[str, Amount]:
    return {
        credit.value: Amount(count=row[credit_field(credit, "count")], amount=row[credit_field(credit, "amount")])
        for credit in Credit
    }


def _kpis(row: dict[str, Any] | None) -> Kpis:
    row = row or dict.fromkeys(COUNTERS, 0)
    return Kpis(
        failed_count=row["failed_count"],
        failed_amount=row["failed_amount"],
        recovered_count=row["recovered_count"],
        recovered_amount=row["recovered_amount"],
        recovery_rate=_rate(row["recovered_count"], row["failed_count"]),
        in_progress_count=row["in_progress_count"],
        in_progress_amount=row["in_progress_amount"],
        abandoned_count=row["abandoned_count"],
        abandoned_amount=row["abandoned_amount"],
        refunded_count=row["refunded_count"],
        refunded_amount=row["refunded_amount"],
        median_time_to_recover_seconds=median_seconds([row[name] for name in _TTR_FIELDS]),
        by_credit=_credits(row),
        by_attempts={
            attempt_label(bucket): Amount(
                count=row[attempt_field(bucket, "count")], amount=row[attempt_field(bucket, "amount")]
            )
            for bucket in range(ATTEMPT_BUCKETS)
        },
    )


def _by_currency(query: AnalyticsQuery) -> dict[str, dict[str, Any]]:
    rows = _rollups(query).values("currency").annotate(**_sums(COUNTERS)).order_by()
    return {row.pop("currency"): row for row in rows}


def analytics_kpis(*, query: AnalyticsQuery) -> list[CurrencyKpis]:
    """The headline figures per currency, beside the same for the previous range of equal length."""
    current = _by_currency(query)
    previous = _by_currency(query.previous())
    return [
        CurrencyKpis(currency=currency, current=_kpis(current.get(currency)), previous=_kpis(previous.get(currency)))
        for currency in sorted(current.keys() | previous.keys())
    ]


def _period(granularity: Granularity) -> Any:
    if granularity == Granularity.WEEK:
        return TruncWeek("day")
    if granularity == Granularity.MONTH:
        return TruncMonth("day")
    return F("day")


_SERIES_FIELDS = (
    "failed_count",
    "failed_amount",
    "recovered_count",
    "recovered_amount",
    *(credit_field(credit, measure) for credit in Credit for measure in ("count", "amount")),
)


def analytics_series(*, query: AnalyticsQuery) -> list[CurrencySeries]:
    """Failures, recoveries, the recovery rate and the money recovered (by credit) per period of
    `query.granularity`, per currency. Periods without failures are left out."""
    rows = (
        _rollups(query)
        .annotate(period_start=_period(query.granularity))
        .values("currency", "period_start")
        .annotate(**_sums(_SERIES_FIELDS))
        .order_by("currency", "period_start")
    )
    series: dict[str, list[SeriesPoint]] = defaultdict(list)
    for row in rows:
        series[row["currency"]].append(
            SeriesPoint(
                period_start=row["period_start"],
                failed_count=row["failed_count"],
                failed_amount=row["failed_amount"],
                recovered_count=row["recovered_count"],
                recovered_amount=row["recovered_amount"],
                recovery_rate=_rate(row["recovered_count"], row["failed_count"]),
                by_credit=_credits(row),
            )
        )
    return [CurrencySeries(currency=currency, points=points) for currency, points in series.items()]


def _slices(query: AnalyticsQuery, dimension: str) -> dict[str, list[Slice]]:
    rows = (
        _rollups(query)
        .values("currency", dimension)
        .annotate(**_sums(("failed_count", "failed_amount", "recovered_count", "recovered_amount")))
        .order_by("currency", "-failed_count", dimension)
    )
    out: dict[str, list[Slice]] = defaultdict(list)
    for row in rows:
        out[row["currency"]].append(
            Slice(
                key=row[dimension],
                failed_count=row["failed_count"],
                failed_amount=row["failed_amount"],
                recovered_count=row["recovered_count"],
                recovered_amount=row["recovered_amount"],
                recovery_rate=_rate(row["recovered_count"], row["failed_count"]),
            )
        )
    return out


def analytics_failure_distribution(*, query: AnalyticsQuery) -> list[Distribution]:
    """Failures per currency by decline category, gateway and payment method (transactions), and the
    most frequent decline codes (failure events, at most TOP_CODES per currency)."""
    by_category = _slices(query, "category")
    by_gateway = _slices(query, "gateway")
    by_method = _slices(query, "payment_method_type")
    codes = DeclineCodeRollup.objects.for_org(query.organization, livemode=query.livemode).filter(
        day__gte=query.start, day__lt=query.end
    )
    filters = {
        "currency": query.currency,
        "gateway": query.gateway,
        "category": query.category,
        "payment_method_type": query.payment_method_type,
    }
    codes = codes.filter(**{name: value for name, value in filters.items() if value is not None})
    by_code: dict[str, list[DeclineCode]] = defaultdict(list)
    for row in (
        codes.values("currency", "gateway", "code")
        .annotate(total=Sum("declines"), money=Sum("amount"))
        .order_by("currency", "-total", "gateway", "code")
    ):
        if len(by_code[row["currency"]]) < TOP_CODES:
            by_code[row["currency"]].append(
                DeclineCode(gateway=row["gateway"], code=row["code"], declines=row["total"], amount=row["money"])
            )
    return [
        Distribution(
            currency=currency,
            by_category=by_category.get(currency, []),
            by_gateway=by_gateway.get(currency, []),
            by_payment_method_type=by_method.get(currency, []),
            by_code=by_code.get(currency, []),
        )
        for currency in sorted(by_category)
    ]


_COHORT_FIELDS = (
    "failed_count",
    "recovered_count",
    *(attempt_field(bucket, "count") for bucket in range(ATTEMPT_BUCKETS)),
    *_TTR_FIELDS,
)


def analytics_cohorts(*, query: AnalyticsQuery) -> list[CurrencyCohorts]:
    """Per currency and week of failure (weeks start on Monday): the share recovered after at most
    1, 2, 3 … attempts, and within 1, 3, 7, 14 and 30 days."""
    rows = (
        _rollups(query)
        .annotate(week_start=TruncWeek("day"))
        .values("currency", "week_start")
        .annotate(**_sums(_COHORT_FIELDS))
        .order_by("currency", "week_start")
    )
    out: dict[str, list[Cohort]] = defaultdict(list)
    for row in rows:
        failed = row["failed_count"]
        after: dict[str, float] = {}
        cumulative = 0
        for bucket in range(ATTEMPT_BUCKETS):
            cumulative += row[attempt_field(bucket, "count")]
            after[attempt_label(bucket)] = _rate(cumulative, failed)
        histogram = [row[name] for name in _TTR_FIELDS]
        out[row["currency"]].append(
            Cohort(
                week_start=row["week_start"],
                failed_count=failed,
                recovered_count=row["recovered_count"],
                recovered_after_attempts=after,
                recovered_within_days={
                    str(days): _rate(share_within_days(histogram, days), failed) for days in COHORT_DAYS
                },
            )
        )
    return [CurrencyCohorts(currency=currency, cohorts=cohorts) for currency, cohorts in out.items()]


def analytics_refreshed_at() -> datetime | None:
    """When the periodic refresh last brought the rollups up to date (None: never yet)."""
    return RollupWatermark.objects.filter(name=WATERMARK).values_list("refreshed_at", flat=True).first()
