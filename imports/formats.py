"""The files Tinko reads, and which of their columns mean what (pure: no database).

Three formats:

- **Tinko's own**: one column per field of `POST /v1/events/payment_failed`, named as there
  (`customer_email`, `customer_phone`, `customer_name` for the customer; `metadata.<key>` columns
  for metadata; `idempotency_key` or `event_id` for the event's own id). Amounts in minor units.
- **Stripe's payments export** (Dashboard > Payments > Export, the "unified payments" CSV): `id`,
  `Created date (UTC)` (older exports: `Created (UTC)`), `Amount` in major units, `Currency`
  (lower-case), `Status` (`Paid`, `Failed`, `Refunded`, …), `Decline Reason` (the decline code),
  `Seller Message`, `Customer ID`, `Customer Email`, `Customer Phone`, `Card ID`, `Card Name`,
  `PaymentIntent ID`, `Payment Source Type`. Only `Failed` rows are failures.
- **Razorpay's payments report** (Dashboard > Reports > Payments), with the payment entity's names
  (`id`, `amount`, `currency`, `status`, `method`, `email`, `contact`, `error_code`,
  `error_description`, `error_reason`, `created_at`) or the reports schema's (`Payment ID`,
  `Amount`, `Currency`, `Status`, `Payment Method`, `Customer Email`, `Customer Contact`, `Error
  Code`, `Error Description`, `Created At`). Amounts are integers in paise; times are IST when
  they carry no offset; only `failed` rows are failures.

Sources are listed in the README ("CSV import of failed payments"). Headers are compared by
their letters and digits only (`Created date (UTC)` and `created_date_utc` are one column).
A gateway's export is keyed as that gateway's webhook keys the same failure (`stripe:<id>`,
`razorpay:<id>`), so a failure that arrived by webhook and then in an export is recorded once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from imports.enums import AmountUnit, ImportFormat


@dataclass(frozen=True, slots=True)
class TargetField:
    name: str
    label: str
    required: bool = False
    help: str = ""


# Tinko's fields a column can fill, in the order the mapping form shows them.
FIELDS: tuple[TargetField, ...] = (
    TargetField("transaction_ref", "Payment reference", required=True, help="Your order or payment id."),
    TargetField("amount", "Amount", required=True),
    TargetField("currency", "Currency", help="ISO 4217; or choose a currency for every row below."),
    TargetField("occurred_at", "Failed at", required=True),
    TargetField("status", "Status", help="Rows whose status is not a failure are skipped."),
    TargetField("event_id", "Event id", help="Makes each row's failure unique; else reference and time do."),
    TargetField("failure_code", "Decline code"),
    TargetField("failure_message", "Decline message"),
    TargetField("network_decline_code", "Network decline code"),
    TargetField("network_advice_code", "Network advice code"),
    TargetField("advice_code", "Gateway advice code"),
    TargetField("payment_method_type", "Payment method"),
    TargetField("customer_email", "Customer email"),
    TargetField("customer_phone", "Customer phone"),
    TargetField("customer_name", "Customer name"),
    TargetField("gateway", "Gateway"),
    TargetField("gateway_customer_id", "Gateway customer id"),
    TargetField("gateway_payment_method_id", "Saved payment method id"),
)
FIELD_NAMES = frozenset(target.name for target in FIELDS)
REQUIRED_FIELDS = tuple(target.name for target in FIELDS if target.required)
METADATA_PREFIX = "metadata."


@dataclass(frozen=True, slots=True)
class FormatSpec:
    format: ImportFormat
    # Header names (normalized) that each field is found under, first match wins.
    aliases: dict[str, tuple[str, ...]]
    amount_unit: AmountUnit
    # For times written without an offset; None: the organization's own time zone.
    time_zone: str | None
    # The gateway every row is from (None: from the `gateway` column, else "other").
    gateway: str | None = None
    # Status values (normalized) of failed payments; None: every row is a failure.
    failed_statuses: frozenset[str] | None = None
    # Prefix of the idempotency key of a row that names its event: the gateway's, as its webhooks key it.
    key_prefix: str = "import"
    metadata_columns: bool = False
    # What a row without a reference is known by (the gateway's payment id).
    ref_falls_back_to_event_id: bool = field(default=False)


def normalize_header(name: str) -> str:
    """`Created date (UTC)` → `created_date_utc`."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


