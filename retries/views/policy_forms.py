"""The console's retry-policy editor: the policy, its category overrides, and the sample failure
its preview plans for."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from itertools import permutations
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from recovery.enums import Category, PaymentMethodType
from retries.enums import Channel
from retries.models import MAX_ATTEMPTS, RetryPolicy, RetryPolicyOverride
from retries.planner.text import duration
from retries.preview import SampleFailure
from retries.services import OVERRIDE_FIELDS
from tinko.money import Money

# A policy's fields under the headings the editor and the admin show them in.
ATTEMPT_FIELDS = (
    "channels",
    "allow_auto_charge",
    "max_attempts",
    "first_delay",
    "backoff_multiplier",
    "max_delay",
    "jitter_percent",
    "give_up_after_days",
    "link_lifetime",
)
WINDOW_FIELDS = ("window_start", "window_end", "window_days", "time_zone_source")

_SPAN_PART = re.compile(r"(\d+)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|mins|minute|minutes)\b")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class SpanField(forms.Field):
    """A duration as people write it: `15 minutes`, `1 day`, `2d 4h`, `90m`."""

    default_error_messages = {"invalid": "Write it like “15 minutes”, “4 hours”, “1 day” or “1d 12h”."}

    def prepare_value(self, value: Any) -> Any:
        return duration(value) if isinstance(value, timedelta) else value

    def to_python(self, value: Any) -> timedelta | None:
        if isinstance(value, timedelta):
            return value
        text = str(value or "").strip().lower()
        if not text:
            return None
        parts = _SPAN_PART.findall(text)
        if not parts or _SPAN_PART.sub("", text).strip(" ,and"):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        span = timedelta()
        for count, unit in parts:
            span += timedelta(**{_UNITS[unit[0]]: int(count)})
        return span


class PayDaysField(forms.CharField):
    """Days of the month as `1, 15` (31 is the last day)."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(str(day) for day in value) if isinstance(value, list) else value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return sorted(self.to_python(initial() if callable(initial) else initial)) != sorted(self.to_python(data))
        except ValidationError:
            return True

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = str(value or "").strip()
        if not text:
            return []
        try:
            return [int(part) for part in re.split(r"[\s,]+", text) if part]
        except ValueError:
            raise ValidationError("Days of the month separated by commas, e.g. “1, 15”.", code="invalid") from None


def _channel_orders() -> list[tuple[str, str]]:
    values = [channel.value for channel in Channel]
    orders: list[tuple[str, ...]] = []
    for size in range(len(values), 0, -1):
        orders.extend(permutations(values, size))
    labels = {Channel.AUTO_CHARGE.value: "re-charge", Channel.EMAIL.value: "email"}
    return [(",".join(order), ", then ".join(labels[item] for item in order).capitalize()) for order in orders]


CHANNEL_ORDERS = _channel_orders()


class RetryPolicyForm(forms.ModelForm):
    first_delay = SpanField(help_text="Before the first attempt, e.g. “1 day” or “15 minutes”.")
    max_delay = SpanField(help_text="The longest wait between attempts.")
    link_lifetime = SpanField(help_text="How long a recovery link stays valid, e.g. “3 days”.")
    channels = forms.ChoiceField(
        choices=CHANNEL_ORDERS, help_text="Used in turn, attempt after attempt.", label="Channels, in turn"
    )

    class Meta:
        model = RetryPolicy
        fields = ("name", *ATTEMPT_FIELDS, *WINDOW_FIELDS)
        labels = {
            "allow_auto_charge": "Re-charge saved payment methods automatically",
            "max_attempts": "Attempts",
            "backoff_multiplier": "Backoff multiplier",
            "jitter_percent": "Jitter (%)",
            "give_up_after_days": "Give up after (days)",
            "window_start": "Send window opens",
            "window_end": "Send window closes",
            "window_days": "Send on",
            "time_zone_source": "Send window time zone",
        }
        widgets = {
            "window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.initial["channels"] = ",".join(self.instance.channels or [])
        self.fields["max_attempts"].widget.attrs.update(min=1, max=MAX_ATTEMPTS)

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields under their headings, as the editor shows them."""
        attempts = [name for name in self.fields if name not in WINDOW_FIELDS]
        return [
            ("Attempts", [self[name] for name in attempts]),
            ("Send window", [self[name] for name in WINDOW_FIELDS]),
        ]

    def clean_channels(self) -> list[str]:
        return str(self.cleaned_data["channels"]).split(",")


class RetryPolicyOverrideForm(forms.ModelForm):
    first_delay = SpanField(required=False)
    max_delay = SpanField(required=False)
    pay_days = PayDaysField(required=False, help_text="e.g. “1, 15” (31 = the last day).")

    class Meta:
        model = RetryPolicyOverride
        fields = OVERRIDE_FIELDS
        labels = {
            "allow_auto_charge": "Re-charge automatically",
            "max_attempts": "Attempts",
            "pay_days": "Pay days",
            "pay_day_time": "Pay-day time",
        }
        # One sentence above the overrides says that empty fields follow the policy.
        help_texts = {"allow_auto_charge": "", "first_delay": "", "pay_day_time": ""}
        widgets = {"pay_day_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


def override_deleted(form: forms.BaseForm) -> bool:
    """Whether the person ticked “Delete” on an override (a valid form)."""
    return bool(form.is_valid() and form.cleaned_data.get("DELETE"))


class BaseOverrideFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            unused = not form.has_changed() and not form.instance.pk
            if not form.is_valid() or override_deleted(form) or unused:
                continue
            category = str(form.cleaned_data.get("category"))
            if category in seen:
                form.add_error("category", "Each category once per policy.")
            seen.add(category)


OverrideFormSet = forms.inlineformset_factory(
    RetryPolicy,
    RetryPolicyOverride,
    form=RetryPolicyOverrideForm,
    formset=BaseOverrideFormSet,
    extra=1,
    can_delete=True,
    max_num=len(Category),
    validate_max=True,
)

NETWORKS = [
    ("visa", "Visa"),
    ("mastercard", "Mastercard"),
    ("rupay", "RuPay"),
    ("amex", "American Express"),
    ("", "Not known"),
]
METHODS = [(PaymentMethodType.CARD.value, "Card"), (PaymentMethodType.UPI.value, "UPI")]


class SampleFailureForm(forms.Form):
    """The failure the preview plans for (never stored)."""

    category = forms.ChoiceField(choices=Category.choices, initial=Category.ISSUER_DECLINE, label="Decline category")
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=14, initial=Decimal("2499"), label="Amount")
    payment_method_type = forms.ChoiceField(choices=METHODS, initial=PaymentMethodType.CARD, label="Paid by")
    card_network = forms.ChoiceField(choices=NETWORKS, required=False, initial="visa", label="Card network")
    mandate_active = forms.BooleanField(
        required=False, label="India: the saved method has an active e-mandate", initial=False
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "sample")
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = f"Amount ({currency})"

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        try:
            Money.from_decimal(amount, self.currency)
        except ValueError as exc:
            raise ValidationError(str(exc), code="precision") from None
        return amount

    def sample_failure(self) -> SampleFailure:
        """The failure chosen (the initial one until the form is sent)."""
        data = self.cleaned_data if self.is_bound else {name: field.initial for name, field in self.fields.items()}
        return SampleFailure(
            category=Category(data["category"]),
            amount=Money.from_decimal(data["amount"], self.currency).amount,
            currency=self.currency,
            card_network=data["card_network"],
            payment_method_type=data["payment_method_type"],
            mandate_active=data["mandate_active"],
        )
