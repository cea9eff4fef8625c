"""Forms for sign-up and the console. Validation only; changes go through accounts.services."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms
from django.core.exceptions import ValidationError

from accounts.access import invitation_pending
from accounts.branding import PreparedLogo, accent_colour_clean, logo_prepare, support_phone_clean
from accounts.enums import API_KEY_ROLES, ApiKeyMode, PayerLanguage, Role
from accounts.models import Invitation, Membership, Organization
from tinko.money import CURRENCIES

TIME_ZONE_CHOICES = [
    (zone, zone.replace("_", " "))
    for zone in sorted(zoneinfo.available_timezones())
    if zone == "UTC" or (zone.count("/") >= 1 and not zone.startswith(("Etc/", "SystemV/", "US/", "posix", "right")))
]
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCIES)]
API_KEY_ACCESS_LABELS = {Role.ADMIN: "Full access", Role.ANALYST: "Read only"}


def _organization_fields() -> dict[str, forms.Field]:
    return {
        "organization_name": forms.CharField(
            label="Organization name",
            max_length=120,
            widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        ),
        "time_zone": forms.ChoiceField(
            label="Time zone", choices=TIME_ZONE_CHOICES, initial="UTC", help_text="Used for reports and quiet hours."
        ),
        "default_currency": forms.ChoiceField(label="Default currency", choices=CURRENCY_CHOICES, initial="USD"),
    }


class SignupForm(AllauthSignupForm):
    """allauth's sign-up plus the first organization; joining through an invitation needs none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = context.request
        self.invitation: Invitation | None = invitation_pending(request) if request is not None else None
        if self.invitation is None:
            self.fields.update(_organization_fields())
            self.fieldsets = [
                ("Your account", ["email", "password1"]),
                ("Your organization", ["organization_name", "time_zone", "default_currency"]),
            ]
        else:
            self.fields["email"].initial = self.invitation.email
            self.fields["email"].help_text = f"You were invited to {self.invitation.organization.name} at this address."
            self.fieldsets = [("Your account", ["email", "password1"])]

    def clean_email(self) -> str:
        email: str = super().clean_email()
        if self.invitation is not None and email != self.invitation.email.lower():
            raise ValidationError(
                f"This invitation is for {self.invitation.email}; sign up with that address to join.",
                code="invitation_email",
            )
        return email


class OrganizationForm(forms.Form):
    """Name, time zone and default currency: for a new organization and for an owner's settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_organization_fields())
        self.fields["organization_name"].label = "Name"

    @classmethod
    def for_organization(cls, organization: Organization, **kwargs: Any) -> OrganizationForm:
        initial = {
            "organization_name": organization.name,
            "time_zone": str(organization.time_zone),
            "default_currency": organization.default_currency,
        }
        return cls(initial=initial, **kwargs)


class BrandingForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=120,
        required=False,
        help_text="What payers see; your organization's name if blank.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or WebP, at most 1 MB. Shown on payer pages and in emails.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    accent_colour = forms.CharField(
        label="Accent colour",
        max_length=7,
        required=False,
        help_text="Hex, like #4338ca. Buttons use it with white text, so it must be dark enough.",
        widget=forms.TextInput(attrs={"placeholder": "#4338ca", "pattern": "#[0-9A-Fa-f]{6}", "spellcheck": "false"}),
    )
    support_email = forms.EmailField(label="Support email", required=False)
    support_phone = forms.CharField(
        label="Support phone",
        max_length=24,
        required=False,
        help_text="International format, e.g. +919876543210.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    payer_language = forms.ChoiceField(
        label="Language for payers",
        choices=PayerLanguage.choices,
        initial=PayerLanguage.ENGLISH,
        help_text="Emails and payer pages use it unless a payer chose another.",
    )

    def __init__(self, *args: Any, has_logo: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_logo:
            del self.fields["remove_logo"]

    @classmethod
    def for_organization(cls, organization: Organization, *, has_logo: bool) -> BrandingForm:
        initial = {
            "display_name": organization.display_name,
            "accent_colour": organization.accent_colour,
            "support_email": organization.support_email,
            "support_phone": organization.support_phone,
            "payer_language": organization.payer_language,
        }
        return cls(initial=initial, has_logo=has_logo)

    def clean_logo(self) -> PreparedLogo | None:
        upload = self.cleaned_data.get("logo")
        return logo_prepare(upload) if upload else None

    def clean_accent_colour(self) -> str:
        return accent_colour_clean(self.cleaned_data["accent_colour"])

    def clean_support_phone(self) -> str:
        return support_phone_clean(self.cleaned_data["support_phone"])


def role_choices(by: Membership) -> list[tuple[str, str]]:
    roles = [Role.ANALYST, Role.ADMIN] + ([Role.OWNER] if by.role == Role.OWNER else [])
    return [(role.value, role.label) for role in roles]


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = role_choices(by)
        role.initial = Role.ANALYST


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(by)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="Where the key is used, e.g. “Checkout backend”.")
    mode = forms.ChoiceField(
        label="Mode", choices=ApiKeyMode.choices, initial=ApiKeyMode.TEST, widget=forms.RadioSelect
    )
    role = forms.ChoiceField(
        label="Access",
        choices=[(role, API_KEY_ACCESS_LABELS[Role(role)]) for role in API_KEY_ROLES],
        initial=Role.ADMIN,
        widget=forms.RadioSelect,
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False)
    actor = forms.ChoiceField(label="Person", required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actions: list[str], members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", "Any action"), *((a, a) for a in actions)]
        cast(forms.ChoiceField, self.fields["actor"]).choices = [
            ("", "Anyone"),
            *((m.user.public_id, m.user.email) for m in members),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "Pick a date on or after the start date.")
        return cleaned


class OrganizationDeleteForm(forms.Form):
    confirm = forms.CharField(label="Type the organization's slug to confirm")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["confirm"].help_text = f"Type {organization.slug}"

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"].strip()
        if value != self.organization.slug:
            raise ValidationError("That is not this organization's slug; nothing was deleted.", code="mismatch")
        return value
