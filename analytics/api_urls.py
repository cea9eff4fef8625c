from django.urls import path

from analytics.api import (
    CSV_TABLES,
    AnalyticsCohortsApi,
    AnalyticsFailureDistributionApi,
    AnalyticsKpisApi,
    AnalyticsRecoveryRateApi,
    AnalyticsRevenueRecoveredApi,
    TransactionExportApi,
    csv_view,
)

urlpatterns = [
    path("analytics/kpis", AnalyticsKpisApi.as_view(), name="api-analytics-kpis"),
    path("analytics/recovery-rate", AnalyticsRecoveryRateApi.as_view(), name="api-analytics-recovery-rate"),
    path(
        "analytics/failure-distribution",
        AnalyticsFailureDistributionApi.as_view(),
        name="api-analytics-failure-distribution",
    ),
    path("analytics/revenue-recovered", AnalyticsRevenueRecoveredApi.as_view(), name="api-analytics-revenue-recovered"),
    path("analytics/cohorts", AnalyticsCohortsApi.as_view(), name="api-analytics-cohorts"),
    path("analytics/transactions.csv", TransactionExportApi.as_view(), name="api-analytics-transactions-csv"),
    *(path(f"analytics/{view}.csv", csv_view(view).as_view(), name=f"api-analytics-{view}-csv") for view in CSV_TABLES),
]
