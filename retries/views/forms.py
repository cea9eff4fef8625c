"""The forms of the console's transaction and message pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from messaging.enums import Channel, NotificationStatus
from payments.enums import GatewayProvider
from recovery.enums import Category, PaymentMethodType, TransactionStatus
from recovery.limits import GATEWAY_PATTERN, RECOVERY_NOTE_MAX_LENGTH
from tinko.money import Money, UnknownCurrency

SORTS = {"newest": "Newest first", "oldest": "Oldest first"}


def _any(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


def day_bounds(since: date | None, until: date | None, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Days in the organization's time zone → [start, end) in time: `until` is the last day counted."""
    start = datetime.combine(since, time.min, tzinfo=zone) if since else None
    end = datetime.combine(until, time.min, tzinfo=zone) + timedelta(days=1) if until else None
    return start, end


class _DatesForm(forms.Form):
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "Pick a date on or after the start date.")
        return cleaned

    def filtered(self, zone: ZoneInfo) -> tuple[dict[str, Any], datetime | None, datetime | None]:
        """The valid fields (an invalid one is shown with its error and left out) and the dates as
        [start, end) in `zone`."""
        self.is_valid()
        data = self.cleaned_data
        return data, *day_bounds(data.get("since"), data.get("until"), zone)


def _search_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=255,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class TransactionFilterForm(_DatesForm):
    q = _search_field("Search", "The full reference, or the payer's email or phone (+91 98765 43210).")
    status = forms.ChoiceField(label="Status", required=False, choices=_any("Any status", TransactionStatus.choices))
    category = forms.ChoiceField(label="Category", required=False, choices=_any("Any category", Category.choices))
    gateway = forms.CharField(
        label="Gateway",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"list": "gateway-names", "autocomplete": "off"}),
    )
    method = forms.ChoiceField(label="Method", required=False, choices=_any("Any method", PaymentMethodType.choices))
    sort = forms.ChoiceField(label="Sort", required=False, choices=list(SORTS.items()))
    field_order = ["q", "status", "category", "gateway", "method", "since", "until", "sort"]

    gateway_names = GatewayProvider.values

    def clean_gateway(self) -> str:
        value: str = self.cleaned_data["gateway"].strip()
        if value and not GATEWAY_PATTERN.fullmatch(value):
            raise forms.ValidationError("Letters, digits, dots, dashes and underscores, as the gateway is named.")
        return value.lower()


class NotificationFilterForm(_DatesForm):
    transaction = _search_field("Transaction", "Its full reference or id (txn_…).")
    status = forms.ChoiceField(label="Status", required=False, choices=_any("Any status", NotificationStatus.choices))
    channel = forms.ChoiceField(label="Channel", required=False, choices=_any("Any channel", Channel.choices))
    field_order = ["transaction", "status", "channel", "since", "until"]


class MarkRecoveredForm(forms.Form):
    amount = forms.CharField(label="Amount received", max_length=32)
    currency = forms.CharField(label="Currency", max_length=3, min_length=3)
    paid_at = forms.DateTimeField(
        label="Paid on",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In the organization's time zone.",
    )
    note = forms.CharField(
        label="Note",
        max_length=RECOVERY_NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How it was paid, e.g. “NEFT, UTR 4183 0021 7745”.",
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean_paid_at(self) -> datetime:
        value: datetime = self.cleaned_data["paid_at"]
        # The browser sends a wall-clock time without an offset, which Django read in the current
        # time zone: it is the organization's.
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        value = value.replace(tzinfo=self.zone)
        if value > timezone.now():
            raise forms.ValidationError("A payment received cannot be in the future.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        amount, currency = cleaned.get("amount"), cleaned.get("currency")
        if amount is None or currency is None:
            return cleaned
        try:
            value = Decimal(str(amount).replace(",", "").strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.add_error("amount", "A number, e.g. 1299.00.")
            return cleaned
        try:
            money = Money.from_decimal(value, currency)
        except UnknownCurrency:
            self.add_error("currency", "Not an ISO 4217 currency code.")
            return cleaned
        except ValueError as exc:
            self.add_error("amount", str(exc))
            return cleaned
        if money.amount <= 0:
            self.add_error("amount", "More than zero.")
            return cleaned
        cleaned["minor_amount"] = money.amount
        return cleaned
