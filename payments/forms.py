"""The console's gateway connection form. Keys are checked by the gateway itself (payments.services)."""

from __future__ import annotations

from typing import Any

from django import forms

from payments.enums import GatewayProvider


class GatewayConnectForm(forms.Form):
    provider = forms.ChoiceField(choices=GatewayProvider.choices, label="Gateway")
    secret_key = forms.CharField(
        required=False,
        max_length=255,
        label="Secret key",
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Stripe: sk_test_… or rk_test_… (sk_live_… in live mode). Razorpay: the key secret. "
        "Empty when replacing other keys only.",
    )
    key_id = forms.CharField(
        required=False, max_length=64, label="Key id (Razorpay)", help_text="rzp_test_… or rzp_live_…"
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=255,
        label="Webhook signing secret",
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Stripe: the endpoint's whsec_…. Razorpay: leave empty and Tinko makes one for you to paste.",
    )

    def __init__(self, *args: Any, livemode: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if livemode:
            # The sandbox only has a test mode.
            provider = self.fields["provider"]
            assert isinstance(provider, forms.ChoiceField)
            provider.choices = [choice for choice in GatewayProvider.choices if choice[0] != GatewayProvider.SANDBOX]
