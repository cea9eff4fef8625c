"""CSV exports, streamed: rows are read through a server-side cursor a chunk at a time and written
out as they come, so an export of a million transactions never holds them all in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from analytics.buckets import ATTEMPT_BUCKETS, COHORT_DAYS
from analytics.enums import Credit
from analytics.rollups import day_start, organization_zone
from analytics.selectors import (
    AnalyticsQuery,
    Kpis,
    analytics_cohorts,
    analytics_failure_distribution,
    analytics_kpis,
    analytics_series,
    attempt_label,
)
from recovery.models import Transaction

CHUNK_ROWS = 2000
TRANSACTION_COLUMNS = (
    "public_id",
    "transaction_ref",
    "status",
    "amount",
    "currency",
    "gateway",
    "payment_method_type",
    "category",
    "failure_count",
    "first_failed_at",
    "last_failed_at",
    "recovered_at",
    "recovered_amount",
    "recovered_by",
    "recovered_after_attempts",
    "refunded_amount",
    "created_at",
)
# A spreadsheet runs a cell that starts with one of these as a formula: merchant-supplied text is
# quoted so that it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV text of `header` and `rows`, as byte chunks of CHUNK_ROWS rows (the header alone first,
    so that the answer starts at once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue().encode()
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_cell(value) for value in row] for row in chunk)
        yield buffer.getvalue().encode()


def transaction_rows(*, query: AnalyticsQuery) -> Iterator[tuple[Any, ...]]:
    """The transactions recorded in the query's days that match its filters, newest first."""
    zone = organization_zone(query.organization)
    rows = Transaction.objects.for_org(query.organization, livemode=query.livemode).filter(
        created_at__gte=day_start(query.start, zone), created_at__lt=day_start(query.end, zone)
    )
    filters = {
        "currency": query.currency,
        "gateway": query.gateway,
        "category": query.category,
        "payment_method_type": query.payment_method_type,
    }
    rows = rows.filter(**{name: value for name, value in filters.items() if value is not None})
    # The newest-first index's order: the server-side cursor streams from it without a sort.
    ordered = rows.order_by("-created_at", "-public_id").values_list(*TRANSACTION_COLUMNS)
    yield from ordered.iterator(chunk_size=CHUNK_ROWS)


_KPI_FIELDS = (
    "failed_count",
    "failed_amount",
    "recovered_count",
    "recovered_amount",
    "recovery_rate",
    "in_progress_count",
    "in_progress_amount",
    "abandoned_count",
    "abandoned_amount",
    "refunded_count",
    "refunded_amount",
    "median_time_to_recover_seconds",
)
_CREDIT_COLUMNS = tuple(f"{credit.value}_{measure}" for credit in Credit for measure in ("count", "amount"))


def _kpi_row(currency: str, period: str, kpis: Kpis) -> list[Any]:
    credits = [getattr(kpis.by_credit[credit.value], measure) for credit in Credit for measure in ("count", "amount")]
    return [currency, period, *(getattr(kpis, name) for name in _KPI_FIELDS), *credits]


def kpis_table(*, query: AnalyticsQuery) -> tuple[list[str], Iterator[list[Any]]]:
    header = ["currency", "range", *_KPI_FIELDS, *_CREDIT_COLUMNS]
    rows = (
        row
        for item in analytics_kpis(query=query)
        for row in (
            _kpi_row(item.currency, "current", item.current),
            _kpi_row(item.currency, "previous", item.previous),
        )
    )
    return header, rows


def series_table(*, query: AnalyticsQuery) -> tuple[list[str], Iterator[list[Any]]]:
    header = [
        "currency",
        "period_start",
        "failed_count",
        "failed_amount",
        "recovered_count",
        "recovered_amount",
        "recovery_rate",
        *_CREDIT_COLUMNS,
    ]
    rows = (
        [
            series.currency,
            point.period_start,
            point.failed_count,
            point.failed_amount,
            point.recovered_count,
            point.recovered_amount,
            point.recovery_rate,
            *(getattr(point.by_credit[credit.value], measure) for credit in Credit for measure in ("count", "amount")),
        ]
        for series in analytics_series(query=query)
        for point in series.points
    )
    return header, rows


def distribution_table(*, query: AnalyticsQuery) -> tuple[list[str], Iterator[list[Any]]]:
    header = ["currency", "dimension", "key", "count", "amount", "recovered_count", "recovered_amount", "recovery_rate"]

    def rows() -> Iterator[list[Any]]:
        for item in analytics_failure_distribution(query=query):
            for dimension, slices in (
                ("category", item.by_category),
                ("gateway", item.by_gateway),
                ("payment_method_type", item.by_payment_method_type),
            ):
                for part in slices:
                    yield [
                        item.currency,
                        dimension,
                        part.key,
                        part.failed_count,
                        part.failed_amount,
                        part.recovered_count,
                        part.recovered_amount,
                        part.recovery_rate,
                    ]
            for code in item.by_code:
                yield [item.currency, "code", f"{code.gateway}:{code.code}", code.declines, code.amount, "", "", ""]

    return header, rows()


def cohorts_table(*, query: AnalyticsQuery) -> tuple[list[str], Iterator[list[Any]]]:
    attempts = [attempt_label(bucket) for bucket in range(ATTEMPT_BUCKETS)]
    header = [
        "currency",
        "week_start",
        "failed_count",
        "recovered_count",
        *(f"recovered_after_{label}_attempts" for label in attempts),
        *(f"recovered_within_{days}_days" for days in COHORT_DAYS),
    ]
    rows = (
        [
            item.currency,
            cohort.week_start,
            cohort.failed_count,
            cohort.recovered_count,
            *(cohort.recovered_after_attempts[label] for label in attempts),
            *(cohort.recovered_within_days[str(days)] for days in COHORT_DAYS),
        ]
        for item in analytics_cohorts(query=query)
        for cohort in item.cohorts
    )
    return header, rows
