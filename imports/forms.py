"""Forms of the import pages. Validation only; changes go through imports.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from accounts.forms import CURRENCY_CHOICES, TIME_ZONE_CHOICES
from imports.enums import AmountUnit, ImportFormat
from imports.formats import FIELDS
from imports.models import Import
from imports.services import MappingChoice, mapping_suggested

NOT_IN_FILE = ""


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row: Tinko's format, or a payments export from Stripe or Razorpay.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Tell from the columns"), *ImportFormat.choices],
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_FILE_BYTES:
            limit = settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than {limit} MB: split it and upload each part.")
        return upload


class MappingForm(forms.Form):
    """A column for each of Tinko's fields, and how to read amounts and times."""

    amount_unit = forms.ChoiceField(label="Amounts are in", choices=AmountUnit.choices)
    time_zone = forms.ChoiceField(
        label="Time zone of times written without one", choices=TIME_ZONE_CHOICES, initial="UTC"
    )
    default_currency = forms.ChoiceField(
        label="Currency of rows without one",
        required=False,
        choices=[("", "None: every row names its currency"), *CURRENCY_CHOICES],
    )

    def __init__(self, *args: Any, upload: Import, **kwargs: Any) -> None:
        suggested = mapping_suggested(upload)
        initial = {f"column_{name}": column for name, column in suggested.columns.items()} | {
            "amount_unit": suggested.amount_unit,
            "time_zone": suggested.time_zone,
            "default_currency": suggested.default_currency,
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        columns = [(NOT_IN_FILE, "— not in the file —"), *((column, column) for column in upload.header)]
        mapped: dict[str, forms.Field] = {}
        for target in FIELDS:
            mapped[f"column_{target.name}"] = forms.ChoiceField(
                label=target.label + (" (required)" if target.required else ""),
                required=False,
                choices=columns,
                help_text=target.help,
            )
        self.fields = mapped | self.fields

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{target.name}"] for target in FIELDS]

    def reading_fields(self) -> list[forms.BoundField]:
        return [self["amount_unit"], self["time_zone"], self["default_currency"]]

    def choice(self) -> MappingChoice:
        data = self.cleaned_data
        return MappingChoice(
            columns={
                target.name: data[f"column_{target.name}"]
                for target in FIELDS
                if data.get(f"column_{target.name}", NOT_IN_FILE) != NOT_IN_FILE
            },
            amount_unit=AmountUnit(data["amount_unit"]),
            time_zone=data["time_zone"],
            default_currency=data.get("default_currency", ""),
        )
