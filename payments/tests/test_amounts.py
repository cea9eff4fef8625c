"""Money at the gateway edge: zero-, two- and three-decimal currencies, both directions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.exceptions import AmountNotRepresentable
from payments.gateways.amounts import from_gateway_amount, to_gateway_amount
from payments.gateways.razorpay import consts as razorpay_consts
from payments.gateways.stripe import consts as stripe_consts
from tinko.money import CURRENCIES, Money

EDGES = {
    "stripe": (stripe_consts.CURRENCY_EXPONENTS, stripe_consts.THREE_DECIMAL_CURRENCIES),
    "razorpay": (razorpay_consts.CURRENCY_EXPONENTS, razorpay_consts.THREE_DECIMAL_CURRENCIES),
}


@pytest.mark.parametrize(
    ("provider", "money", "gateway_amount"),
    [
        ("stripe", Money(1999, "USD"), 1999),
        ("stripe", Money(500, "JPY"), 500),
        ("stripe", Money(5, "ISK"), 500),
        ("stripe", Money(100, "MGA"), 1),
        ("stripe", Money(1230, "KWD"), 1230),
        ("razorpay", Money(49900, "INR"), 49900),
        ("razorpay", Money(295, "JPY"), 295),
        ("razorpay", Money(295990, "KWD"), 295990),
    ],
)
def test_known_conversions(provider: str, money: Money, gateway_amount: int) -> None:
    exponents, tens = EDGES[provider]

    assert to_gateway_amount(money, exponents=exponents, round_to_tens=tens) == gateway_amount
    assert from_gateway_amount(gateway_amount, money.currency.lower(), exponents=exponents) == money


@pytest.mark.parametrize("money", [Money(295991, "KWD"), Money(1, "BHD"), Money(150, "MGA")])
def test_amounts_the_gateway_cannot_take_exactly_are_refused(money: Money) -> None:
    exponents, tens = EDGES["stripe"]

    with pytest.raises(AmountNotRepresentable):
        to_gateway_amount(money, exponents=exponents, round_to_tens=tens)


@given(
    provider=st.sampled_from(sorted(EDGES)),
    currency=st.sampled_from(sorted(CURRENCIES)),
    amount=st.integers(min_value=1, max_value=10**12),
)
def test_whatever_the_gateway_accepts_comes_back_as_the_same_money(provider: str, currency: str, amount: int) -> None:
    exponents, tens = EDGES[provider]
    money = Money(amount, currency)
    try:
        sent = to_gateway_amount(money, exponents=exponents, round_to_tens=tens)
    except AmountNotRepresentable:
        return

    assert from_gateway_amount(sent, currency, exponents=exponents) == money
