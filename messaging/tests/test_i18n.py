"""The payer's language, and money and times written the way they read them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from accounts.enums import PayerLanguage
from accounts.models import Organization
from messaging.i18n import amount_display, babel_locale, moment_display, payer_language_choose


@pytest.mark.parametrize(
    ("requested", "default", "chosen"),
    [
        ("hi", "en", "hi"),
        ("en", "hi", "en"),
        ("hi-IN", "en", "hi"),
        ("HI_in", "en", "hi"),
        ("ta", "hi", "hi"),
        ("", "hi", "hi"),
        (None, "en", "en"),
    ],
)
def test_the_chosen_language_wins_when_tinko_speaks_it(requested, default, chosen) -> None:
    organization = Organization(payer_language=default)

    assert payer_language_choose(organization=organization, requested=requested) == chosen


@pytest.mark.parametrize(
    ("amount", "currency", "language", "written"),
    [
        (10_000_000, "INR", "en", "₹1,00,000.00"),
        (10_000_000, "INR", "hi", "₹1,00,000.00"),
        (123_456_789, "INR", "hi", "₹12,34,567.89"),
        (123_456_789, "USD", "en", "$1,234,567.89"),
        (1999, "USD", "hi", "$19.99"),
        (5000, "JPY", "en", "¥5,000"),
        (1234, "KWD", "en", "KWD1.234"),
    ],
)
def test_amounts_are_written_for_the_payer(amount, currency, language, written) -> None:
    assert amount_display(amount=amount, currency=currency, language=language) == written


def test_english_for_rupees_is_indian_english() -> None:
    assert str(babel_locale(language="en", currency="INR")) == "en_IN"
    assert str(babel_locale(language="en", currency="EUR")) == "en"
    assert str(babel_locale(language="hi", currency="EUR")) == "hi_IN"


@pytest.mark.parametrize(
    ("language", "currency", "written"),
    [
        ("en", "INR", "23 November 2026, 2:30 pm IST"),
        ("hi", "INR", "23 नवंबर 2026, 2:30 pm IST"),
        ("en", "USD", "23 November 2026, 2:30 PM IST"),
    ],
)
def test_moments_are_written_in_the_organizations_zone(language, currency, written) -> None:
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    assert moment_display(moment=moment, time_zone="Asia/Kolkata", language=language, currency=currency) == written


def test_the_two_readings_of_a_repeated_hour_are_written_apart() -> None:
    # Equal as datetimes (same zone, fold ignored), yet an hour apart: neither may be taken for the other.
    zone = ZoneInfo("America/New_York")
    first, second = datetime(2026, 11, 1, 1, 30, tzinfo=zone), datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=zone)

    written = [
        moment_display(moment=moment, time_zone="America/New_York", language="en", currency="USD")
        for moment in (first, second, first)
    ]

    assert written == ["1 November 2026, 1:30 AM EDT", "1 November 2026, 1:30 AM EST", "1 November 2026, 1:30 AM EDT"]


def test_django_speaks_exactly_the_payer_languages() -> None:
    assert [code for code, _ in settings.LANGUAGES] == PayerLanguage.values
