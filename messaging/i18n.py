"""Which language a payer reads, and money and times written for them in it (Babel, CLDR)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime

from accounts.enums import PayerLanguage
from accounts.models import Organization
from tinko.money import Money


def payer_language_choose(*, organization: Organization, requested: str | None) -> str:
    """`requested` when Tinko speaks it (`hi-IN` counts as `hi`), else the organization's default."""
    if requested:
        primary = requested.strip().lower().replace("_", "-").split("-")[0]
        if primary in PayerLanguage.values:
            return primary
    return str(organization.payer_language)


def babel_locale(*, language: str, currency: str) -> Locale:
    """Hindi is written for India; English too for rupees (₹1,00,000.00), otherwise in the
    international style (1,000,000), which is how a payer abroad groups digits."""
    if language == PayerLanguage.HINDI:
        return _locale("hi_IN")
    return _locale("en_IN" if currency == "INR" else "en")


@cache
def _locale(identifier: str) -> Locale:
    # Parsed once per process: Babel parses an identifier given as text on every call.
    return Locale.parse(identifier)


def amount_display(*, amount: int, currency: str, language: str) -> str:
    """`amount` in minor units as a payer reads it: 10000000 INR → ₹1,00,000.00; 5000 JPY → ¥5,000."""
    return _amount_written(amount, currency, babel_locale(language=language, currency=currency))


def moment_display(*, moment: datetime, time_zone: str, language: str, currency: str) -> str:
    """A date and time in the organization's zone with its abbreviation: 22 नवंबर 2026, 9:00 am IST."""
    # By the instant in UTC: two equal aware datetimes may be different instants (a repeated hour).
    return _moment_written(moment.astimezone(UTC), time_zone, babel_locale(language=language, currency=currency))


# Babel takes 15-20 µs to write an amount or a moment, and a task's emails repeat them: plans have a
# few prices, and the links issued together expire together. What it writes depends on nothing else.
@lru_cache(maxsize=4096)
def _amount_written(amount: int, currency: str, locale: Locale) -> str:
    return Money(amount, currency).format(locale=locale)


@lru_cache(maxsize=1024)
def _moment_written(moment: datetime, time_zone: str, locale: Locale) -> str:
    zone = ZoneInfo(time_zone)
    written = format_datetime(moment, "d MMMM y, h:mm a", tzinfo=zone, locale=locale)
    return f"{written} {moment.astimezone(zone).tzname()}"
