"""The console's dashboard: figures from the rollups of one organization, mode and currency at a
time, filters in the URL and validated, the htmx fragment, a bounded number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.enums import Role
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from analytics.charts import BarItem, ColumnItem, bar_chart, column_chart, nice_step
from analytics.dashboard import DashboardFilterForm, dashboard_filters
from analytics.rollups import rollups_refresh
from recovery.enums import RecoveredBy
from recovery.services import PaymentReceived, transaction_mark_recovered
from recovery.tests.factories import record_failure


@pytest.fixture
def client(organization: Any) -> Client:
    client = Client()
    client.force_login(MembershipFactory.create(organization=organization, role=Role.ANALYST).user)
    return client


def _recorded(organization: Any) -> None:
    paid = record_failure(organization=organization, transaction_ref="usd-paid", amount=2000)
    record_failure(organization=organization, amount=3000)
    record_failure(
        organization=organization, amount=50000, currency="INR", gateway="razorpay", payment_method_type="upi"
    )
    transaction_mark_recovered(
        organization=organization,
        livemode=False,
        payment=PaymentReceived(
            transaction_ref=paid.transaction.transaction_ref,
            amount=2000,
            currency="USD",
            paid_at=timezone.now(),
            recovered_by=RecoveredBy.MERCHANT,
        ),
    )
    # Neither another organization's failures nor this one's live data may show.
    record_failure(organization=OrganizationFactory.create(), amount=777_700)
    record_failure(organization=organization, livemode=True, amount=888_800)
    rollups_refresh()


def _cards(response: Any) -> dict[str, str]:
    return {card.key: card.value for card in response.context["dashboard"].cards}


@pytest.mark.django_db
def test_the_cards_count_this_organizations_test_data_in_one_currency(client, organization) -> None:
    _recorded(organization)

    response = client.get("/app/")

    assert response.status_code == 200
    assert response.context["dashboard"].currency == "USD", "the organization's own currency first"
    assert _cards(response) == {
        "failed": "$50.00",
        "recovered": "$20.00",
        "rate": "50.0%",
        "in_progress": "$30.00",
        "abandoned": "$0.00",
    }
    page = response.content.decode()
    assert "$8,888.00" not in page
    assert "$7,777.00" not in page
    # The rupees are beside, never added to the dollars.
    assert [(row.currency, row.failed_amount) for row in response.context["dashboard"].currencies] == [
        ("INR", "₹500.00"),
        ("USD", "$50.00"),
    ]
    assert "$550.00" not in page
    assert "₹550.00" not in page


@pytest.mark.django_db
def test_another_currency_is_its_own_dashboard(client, organization) -> None:
    _recorded(organization)

    response = client.get("/app/", {"currency": "inr"})

    dashboard = response.context["dashboard"]
    assert (dashboard.currency, _cards(response)["failed"], _cards(response)["recovered"]) == (
        "INR",
        "₹500.00",
        "₹0.00",
    )
    assert [row.label for row in dashboard.by_gateway.rows] == ["Razorpay"]
    assert [row.label for row in dashboard.by_method.rows] == ["UPI"]


@pytest.mark.django_db
def test_the_live_switch_shows_the_live_data_only(client, organization) -> None:
    _recorded(organization)
    client.post("/app/mode/", {"livemode": "true"})

    assert _cards(client.get("/app/"))["failed"] == "$8,888.00"


@pytest.mark.django_db
def test_charts_are_svg_images_with_their_numbers_in_tables(client, organization) -> None:
    _recorded(organization)

    response = client.get("/app/")

    dashboard = response.context["dashboard"]
    page = response.content.decode()
    assert page.count('role="img"') == 6
    assert '<title id="series-title">Failed and recovered USD per day</title>' in page
    assert len(dashboard.series_chart.columns) == 30
    assert [(row.failed_count, row.recovered_count) for row in dashboard.series_rows] == [(2, 1)]
    assert [(row.label, row.count, row.amount) for row in dashboard.by_credit.rows if row.count] == [
        ("The merchant, marked paid", 1, "$20.00")
    ]
    assert [(row.label, row.count) for row in dashboard.by_attempts.rows if row.count] == [("Before any attempt", 1)]
    assert [(row.label, row.failed_count, row.recovered_count) for row in dashboard.by_category.rows] == [
        ("Funds", 2, 1)
    ]
    assert page.count('<details class="chart-numbers">') == 6


@pytest.mark.django_db
def test_filters_narrow_the_figures_and_live_in_the_url(client, organization) -> None:
    _recorded(organization)

    response = client.get("/app/", {"gateway": "razorpay", "currency": "USD"})

    assert response.context["dashboard"].has_data is False
    assert "No failed payments in USD match these filters" in response.content.decode()
    assert 'href="?gateway=razorpay&amp;currency=INR"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"category": "broke"}, "category", "Pick a category from the list."),
        ({"method": "cash"}, "method", "Pick a payment method from the list."),
        ({"range": "forever"}, "range", "Pick one of the listed date ranges."),
        ({"currency": "dollars"}, "currency", "Ensure this value has at most 3 characters (it has 7)."),
        ({"currency": "ABC"}, "currency", "Pick a currency by its three-letter code, such as INR or USD."),
        ({"gateway": "no such/gateway"}, "gateway", "Pick a gateway from the list."),
        (
            {"range": "custom", "from": "2026-03-01", "to": "2026-02-01"},
            "to",
            "Pick a date on or after the start date.",
        ),
        ({"range": "custom", "from": "2022-01-01", "to": "2026-02-01"}, "to", "A range may span at most two years."),
        ({"range": "custom", "from": "yesterday"}, "from", "Enter a valid date."),
    ],
)
def test_a_bad_filter_is_named_and_left_out(client, organization, params, field, message) -> None:
    _recorded(organization)

    response = client.get("/app/", params)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "Some filters were left out:" in response.content.decode()
    dashboard = response.context["dashboard"]
    assert (dashboard.filters.preset, dashboard.filters.days) == ("30d", 30)
    assert dashboard.filters.category is None
    assert dashboard.filters.payment_method_type is None


def test_presets_and_custom_dates_give_days_counted_both_ends() -> None:
    today = date(2026, 5, 11)

    def filters(**data: str) -> Any:
        return dashboard_filters(DashboardFilterForm(data), today=today)

    assert (filters().start, filters().end) == (date(2026, 4, 12), date(2026, 5, 12))
    assert filters(range="7d").start == date(2026, 5, 5)
    custom = filters(range="custom", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert (custom.start, custom.end, custom.days, custom.is_custom) == (date(2026, 1, 1), date(2026, 2, 1), 31, True)
    # Dates without "custom" are a preset's leftovers: the preset wins.
    assert filters(range="90d", **{"from": "2026-01-01"}).start == date(2026, 2, 11)
    assert filters(range="custom").start == date(2026, 4, 12), "a custom range without dates starts as 30 days"


@pytest.mark.django_db
def test_a_year_is_drawn_a_week_to_a_column(client, organization) -> None:
    _recorded(organization)

    dashboard = client.get("/app/", {"range": "365d"}).context["dashboard"]

    assert dashboard.granularity == "week"
    assert 52 <= len(dashboard.series_chart.columns) <= 54


@pytest.mark.django_db
def test_an_htmx_request_gets_the_dashboard_fragment(client, organization) -> None:
    _recorded(organization)

    fragment = client.get("/app/", {"currency": "INR"}, HTTP_HX_REQUEST="true").content.decode()
    restored = client.get(
        "/app/", {"currency": "INR"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()

    assert fragment.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in fragment
    assert "<h1>" not in fragment
    assert 'hx-push-url="true"' in fragment
    assert "<html" in restored, "a history restore after a cache miss gets the whole page"


@pytest.mark.django_db
def test_the_onboarding_checklist_stays_until_onboarding_is_done(client, organization) -> None:
    assert "Set up Tinko" in client.get("/app/").content.decode()


@pytest.mark.django_db
def test_the_queries_do_not_grow_with_the_data(client, organization) -> None:
    _recorded(organization)
    client.get("/app/")  # the session's first save is not the dashboard's
    with CaptureQueriesContext(connection) as few:
        client.get("/app/")
    for day in range(40):
        record_failure(
            organization=organization,
            amount=100 + day,
            occurred_at=timezone.now() - timedelta(days=day),
            gateway=("stripe", "razorpay")[day % 2],
            currency=("USD", "EUR", "INR")[day % 3],
            payment_method_type=("card", "upi", "wallet")[day % 3],
        )
    rollups_refresh()
    with CaptureQueriesContext(connection) as more:
        client.get("/app/")
    with CaptureQueriesContext(connection) as fragment:
        client.get("/app/", {"range": "365d"}, HTTP_HX_REQUEST="true")

    assert len(few) == len(more) <= 25
    # The fragment: the session, user, membership and mode, 7 aggregates over the rollups, the watermark.
    assert len(fragment) <= 12
    rollup_reads = [query["sql"] for query in fragment.captured_queries if 'rollup"' in query["sql"]]
    assert len(rollup_reads) == 7
    assert not [query["sql"] for query in fragment.captured_queries if "recovery_transaction" in query["sql"]]


def test_bars_are_scaled_to_the_longest_and_keep_a_sliver() -> None:
    chart = bar_chart(
        [BarItem(label="a", value=1000, inner=250, text=""), BarItem(label="b", value=1, inner=0, text="")]
    )

    assert [(bar.width, bar.inner_width) for bar in chart.bars] == [(100.0, 25.0), (0.5, 0.0)]
    assert chart.height == 2 * 58


def test_columns_stand_on_round_gridlines() -> None:
    items = [
        ColumnItem(period_start=date(2026, 5, day), value=value, inner=value // 2)
        for day, value in ((1, 0), (2, 73_000))
    ]

    chart = column_chart(items, unit=100, tick_label=lambda value: f"{value // 100}", period_label=lambda d: str(d.day))

    assert nice_step(730) == 200.0
    assert nice_step(0) == 1.0
    assert [line.label for line in chart.gridlines] == ["0", "200", "400", "600", "800"]
    assert chart.columns[0].height == 0
    assert chart.columns[1].height == pytest.approx(180 * 730 / 800, abs=0.01)
    assert [(label.label, label.anchor) for label in chart.axis_labels] == [("1", "start"), ("2", "end")]
