"""`/v1/analytics/…`: KPIs, series, distributions, cohorts, and their CSV exports (API key, read)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import request_api_key
from accounts.enums import Role
from analytics import exports, schemas
from analytics.params import QUERY_PARAMETERS, parse_query
from analytics.selectors import (
    AnalyticsQuery,
    analytics_cohorts,
    analytics_failure_distribution,
    analytics_kpis,
    analytics_series,
)
from recovery.api.schemas import error
from recovery.resources import dumps

_NO_GRANULARITY = QUERY_PARAMETERS - {"granularity"}
_ERRORS = {400: error("A query parameter is unknown or invalid (the error names it).")}


def _query(request: Request, *, series: bool) -> AnalyticsQuery:
    return parse_query(
        request.query_params,
        api_key=request_api_key(request),
        now=timezone.now(),
        allowed=QUERY_PARAMETERS if series else _NO_GRANULARITY,
    )


def _answer(query: AnalyticsQuery, name: str, data: Any, **extra: Any) -> HttpResponse:
    body = {
        "object": f"analytics.{name}",
        "livemode": query.livemode,
        "from": query.start,
        "to": query.end,
        **extra,
        "data": data,
    }
    return HttpResponse(dumps(body), content_type="application/json")


def _series_point(point: Any, *, money: bool) -> dict[str, Any]:
    if money:
        return {
            "period_start": point.period_start,
            "recovered_count": point.recovered_count,
            "recovered_amount": point.recovered_amount,
            "by_credit": point.by_credit,
        }
    return {
        "period_start": point.period_start,
        "failed_count": point.failed_count,
        "recovered_count": point.recovered_count,
        "recovery_rate": point.recovery_rate,
    }


def _series_answer(request: Request, name: str, *, money: bool) -> HttpResponse:
    query = _query(request, series=True)
    data = [
        {"currency": item.currency, "points": [_series_point(point, money=money) for point in item.points]}
        for item in analytics_series(query=query)
    ]
    return _answer(query, name, data, granularity=query.granularity)


class AnalyticsKpisApi(APIView):
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="analytics_kpis",
        summary="Key figures",
        description="Per currency: failures in the range and what became of them, the recovery rate, the median "
        "time to recover and recoveries by what brought the money back ("
        + schemas.CREDITS_DESCRIPTION
        + "), beside the same for the previous range of equal length.",
        tags=["analytics"],
        parameters=schemas.QUERY_PARAMETERS,
        responses={200: schemas.KpisListOut, **_ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        query = _query(request, series=False)
        previous = query.previous()
        return _answer(
            query,
            "kpis",
            analytics_kpis(query=query),
            previous_from=previous.start,
            previous_to=previous.end,
        )


class AnalyticsRecoveryRateApi(APIView):
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="analytics_recovery_rate",
        summary="Recovery rate over time",
        description="Per currency and period of failure: failures, recoveries and their ratio.",
        tags=["analytics"],
        parameters=[*schemas.QUERY_PARAMETERS, schemas.GRANULARITY_PARAMETER],
        responses={200: schemas.RecoveryRateListOut, **_ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        return _series_answer(request, "recovery_rate", money=False)


class AnalyticsRevenueRecoveredApi(APIView):
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="analytics_revenue_recovered",
        summary="Revenue recovered over time",
        description="Per currency and period of failure: the money recovered, by what brought it back ("
        + schemas.CREDITS_DESCRIPTION
        + ").",
        tags=["analytics"],
        parameters=[*schemas.QUERY_PARAMETERS, schemas.GRANULARITY_PARAMETER],
        responses={200: schemas.RevenueListOut, **_ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        return _series_answer(request, "revenue_recovered", money=True)


class AnalyticsFailureDistributionApi(APIView):
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="analytics_failure_distribution",
        summary="Where failures come from",
        description="Per currency: failed transactions by decline category, gateway and payment method, each with "
        "its recoveries, and the most frequent decline codes (failure events).",
        tags=["analytics"],
        parameters=schemas.QUERY_PARAMETERS,
        responses={200: schemas.DistributionListOut, **_ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        query = _query(request, series=False)
        return _answer(query, "failure_distribution", analytics_failure_distribution(query=query))


class AnalyticsCohortsApi(APIView):
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="analytics_cohorts",
        summary="Cohorts by week of failure",
        description="Per currency and week of failure: the share recovered after at most 0, 1, 2 … attempts and "
        "within 1, 3, 7, 14 and 30 days.",
        tags=["analytics"],
        parameters=schemas.QUERY_PARAMETERS,
        responses={200: schemas.CohortListOut, **_ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        query = _query(request, series=False)
        return _answer(query, "cohorts", analytics_cohorts(query=query))


Table = Callable[..., tuple[list[str], Iterator[Any]]]
CSV_TABLES: dict[str, tuple[Table, bool]] = {
    "kpis": (exports.kpis_table, False),
    "recovery-rate": (exports.series_table, True),
    "revenue-recovered": (exports.series_table, True),
    "failure-distribution": (exports.distribution_table, False),
    "cohorts": (exports.cohorts_table, False),
}


def _csv(rows: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_view(view: str) -> type[APIView]:
    table, series = CSV_TABLES[view]

    class AnalyticsCsvApi(APIView):
        required_role = Role.ANALYST

        @extend_schema(
            operation_id=f"analytics_{view.replace('-', '_')}_csv",
            summary=f"{view} as CSV",
            description=f"The `{view}` figures as CSV, one row per currency and period or slice; the same parameters.",
            tags=["analytics"],
            parameters=[*schemas.QUERY_PARAMETERS, *([schemas.GRANULARITY_PARAMETER] if series else [])],
            responses={(200, "text/csv"): schemas.CSV_RESPONSE, **_ERRORS},
        )
        def get(self, request: Request) -> StreamingHttpResponse:
            query = _query(request, series=series)
            header, rows = table(query=query)
            return _csv(exports.csv_chunks(header, rows), f"{view}-{query.start}-{query.end}.csv")

    AnalyticsCsvApi.__name__ = AnalyticsCsvApi.__qualname__ = f"Analytics{view.title().replace('-', '')}CsvApi"
    return AnalyticsCsvApi


class TransactionExportApi(APIView):
    required_role = Role.ANALYST

    @extend_schema(
        operation_id="analytics_transactions_csv",
        summary="Transactions as CSV",
        description="Every transaction recorded in the range that matches the filters, newest first, streamed. "
        "Amounts are integers in the currency's minor unit; times are ISO 8601 in UTC. Text that a spreadsheet "
        "would run as a formula starts with an apostrophe.",
        tags=["analytics"],
        parameters=schemas.QUERY_PARAMETERS,
        responses={(200, "text/csv"): schemas.CSV_RESPONSE, **_ERRORS},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = _query(request, series=False)
        rows = exports.transaction_rows(query=query)
        return _csv(
            exports.csv_chunks(exports.TRANSACTION_COLUMNS, rows),
            f"transactions-{query.start}-{query.end}.csv",
        )
