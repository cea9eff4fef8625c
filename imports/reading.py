"""One CSV row → the failure it records, a skip, or the reason it is refused (pure: no database).

A row is turned into the body the ingest API takes and read by the API's own parser
(`recovery.api.parsing.parse_failure`), so a file is held to exactly the rules of
`POST /v1/events/payment_failed` and its errors name the same fields.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from imports.enums import AmountUnit
from imports.formats import FIELD_NAMES, METADATA_PREFIX, FormatSpec
from recovery.api.parsing import parse_failure
from recovery.enums import EventSource, PaymentMethodType
from recovery.services import FailureInput
from tinko.api import ApiError
from tinko.money import UnknownCurrency, minor_unit_exponent, normalize_currency

RAW_MAX_LENGTH = 2000
_KEY_MAX_LENGTH = 255
_PAYMENT_METHODS = frozenset(PaymentMethodType.values)
# How gateways' exports name methods that Tinko knows by another name.
_METHOD_ALIASES = {"credit_card": "card", "debit_card": "card", "cards": "card", "nb": "netbanking"}
_DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """How one file's columns are read: the format, each field's column index, the amount's unit, the
    time zone of times without an offset, and the currency of rows without one."""

    spec: FormatSpec
    columns: Mapping[str, int]
    amount_unit: AmountUnit
    time_zone: ZoneInfo
    default_currency: str = ""
    metadata_columns: Mapping[str, int] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowFailure:
    row_number: int
    failure: FailureInput
    cells: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class RowSkipped:
    row_number: int
    status: str


@dataclass(frozen=True, slots=True)
class RowError:
    row_number: int
    message: str
    field: str = ""
    raw: str = ""


RowOutcome = RowFailure | RowSkipped | RowError


def mapping_build(
    *,
    spec: FormatSpec,
    header: Sequence[str],
    columns: Mapping[str, str],
    amount_unit: AmountUnit,
    time_zone: str,
    default_currency: str = "",
) -> ColumnMapping:
    """The mapping of `columns` (field → column name) onto this header. Unknown fields or columns
    are a ValueError."""
    index = {name: position for position, name in reversed(list(enumerate(header)))}
    resolved: dict[str, int] = {}
    for name, column in columns.items():
        if name not in FIELD_NAMES:
            raise ValueError(f"{name!r} is not a field Tinko imports.")
        if column not in index:
            raise ValueError(f"The file has no column {column!r}.")
        resolved[name] = index[column]
    metadata = (
        {
            column[len(METADATA_PREFIX) :]: position
            for column, position in index.items()
            if column.startswith(METADATA_PREFIX)
        }
        if spec.metadata_columns
        else {}
    )
    return ColumnMapping(
        spec=spec,
        columns=resolved,
        amount_unit=amount_unit,
        time_zone=ZoneInfo(time_zone),
        default_currency=default_currency,
        metadata_columns=metadata,
    )


def _cell(cells: Sequence[str], position: int | None) -> str:
    if position is None or position >= len(cells):
        return ""
    return cells[position].strip()


class _Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _amount(text: str, *, unit: AmountUnit, currency: str) -> int:
    if not text:
        raise _Refused("amount", "amount is required.")
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise _Refused("amount", f"amount {text!r} is not a number.") from None
    if not value.is_finite():
        raise _Refused("amount", f"amount {text!r} is not a number.")
    if unit == AmountUnit.MAJOR:
        try:
            value = value.scaleb(minor_unit_exponent(currency))
        except UnknownCurrency:
            raise _Refused("currency", f"{currency!r} is not an ISO 4217 currency code.") from None
    if value != value.to_integral_value():
        where = f"{currency} has" if unit == AmountUnit.MAJOR else "minor units have"
        raise _Refused("amount", f"amount {text!r} has more decimals than {where}.")
    return int(value)


def _occurred_at(text: str, *, time_zone: ZoneInfo) -> str:
    if not text:
        raise _Refused("occurred_at", "occurred_at is required.")
    parsed: datetime | None = None
    if text.isdigit() and 9 <= len(text) <= 11:
        # Unix seconds, as the gateways' APIs give them.
        parsed = datetime.fromtimestamp(int(text), tz=UTC)
    else:
        try:
            parsed = datetime.fromisoformat(text.replace(" UTC", "+00:00"))
        except ValueError:
            for pattern in _DAY_FIRST_FORMATS:
                try:
                    parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 - the zone is set below
                    break
                except ValueError:
                    continue
    if parsed is None:
        raise _Refused(
            "occurred_at",
            f"occurred_at {text!r} is not a time Tinko reads (e.g. 2026-01-31 12:00:00 or 31/01/2026 12:00).",
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=time_zone)
    return parsed.isoformat()


def _payment_method(text: str) -> str:
    value = text.strip().lower().replace(" ", "_")
    value = _METHOD_ALIASES.get(value, value)
    return value if value in _PAYMENT_METHODS else PaymentMethodType.OTHER


def _idempotency_key(mapping: ColumnMapping, *, event_id: str, ref: str, occurred_at: str) -> str:
    prefix = mapping.spec.key_prefix
    if event_id:
        key = f"{prefix}:{event_id}"
        if len(key) <= _KEY_MAX_LENGTH and all("!" <= ch <= "~" for ch in key):
            return key
        return f"{prefix}:sha256:{hashlib.sha256(event_id.encode()).hexdigest()}"
    # A failure is its payment's at one moment: the same row read again, in any file, is the same failure.
    identity = f"{ref}\x1f{occurred_at}".encode()
    return f"{prefix}:row:{hashlib.sha256(identity).hexdigest()}"


def _body(mapping: ColumnMapping, cells: Sequence[str]) -> tuple[dict[str, Any], str]:
    """The API body the row says, and the row's event id."""
    column = mapping.columns.get

    def cell(name: str) -> str:
        return _cell(cells, column(name))

    event_id = cell("event_id")
    ref = cell("transaction_ref") or (event_id if mapping.spec.ref_falls_back_to_event_id else "")
    if not ref:
        raise _Refused("transaction_ref", "transaction_ref is required.")
    currency = cell("currency") or mapping.default_currency
    if not currency:
        raise _Refused("currency", "currency is required (map a column or choose one for every row).")
    try:
        currency = normalize_currency(currency)
    except UnknownCurrency:
        raise _Refused("currency", f"{currency!r} is not an ISO 4217 currency code.") from None
    body: dict[str, Any] = {
        "transaction_ref": ref,
        "amount": _amount(cell("amount"), unit=mapping.amount_unit, currency=currency),
        "currency": currency,
        "occurred_at": _occurred_at(cell("occurred_at"), time_zone=mapping.time_zone),
        "gateway": mapping.spec.gateway or cell("gateway").lower() or "other",
    }
    for name in (
        "failure_code",
        "failure_message",
        "network_decline_code",
        "network_advice_code",
        "advice_code",
        "gateway_customer_id",
        "gateway_payment_method_id",
    ):
        if value := cell(name):
            body[name] = value
    if method := cell("payment_method_type"):
        body["payment_method_type"] = _payment_method(method)
    customer = {
        key: value
        for key, value in (
            ("email", cell("customer_email")),
            ("phone", cell("customer_phone")),
            ("name", cell("customer_name")),
        )
        if value
    }
    if customer:
        body["customer"] = customer
    metadata = {key: value for key, position in mapping.metadata_columns.items() if (value := _cell(cells, position))}
    if metadata:
        body["metadata"] = metadata
    return body, event_id


