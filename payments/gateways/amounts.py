"""Money at the gateway edge: Tinko's ISO 4217 minor units to and from each gateway's unit."""

from __future__ import annotations

from collections.abc import Mapping

from payments.exceptions import AmountNotRepresentable
from tinko.money import Money, minor_unit_exponent, normalize_currency

# Three-decimal currencies (BHD, JOD, KWD, OMR, TND at Stripe; KWD, BHD, OMR at Razorpay) are
# accepted in thousandths, but both gateways require the last digit to be 0.
THREE_DECIMAL_STEP = 10


def to_gateway_amount(money: Money, *, exponents: Mapping[str, int], round_to_tens: frozenset[str]) -> int:
    """`money` in the gateway's unit; refuses amounts the gateway cannot take exactly."""
    iso_exponent = minor_unit_exponent(money.currency)
    gateway_exponent = exponents.get(money.currency, iso_exponent)
    shift = gateway_exponent - iso_exponent
    if shift >= 0:
        amount = money.amount * 10**shift
    else:
        factor = 10**-shift
        if money.amount % factor:
            raise AmountNotRepresentable(f"{money} has minor units the gateway does not accept for {money.currency}.")
        amount = money.amount // factor
    if money.currency in round_to_tens and amount % THREE_DECIMAL_STEP:
        raise AmountNotRepresentable(f"{money}: the gateway requires the last digit of {money.currency} to be 0.")
    return amount


def from_gateway_amount(amount: int, currency: str, *, exponents: Mapping[str, int]) -> Money:
    """A gateway amount (in the gateway's unit for `currency`) as Money in ISO minor units."""
    code = normalize_currency(currency)
    iso_exponent = minor_unit_exponent(code)
    shift = exponents.get(code, iso_exponent) - iso_exponent
    if shift >= 0:
        return Money(int(amount) // 10**shift, code)
    return Money(int(amount) * 10**-shift, code)
