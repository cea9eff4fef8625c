from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinko.money import CURRENCIES, Money, UnknownCurrency, minor_unit_exponent, normalize_currency


@pytest.mark.parametrize(
    ("currency", "exponent"), [("USD", 2), ("INR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4)]
)
def test_minor_unit_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent


def test_currency_codes_are_normalised_and_checked() -> None:
    assert normalize_currency(" inr ") == "INR"
    with pytest.raises(UnknownCurrency):
        normalize_currency("XXX1")
    with pytest.raises(UnknownCurrency):
        normalize_currency("ABC")


@pytest.mark.parametrize(
    ("money", "text", "decimal"),
    [
        (Money(1999, "usd"), "19.99 USD", Decimal("19.99")),
        (Money(500, "JPY"), "500 JPY", Decimal("500")),
        (Money(1234567, "KWD"), "1,234.567 KWD", Decimal("1234.567")),
        (Money(123456789, "INR"), "1,234,567.89 INR", Decimal("1234567.89")),
    ],
)
def test_money_renders_in_major_units(money: Money, text: str, decimal: Decimal) -> None:
    assert str(money) == text
    assert money.decimal == decimal


def test_money_refuses_floats_and_excess_precision() -> None:
    with pytest.raises(TypeError):
        Money(19.99, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more precision"):
        Money.from_decimal("10.5", "JPY")


@given(amount=st.integers(min_value=0, max_value=10**15), currency=st.sampled_from(sorted(CURRENCIES)))
def test_decimal_round_trip_is_exact(amount: int, currency: str) -> None:
    money = Money(amount, currency)

    assert Money.from_decimal(money.decimal, currency) == money


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(10_000_000, "INR"), "en_IN", "₹1,00,000.00"),
        (Money(10_000_000, "INR"), "hi_IN", "₹1,00,000.00"),
        (Money(10_000_000, "INR"), "en", "₹100,000.00"),
        (Money(5000, "JPY"), "en", "¥5,000"),
    ],
)
def test_money_formats_itself_for_people_in_a_locale(money: Money, locale: str, text: str) -> None:
    assert money.format(locale=locale) == text