def raw_text(cells: Sequence[str], delimiter: str = ",") -> str:
    """The row as one line, for the error report (shortened)."""
    text = delimiter.join(cells)
    return text if len(text) <= RAW_MAX_LENGTH else text[: RAW_MAX_LENGTH - 1] + "…"


def row_read(mapping: ColumnMapping, cells: Sequence[str], *, row_number: int, now: datetime) -> RowOutcome:
    """What one row of the file records."""
    failed = mapping.spec.failed_statuses
    status_column = mapping.columns.get("status")
    if failed is not None and status_column is not None:
        status = _cell(cells, status_column).lower()
        if status not in failed:
            return RowSkipped(row_number=row_number, status=status)
    try:
        body, event_id = _body(mapping, cells)
        key = _idempotency_key(mapping, event_id=event_id, ref=body["transaction_ref"], occurred_at=body["occurred_at"])
        failure = parse_failure(body, idempotency_key=key, now=now)
        return RowFailure(
            row_number=row_number, failure=dataclasses.replace(failure, source=EventSource.IMPORT), cells=cells
        )
    except _Refused as exc:
        return RowError(row_number=row_number, field=exc.field, message=exc.message, raw=raw_text(cells))
    except ApiError as exc:
        return RowError(row_number=row_number, field=exc.param or "", message=str(exc.detail), raw=raw_text(cells))
    except ValueError as exc:
        return RowError(row_number=row_number, message=str(exc), raw=raw_text(cells))
