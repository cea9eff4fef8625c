"""The console's forms for classifier rules: an organization's override, and testing a code."""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from django import forms

from recovery.classifier import ClassifierInput
from recovery.enums import PaymentMethodType
from recovery.models import ClassifierRule
from recovery.services.rule_overrides import OVERRIDE_FIELDS

ALTERNATIVE_CHOICES = [
    (method.value, method.label) for method in PaymentMethodType if method != PaymentMethodType.OTHER
]


class DeclineInputMixin:
    """For a form that types in a decline: the `ClassifierInput` of the fields it has (the others
    keep their defaults)."""

    cleaned_data: dict[str, Any]

    def classifier_input(self) -> ClassifierInput:
        return ClassifierInput(
            **{
                field.name: self.cleaned_data[field.name]
                for field in fields(ClassifierInput)
                if field.name in self.cleaned_data
            }
        )


class ClassifierOverrideForm(forms.ModelForm):
    alternatives = forms.MultipleChoiceField(
        choices=ALTERNATIVE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Methods to offer the payer instead",
    )

    class Meta:
        model = ClassifierRule
        fields = OVERRIDE_FIELDS
        labels = {
            "slug": "Rule id",
            "code_system": "Which code it matches",
            "cooldown_seconds": "Wait before a retry (seconds)",
            "is_active": "Active",
        }
        widgets = {
            "explanation": forms.Textarea(attrs={"rows": 2}),
            "recommendation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = "Reported with each decision, e.g. “shop:do_not_honor”."

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).strip()
        if not re.fullmatch(r"[\w:.-]+", slug):
            raise forms.ValidationError("Letters, digits and : . _ - only.")
        return slug


class ClassifierTestForm(DeclineInputMixin, forms.Form):
    """A decline typed in, to see which rule decides it."""

    gateway = forms.CharField(max_length=40, initial="stripe")
    code = forms.CharField(max_length=100, required=False, label="Failure code", help_text="e.g. insufficient_funds")
    network_decline_code = forms.CharField(
        max_length=8, required=False, label="Network decline code", help_text="ISO 8583 or NPCI, e.g. 51"
    )
    network_advice_code = forms.CharField(max_length=8, required=False, label="Mastercard advice code")
    message = forms.CharField(max_length=1000, required=False, label="Failure message")
    payment_method_type = forms.ChoiceField(
        choices=PaymentMethodType.choices, initial=PaymentMethodType.CARD, label="Paid by"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "test")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in ("code", "network_decline_code", "network_advice_code", "message")):
            raise forms.ValidationError("Type a code or a message to test.")
        return data
