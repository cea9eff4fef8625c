"""`{{ amount|money:currency }}`: integer minor units shown as people read money."""

from __future__ import annotations

from django import template

from tinko.money import Money, UnknownCurrency

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """2499900, "INR" → ₹24,999.00 (Indian grouping for rupees); empty for no amount."""
    if amount is None:
        return ""
    try:
        value = Money(int(amount), currency)
    except UnknownCurrency:
        return f"{amount} {currency}"
    return value.format(locale="en_IN" if value.currency == "INR" else "en")
