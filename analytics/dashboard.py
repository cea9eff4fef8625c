"""The console's dashboard: its filters, and its figures and charts read from the analytics selectors.

Every figure is about the failures recorded in the chosen days (the organization's time zone), in
one currency at a time: money is never added up across currencies. The dashboard makes the same
aggregate queries over the rollups as the analytics API (`analytics_kpis` without a currency, to
know which currencies there are; then `analytics_series` and `analytics_failure_distribution` in
the chosen one), never a scan of the transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.numbers import format_compact_currency
from django import forms

from accounts.models import Organization
from analytics.charts import BarChart, BarItem, ColumnChart, ColumnItem, bar_chart, column_chart
from analytics.enums import Credit, Granularity
from analytics.params import MAX_RANGE
from analytics.selectors import (
    AnalyticsQuery,
    CurrencyKpis,
    DeclineCode,
    Distribution,
    Kpis,
    SeriesPoint,
    Slice,
    analytics_failure_distribution,
    analytics_kpis,
    analytics_series,
)
from payments.enums import GatewayProvider
from recovery.enums import Category, PaymentMethodType
from recovery.limits import GATEWAY_PATTERN
from tinko.money import UnknownCurrency, minor_unit_exponent, normalize_currency
from tinko.templatetags.money import money

PRESETS: dict[str, tuple[str, int]] = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "365d": ("Last 12 months", 365),
}
CUSTOM = "custom"
DEFAULT_PRESET = "30d"
DAILY_UP_TO = timedelta(days=92)  # longer ranges are drawn a week to a column
TOP_CODES = 10


def _any(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters as the URL gives them: `range` (a preset or `custom`), `from` and `to`
    (days, both counted, for a custom range), `gateway`, `category`, `method`, `currency`."""

    range = forms.ChoiceField(
        label="Dates",
        required=False,
        choices=[*((key, label) for key, (label, _days) in PRESETS.items()), (CUSTOM, "Custom dates")],
        error_messages={"invalid_choice": "Pick one of the listed date ranges."},
    )
    gateway = forms.CharField(label="Gateway", required=False, max_length=40)
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=_any("Any category", Category.choices),
        error_messages={"invalid_choice": "Pick a category from the list."},
    )
    method = forms.ChoiceField(
        label="Method",
        required=False,
        choices=_any("Any method", PaymentMethodType.choices),
        error_messages={"invalid_choice": "Pick a payment method from the list."},
    )
    currency = forms.CharField(label="Currency", required=False, max_length=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added by name.
        self.fields["from"] = forms.DateField(
            label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
        self.order_fields(["range", "from", "to", "currency", "gateway", "category", "method"])

    def clean_gateway(self) -> str:
        value: str = self.cleaned_data["gateway"].strip()
        if value and not GATEWAY_PATTERN.fullmatch(value):
            raise forms.ValidationError("Pick a gateway from the list.")
        return value.lower()

    def clean_currency(self) -> str:
        value: str = self.cleaned_data["currency"]
        if not value:
            return ""
        try:
            return normalize_currency(value)
        except UnknownCurrency:
            raise forms.ValidationError("Pick a currency by its three-letter code, such as INR or USD.") from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "Pick a date on or after the start date.")
        elif start and end and end - start >= MAX_RANGE:
            self.add_error("to", "A range may span at most two years.")
        return cleaned


@dataclass(frozen=True, kw_only=True, slots=True)
class DashboardFilters:
    """What the dashboard shows: days [start, end) and the filters (None: any)."""

    preset: str  # a PRESETS key, or CUSTOM
    start: date
    end: date
    currency: str | None = None
    gateway: str | None = None
    category: str | None = None
    payment_method_type: str | None = None

    @property
    def is_custom(self) -> bool:
        return self.preset == CUSTOM

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def dashboard_filters(form: DashboardFilterForm, *, today: date) -> DashboardFilters:
    """The filters a bound form means. A field with an error is left out (the form shows why); a
    custom range missing a side runs to today, or starts 30 days before its end."""
    form.is_valid()
    data = form.cleaned_data
    preset = data.get("range") or DEFAULT_PRESET
    start, last = data.get("from"), data.get("to")
    if preset == CUSTOM and not form.has_error("to") and not form.has_error("from"):
        last = last or today
        start = start or last - timedelta(days=PRESETS[DEFAULT_PRESET][1] - 1)
    else:
        if preset == CUSTOM:
            preset = DEFAULT_PRESET
        last = today
        start = today - timedelta(days=PRESETS[preset][1] - 1)
    return DashboardFilters(
        preset=preset,
        start=start,
        end=last + timedelta(days=1),
        currency=data.get("currency") or None,
        gateway=data.get("gateway") or None,
        category=data.get("category") or None,
        payment_method_type=data.get("method") or None,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class KpiCard:
    key: str
    label: str
    value: str
    detail: str
    change: str  # "Up 12%", "Down 3.0 points", "No change", "New"
    direction: str  # up | down | flat
    tone: str  # good | bad | neutral: what the direction means for this figure
    previous: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SeriesRow:
    period_start: date
    failed_count: int
    failed_amount: str
    recovered_count: int
    recovered_amount: str
    recovery_rate: float


@dataclass(frozen=True, kw_only=True, slots=True)
class SliceRow:
    key: str
    label: str
    failed_count: int
    failed_amount: str
    recovered_count: int
    recovered_amount: str
    recovery_rate: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RecoveryRow:
    key: str
    label: str
    count: int
    amount: str
    share: float  # of the currency's recoveries


@dataclass(frozen=True, kw_only=True, slots=True)
class CurrencyRow:
    currency: str
    failed_count: int
    failed_amount: str
    recovered_amount: str
    recovery_rate: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Breakdown:
    """One chart with the table of its numbers."""

    chart: BarChart
    rows: list[Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Dashboard:
    filters: DashboardFilters
    previous_start: date
    previous_last_day: date
    currency: str
    currencies: list[CurrencyRow]
    has_data: bool
    cards: list[KpiCard]
    granularity: Granularity
    series_chart: ColumnChart
    series_rows: list[SeriesRow]
    by_category: Breakdown
    by_gateway: Breakdown
    by_method: Breakdown
    by_attempts: Breakdown
    by_credit: Breakdown
    top_codes: list[DeclineCode]
    recovered_count: int

    @property
    def currency_codes(self) -> list[str]:
        return [row.currency for row in self.currencies]

    @property
    def preset_label(self) -> str:
        return PRESETS[self.filters.preset][0] if self.filters.preset in PRESETS else "Custom dates"


def _locale(currency: str) -> str:
    return "en_IN" if currency == "INR" else "en"


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _change(current: float, previous: float, *, points: bool) -> tuple[str, str]:
    if points:
        delta = round((current - previous) * 100, 1)
        if delta == 0:
            return "No change", "flat"
        return f"{'Up' if delta > 0 else 'Down'} {abs(delta):.1f} points", "up" if delta > 0 else "down"
    if current == previous:
        return "No change", "flat"
    if previous == 0:
        return "Up", "up"
    ratio = (current - previous) / previous * 100
    shown = f"{abs(ratio):.0f}%" if abs(ratio) >= 1 else "less than 1%"
    return f"{'Up' if ratio > 0 else 'Down'} {shown}", "up" if ratio > 0 else "down"


_GOOD_WHEN_UP = {"failed": False, "recovered": True, "rate": True, "in_progress": None, "abandoned": False}


def _card(
    key: str, label: str, value: str, detail: str, current: float, previous: float, previous_text: str
) -> KpiCard:
    change, direction = _change(current, previous, points=key == "rate")
    good_when_up = _GOOD_WHEN_UP[key]
    if direction == "flat" or good_when_up is None:
        tone = "neutral"
    else:
        tone = "good" if (direction == "up") == good_when_up else "bad"
    return KpiCard(
        key=key,
        label=label,
        value=value,
        detail=detail,
        change=change,
        direction=direction,
        tone=tone,
        previous=previous_text,
    )


def _cards(kpis: CurrencyKpis, currency: str, days: int) -> list[KpiCard]:
    now, before = kpis.current, kpis.previous
    span = f"the previous {days} day{'s' if days != 1 else ''}"

    def amount(value: int) -> str:
        return money(value, currency)

    def count(value: int, noun: str) -> str:
        return f"{value:,} {noun}{'s' if value != 1 else ''}"

    return [
        _card(
            "failed",
            "Failed",
            amount(now.failed_amount),
            count(now.failed_count, "payment"),
            now.failed_amount,
            before.failed_amount,
            f"from {amount(before.failed_amount)} in {span}",
        ),
        _card(
            "recovered",
            "Recovered",
            amount(now.recovered_amount),
            count(now.recovered_count, "payment"),
            now.recovered_amount,
            before.recovered_amount,
            f"from {amount(before.recovered_amount)} in {span}",
        ),
        _card(
            "rate",
            "Recovery rate",
            _percent(now.recovery_rate),
            f"{now.recovered_count:,} of {now.failed_count:,} failed payments",
            now.recovery_rate,
            before.recovery_rate,
            f"from {_percent(before.recovery_rate)} in {span}",
        ),
        _card(
            "in_progress",
            "In progress",
            amount(now.in_progress_amount),
            count(now.in_progress_count, "payment"),
            now.in_progress_amount,
            before.in_progress_amount,
            f"from {amount(before.in_progress_amount)} in {span}",
        ),
        _card(
            "abandoned",
            "Abandoned",
            amount(now.abandoned_amount),
            count(now.abandoned_count, "payment"),
            now.abandoned_amount,
            before.abandoned_amount,
            f"from {amount(before.abandoned_amount)} in {span}",
        ),
    ]


def _periods(filters: DashboardFilters, granularity: Granularity) -> list[date]:
    if granularity == Granularity.DAY:
        return [filters.start + timedelta(days=offset) for offset in range(filters.days)]
    monday = filters.start - timedelta(days=filters.start.weekday())
    return [monday + timedelta(weeks=offset) for offset in range((filters.end - monday).days // 7 + 1)]


def _series(
    points: list[SeriesPoint], filters: DashboardFilters, granularity: Granularity, currency: str
) -> tuple[ColumnChart, list[SeriesRow]]:
    by_period = {point.period_start: point for point in points}
    periods = [period for period in _periods(filters, granularity) if period < filters.end]
    items = [
        ColumnItem(
            period_start=period,
            value=by_period[period].failed_amount if period in by_period else 0,
            inner=by_period[period].recovered_amount if period in by_period else 0,
        )
        for period in periods
    ]
    chart = column_chart(
        items,
        unit=10 ** minor_unit_exponent(currency),
        tick_label=lambda value: format_compact_currency(
            value / 10 ** minor_unit_exponent(currency), currency, locale=_locale(currency), fraction_digits=1
        ),
        period_label=lambda day: day.strftime("%-d %b"),
    )
    rows = [
        SeriesRow(
            period_start=point.period_start,
            failed_count=point.failed_count,
            failed_amount=money(point.failed_amount, currency),
            recovered_count=point.recovered_count,
            recovered_amount=money(point.recovered_amount, currency),
            recovery_rate=point.recovery_rate,
        )
        for point in points
    ]
    return chart, rows


def _slice_breakdown(slices: list[Slice], labels: dict[str, str], currency: str) -> Breakdown:
    rows = [
        SliceRow(
            key=item.key,
            label=labels.get(item.key, item.key),
            failed_count=item.failed_count,
            failed_amount=money(item.failed_amount, currency),
            recovered_count=item.recovered_count,
            recovered_amount=money(item.recovered_amount, currency),
            recovery_rate=item.recovery_rate,
        )
        for item in slices
    ]
    chart = bar_chart(
        [
            BarItem(
                label=row.label,
                value=item.failed_amount,
                inner=item.recovered_amount,
                text=f"{row.failed_amount} failed · {row.recovered_amount} recovered ({_percent(row.recovery_rate)})",
            )
            for row, item in zip(rows, slices, strict=True)
        ]
    )
    return Breakdown(chart=chart, rows=rows)


def _recovery_breakdown(amounts: dict[str, Any], labels: dict[str, str], currency: str, total: int) -> Breakdown:
    rows = [
        RecoveryRow(
            key=key,
            label=labels[key],
            count=amounts[key].count,
            amount=money(amounts[key].amount, currency),
            share=amounts[key].count / total if total else 0.0,
        )
        for key in labels
    ]
    chart = bar_chart(
        [
            BarItem(
                label=row.label,
                value=amounts[row.key].amount,
                inner=amounts[row.key].amount,
                text=f"{row.amount} · {row.count:,} payment{'s' if row.count != 1 else ''}",
            )
            for row in rows
        ]
    )
    return Breakdown(chart=chart, rows=rows)


_ATTEMPT_LABELS = {
    "0": "Before any attempt",
    "1": "After 1 attempt",
    **{str(number): f"After {number} attempts" for number in range(2, 6)},
    "6+": "After 6 or more attempts",
}
_GATEWAY_LABELS = dict(GatewayProvider.choices)
_EMPTY = Kpis(
    failed_count=0,
    failed_amount=0,
    recovered_count=0,
    recovered_amount=0,
    recovery_rate=0.0,
    in_progress_count=0,
    in_progress_amount=0,
    abandoned_count=0,
    abandoned_amount=0,
    refunded_count=0,
    refunded_amount=0,
    median_time_to_recover_seconds=None,
    by_credit={},
    by_attempts={},
)


def _chosen_currency(kpis: list[CurrencyKpis], wanted: str | None, organization: Organization) -> str:
    """The currency asked for; else the organization's own when it has failures, else the one with
    the most failures, else the organization's own."""
    if wanted:
        return wanted
    present = {item.currency: item.current.failed_count for item in kpis if item.current.failed_count}
    default = str(organization.default_currency)
    if default in present or not present:
        return default
    return max(sorted(present), key=lambda currency: present[currency])


def dashboard_build(*, organization: Organization, livemode: bool, filters: DashboardFilters) -> Dashboard:
    """The dashboard's figures in one currency, with the other currencies' headline figures."""
    query = AnalyticsQuery(
        organization=organization,
        livemode=livemode,
        start=filters.start,
        end=filters.end,
        gateway=filters.gateway,
        category=filters.category,
        payment_method_type=filters.payment_method_type,
    )
    every_currency = analytics_kpis(query=query)
    currency = _chosen_currency(every_currency, filters.currency, organization)
    kpis = next(
        (item for item in every_currency if item.currency == currency),
        CurrencyKpis(currency=currency, current=_EMPTY, previous=_EMPTY),
    )
    granularity = Granularity.DAY if filters.end - filters.start <= DAILY_UP_TO else Granularity.WEEK
    in_currency = AnalyticsQuery(
        organization=organization,
        livemode=livemode,
        start=filters.start,
        end=filters.end,
        currency=currency,
        gateway=filters.gateway,
        category=filters.category,
        payment_method_type=filters.payment_method_type,
        granularity=granularity,
    )
    has_data = kpis.current.failed_count > 0
    series = analytics_series(query=in_currency) if has_data else []
    distribution = analytics_failure_distribution(query=in_currency) if has_data else [Distribution(currency=currency)]
    spread = distribution[0] if distribution else Distribution(currency=currency)
    series_chart, series_rows = _series(series[0].points if series else [], filters, granularity, currency)
    previous = query.previous()
    recovered = kpis.current.recovered_count
    return Dashboard(
        filters=filters,
        previous_start=previous.start,
        previous_last_day=previous.end - timedelta(days=1),
        currency=currency,
        currencies=[
            CurrencyRow(
                currency=item.currency,
                failed_count=item.current.failed_count,
                failed_amount=money(item.current.failed_amount, item.currency),
                recovered_amount=money(item.current.recovered_amount, item.currency),
                recovery_rate=item.current.recovery_rate,
            )
            for item in every_currency
            if item.current.failed_count
        ],
        has_data=has_data,
        cards=_cards(kpis, currency, filters.days),
        granularity=granularity,
        series_chart=series_chart,
        series_rows=series_rows,
        by_category=_slice_breakdown(spread.by_category, dict(Category.choices), currency),
        by_gateway=_slice_breakdown(spread.by_gateway, _GATEWAY_LABELS, currency),
        by_method=_slice_breakdown(spread.by_payment_method_type, dict(PaymentMethodType.choices), currency),
        by_attempts=_recovery_breakdown(kpis.current.by_attempts, _ATTEMPT_LABELS, currency, recovered)
        if has_data
        else Breakdown(chart=bar_chart([]), rows=[]),
        by_credit=_recovery_breakdown(kpis.current.by_credit, dict(Credit.choices), currency, recovered)
        if has_data
        else Breakdown(chart=bar_chart([]), rows=[]),
        top_codes=spread.by_code[:TOP_CODES],
        recovered_count=recovered,
    )
