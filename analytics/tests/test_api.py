"""/v1/analytics/…: figures per currency, validated parameters, modes apart, streamed CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.enums import ApiKeyMode
from accounts.tests.factories import ApiKeyFactory
from analytics.rollups import rollups_refresh
from recovery.enums import RecoveredBy
from recovery.services import PaymentReceived, RefundReceived, transaction_mark_recovered, transaction_record_refund
from recovery.tests.factories import record_failure


def _recorded(organization: Any) -> None:
    usd = record_failure(organization=organization, transaction_ref="=HYPERLINK(1)", amount=2000)
    record_failure(organization=organization, amount=3000)
    record_failure(organization=organization, amount=50000, currency="INR", gateway="razorpay")
    paid = PaymentReceived(
        transaction_ref=usd.transaction.transaction_ref,
        amount=2000,
        currency="USD",
        paid_at=usd.transaction.first_failed_at + timedelta(hours=2),
        recovered_by=RecoveredBy.MERCHANT,
    )
    transaction_mark_recovered(organization=organization, livemode=False, payment=paid)
    refund = RefundReceived(transaction_ref=usd.transaction.transaction_ref, refunded_at=timezone.now(), amount=500)
    transaction_record_refund(organization=organization, livemode=False, refund=refund)
    rollups_refresh()


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_kpis_are_per_currency_with_the_previous_range(api_client, organization) -> None:
    _recorded(organization)

    response = api_client.get("/v1/analytics/kpis")

    assert response.status_code == 200
    body = response.json()
    assert [item["currency"] for item in body["data"]] == ["INR", "USD"]
    usd = body["data"][1]["current"]
    assert {key: usd[key] for key in ("failed_count", "failed_amount", "recovered_count", "recovered_amount")} == {
        "failed_count": 2,
        "failed_amount": 5000,
        "recovered_count": 1,
        "recovered_amount": 2000,
    }
    assert (usd["recovery_rate"], usd["in_progress_count"], usd["refunded_amount"]) == (0.5, 1, 500)
    # One recovery two hours after its failure: interpolated inside the (1 h, 4 h] bucket.
    assert 3600 < usd["median_time_to_recover_seconds"] <= 4 * 3600
    assert usd["by_credit"]["merchant"] == {"count": 1, "amount": 2000}
    assert body["data"][1]["previous"]["failed_count"] == 0


@pytest.mark.django_db
def test_a_live_key_sees_none_of_the_test_data(organization) -> None:
    _recorded(organization)
    live = ApiKeyFactory.issue(organization=organization, mode=ApiKeyMode.LIVE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {live.plaintext}")
    assert client.get("/v1/analytics/kpis").json()["data"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code", "param"),
    [
        ("from=2026-02-01&to=2026-01-01", "invalid_range", "from"),
        ("from=2023-01-01&to=2026-01-01", "range_too_long", "to"),
        ("from=2026-13-01", "invalid_date", "from"),
        ("from=yesterday", "invalid_date", "from"),
        ("granularity=year", "invalid_choice", "granularity"),
        ("category=broke", "invalid_choice", "category"),
        ("currency=dollars", "invalid_currency", "currency"),
        ("limit=3", "unknown_parameter", "limit"),
        ("currency=USD&currency=INR", "repeated_parameter", "currency"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api_client, query, code, param) -> None:
    response = api_client.get(f"/v1/analytics/recovery-rate?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": code,
        "message": response.json()["error"]["message"],
        "param": param,
    }


@pytest.mark.django_db
def test_series_distribution_and_cohorts_answer_per_currency(api_client, organization) -> None:
    _recorded(organization)

    rate = api_client.get("/v1/analytics/recovery-rate?granularity=month&currency=usd").json()
    distribution = api_client.get("/v1/analytics/failure-distribution?gateway=STRIPE").json()
    revenue = api_client.get("/v1/analytics/revenue-recovered?granularity=week").json()
    cohorts = api_client.get("/v1/analytics/cohorts").json()

    assert [(item["currency"], len(item["points"])) for item in rate["data"]] == [("USD", 1)]
    assert rate["data"][0]["points"][0]["recovery_rate"] == 0.5
    assert [item["currency"] for item in distribution["data"]] == ["USD"]
    assert distribution["data"][0]["by_code"] == [
        {"gateway": "stripe", "code": "insufficient_funds", "declines": 2, "amount": 5000}
    ]
    usd_revenue = next(item for item in revenue["data"] if item["currency"] == "USD")
    assert sum(point["recovered_amount"] for point in usd_revenue["points"]) == 2000
    usd_cohort = next(item for item in cohorts["data"] if item["currency"] == "USD")["cohorts"][0]
    assert usd_cohort["recovered_after_attempts"]["0"] == 0.5
    assert usd_cohort["recovered_within_days"]["1"] == 0.5


@pytest.mark.django_db
def test_the_transactions_export_streams_csv_with_formulas_kept_as_text(api_client, organization) -> None:
    _recorded(organization)

    response = api_client.get("/v1/analytics/transactions.csv?currency=USD")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(_body(response).decode())))
    assert sorted(row["transaction_ref"] for row in rows)[0] == "'=HYPERLINK(1)"
    assert len(rows) == 2
    assert {row["recovered_by"] for row in rows} == {"merchant", ""}


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["kpis", "recovery-rate", "revenue-recovered", "failure-distribution", "cohorts"])
def test_every_view_exports_as_csv(api_client, organization, view) -> None:
    _recorded(organization)

    response = api_client.get(f"/v1/analytics/{view}.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(_body(response).decode())))
    assert len(rows) >= 3  # a header, then USD and INR at least
    assert {row[0] for row in rows[1:]} == {"INR", "USD"}