SPECS: dict[ImportFormat, FormatSpec] = {
    ImportFormat.TINKO: FormatSpec(
        format=ImportFormat.TINKO,
        aliases={target.name: (target.name,) for target in FIELDS}
        | {"event_id": ("event_id", "idempotency_key"), "failure_code": ("failure_code", "failure_reason")},
        amount_unit=AmountUnit.MINOR,
        time_zone=None,
        metadata_columns=True,
    ),
    ImportFormat.STRIPE: FormatSpec(
        format=ImportFormat.STRIPE,
        aliases={
            "event_id": ("id",),
            "transaction_ref": ("paymentintent_id", "payment_intent_id", "id"),
            "amount": ("amount",),
            "currency": ("currency",),
            "occurred_at": ("created_date_utc", "created_utc", "created"),
            "status": ("status",),
            "failure_code": ("decline_reason",),
            "failure_message": ("seller_message",),
            "payment_method_type": ("payment_source_type", "payment_method_type"),
            "customer_email": ("customer_email",),
            "customer_phone": ("customer_phone",),
            "customer_name": ("card_name",),
            "gateway_customer_id": ("customer_id",),
            "gateway_payment_method_id": ("card_id",),
        },
        amount_unit=AmountUnit.MAJOR,
        time_zone="UTC",
        gateway="stripe",
        failed_statuses=frozenset({"failed"}),
        key_prefix="stripe",
        ref_falls_back_to_event_id=True,
    ),
    ImportFormat.RAZORPAY: FormatSpec(
        format=ImportFormat.RAZORPAY,
        aliases={
            "event_id": ("id", "payment_id"),
            "transaction_ref": ("id", "payment_id"),
            "amount": ("amount",),
            "currency": ("currency",),
            "occurred_at": ("created_at",),
            "status": ("status",),
            # The error's reason is what Razorpay's decline rules know; the error code is generic.
            "failure_code": ("error_reason", "error_code"),
            "failure_message": ("error_description",),
            "payment_method_type": ("method", "payment_method"),
            "customer_email": ("email", "customer_email"),
            "customer_phone": ("contact", "customer_contact"),
            "gateway_customer_id": ("customer_id",),
            "gateway_payment_method_id": ("token_id",),
        },
        amount_unit=AmountUnit.MINOR,
        time_zone="Asia/Kolkata",
        gateway="razorpay",
        failed_statuses=frozenset({"failed"}),
        key_prefix="razorpay",
        ref_falls_back_to_event_id=True,
    ),
}

# Columns only one gateway's export has.
_STRIPE_MARKS = frozenset({"seller_message", "decline_reason", "created_date_utc", "created_utc", "paymentintent_id"})
_RAZORPAY_MARKS = frozenset({"error_description", "error_reason", "customer_contact", "contact", "vpa"})


def detect_format(header: Sequence[str]) -> ImportFormat:
    """The format whose own columns the header has (Tinko's if neither gateway's)."""
    names = {normalize_header(name) for name in header}
    if names & _STRIPE_MARKS:
        return ImportFormat.STRIPE
    if names & _RAZORPAY_MARKS:
        return ImportFormat.RAZORPAY
    return ImportFormat.TINKO


def suggest_mapping(spec: FormatSpec, header: Sequence[str]) -> dict[str, str]:
    """Each field's column in this header, by the format's names for it."""
    by_name: dict[str, str] = {}
    for column in header:
        by_name.setdefault(normalize_header(column), column)
    mapping: dict[str, str] = {}
    for name, aliases in spec.aliases.items():
        found = next((by_name[alias] for alias in aliases if alias in by_name), None)
        if found is not None:
            mapping[name] = found
    return mapping
