"""Admin columns and read-only fields that show values as people read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.utils.text import Truncator

from tinko.templatetags.money import money


def money_display(amount_field: str, *, description: str, currency_field: str = "currency") -> Callable[..., str]:
    """A ModelAdmin attribute showing `amount_field` (minor units) in `currency_field` as money: ₹24,999.00."""

    @admin.display(description=description, ordering=amount_field)
    def show(modeladmin: Any, obj: Model) -> str:
        return money(getattr(obj, amount_field), getattr(obj, currency_field))

    return show


def truncated_display(field: str, *, description: str, length: int = 40) -> Callable[..., str]:
    """A ModelAdmin attribute showing at most `length` characters of `field`, ending in … when cut."""

    @admin.display(description=description, ordering=field)
    def show(modeladmin: Any, obj: Model) -> str:
        return Truncator(getattr(obj, field)).chars(length)

    return show


def with_money_fields(field_names: list[str], money_fields: dict[str, str]) -> list[str]:
    """`field_names` with each amount field replaced by its money display (named in `money_fields`)."""
    return [money_fields.get(name, name) for name in field_names]
