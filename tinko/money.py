"""Money in integer minor units plus an ISO 4217 code; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency

# ISO 4217 active codes whose minor unit is not 2 (the default).
_EXPONENTS: dict[str, int] = {
    # zero-decimal
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # three-decimal
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four-decimal
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# Active ISO 4217 currency codes (funds and precious metals excluded).
CURRENCIES: frozenset[str] = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)


class UnknownCurrency(ValueError):
    pass


def normalize_currency(code: str) -> str:
    """Upper-case ISO 4217 code, or UnknownCurrency."""
    normalized = code.strip().upper()
    if normalized not in CURRENCIES:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code.")
    return normalized


def minor_unit_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (JPY 0, USD 2, KWD 3)."""
    return _EXPONENTS.get(normalize_currency(currency), 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount is an integer count of minor units.")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @property
    def decimal(self) -> Decimal:
        """The amount in major units, exactly (1999 USD → Decimal('19.99'))."""
        return Decimal(self.amount).scaleb(-minor_unit_exponent(self.currency))

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str) -> Money:
        """Major units to Money; refuses values finer than the currency's minor unit."""
        exponent = minor_unit_exponent(currency)
        scaled = Decimal(value).scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more precision than {currency.upper()} allows.")
        return cls(int(scaled), currency)

    def __str__(self) -> str:
        exponent = minor_unit_exponent(self.currency)
        return f"{self.decimal:,.{exponent}f} {self.currency}"

    def format(self, *, locale: str | Locale) -> str:
        """For people, in a Babel (CLDR) locale: `en_IN` and `hi_IN` give ₹1,00,000.00, `en` gives ₹100,000.00."""
        return format_currency(self.decimal, self.currency, locale=locale)
