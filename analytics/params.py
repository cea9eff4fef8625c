"""The analytics API's query parameters, checked and turned into an AnalyticsQuery."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.http import QueryDict

from accounts.models import ApiKey
from analytics.enums import Granularity
from analytics.rollups import organization_zone
from analytics.selectors import AnalyticsQuery
from recovery.api.parsing import bad_request
from recovery.enums import Category, PaymentMethodType
from recovery.limits import GATEWAY_PATTERN

MAX_RANGE = timedelta(days=731)  # two years, a leap day included
DEFAULT_RANGE = timedelta(days=30)
QUERY_PARAMETERS = frozenset({"from", "to", "currency", "gateway", "category", "payment_method_type", "granularity"})
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def _date(params: QueryDict, name: str) -> date | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(code="invalid_date", message=f"{name} must be a date, YYYY-MM-DD.", param=name) from None


def _choice(params: QueryDict, name: str, choices: list[str]) -> str | None:
    value = params.get(name)
    if value is not None and value not in choices:
        raise bad_request(code="invalid_choice", message=f"{name} must be one of {', '.join(choices)}.", param=name)
    return value


def today_for(api_key: ApiKey, now: datetime) -> date:
    return now.astimezone(organization_zone(api_key.organization)).date()


def parse_query(
    params: QueryDict, *, api_key: ApiKey, now: datetime, allowed: frozenset[str] = QUERY_PARAMETERS
) -> AnalyticsQuery:
    """The query the parameters ask for; a 400 naming the parameter when one is unknown or invalid.

    `from` and `to` are days in the organization's time zone, `to` exclusive; by default the last
    30 days up to and including today. A range is at most two years.
    """
    for name in params:
        if name not in allowed:
            raise bad_request(code="unknown_parameter", message=f"Unknown query parameter {name!r}.", param=name)
        if len(params.getlist(name)) > 1:
            raise bad_request(code="repeated_parameter", message=f"{name} may be given once.", param=name)
    end = _date(params, "to") or today_for(api_key, now) + timedelta(days=1)
    start = _date(params, "from") or (end - DEFAULT_RANGE if end - date.min > DEFAULT_RANGE else date.min)
    if start >= end:
        raise bad_request(code="invalid_range", message="from must be before to (to is exclusive).", param="from")
    if end - start > MAX_RANGE:
        raise bad_request(code="range_too_long", message="A range may span at most two years.", param="to")
    currency = params.get("currency")
    if currency is not None and not _CURRENCY.fullmatch(currency):
        raise bad_request(code="invalid_currency", message="currency must be an ISO 4217 code.", param="currency")
    gateway = params.get("gateway")
    if gateway is not None and not GATEWAY_PATTERN.fullmatch(gateway):
        raise bad_request(code="invalid_gateway", message="gateway is not a gateway name.", param="gateway")
    return AnalyticsQuery(
        organization=api_key.organization,
        livemode=api_key.livemode,
        start=start,
        end=end,
        currency=currency.upper() if currency else None,
        gateway=gateway.lower() if gateway else None,
        category=_choice(params, "category", Category.values),
        payment_method_type=_choice(params, "payment_method_type", PaymentMethodType.values),
        granularity=Granularity(_choice(params, "granularity", Granularity.values) or Granularity.DAY),
    )
