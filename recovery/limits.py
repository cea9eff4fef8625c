"""What the recovery API accepts in each field, declared once.

The parser (`recovery/api/parsing.py`) enforces these, the OpenAPI descriptions
(`recovery/api/schemas.py`) state them, and `FailureInput` checks them again for webhooks.
Lengths of stored fields are read from the model fields, so a migration that widens a column
widens the API with it.

Patterns are written in the subset that means the same in Python and in JSON Schema (ECMA-262),
and the parser applies them with `fullmatch` to the value as sent: what the schema admits is
exactly what the server takes. Free text is trimmed after it is checked; codes and names are
taken as sent (gateway names in any case, stored lower-case). An empty string in an optional
field means the same as null.
"""

from __future__ import annotations

import re

from django.db import models

from recovery.models import FailureEvent, Transaction
from tinko.money import CURRENCIES


def _max_length(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not a CharField with a max_length.")
    return field.max_length


TRANSACTION_REF_MAX_LENGTH = _max_length(Transaction, "transaction_ref")
FAILURE_CODE_MAX_LENGTH = _max_length(FailureEvent, "failure_code")
FAILURE_MESSAGE_MAX_LENGTH = _max_length(FailureEvent, "failure_message")
NETWORK_CODE_MAX_LENGTH = _max_length(FailureEvent, "network_decline_code")
ADVICE_CODE_MAX_LENGTH = _max_length(FailureEvent, "advice_code")
GATEWAY_MAX_LENGTH = _max_length(FailureEvent, "gateway")
CUSTOMER_EMAIL_MAX_LENGTH = _max_length(Transaction, "customer_email")
CUSTOMER_NAME_MAX_LENGTH = _max_length(Transaction, "customer_name")
RECOVERY_NOTE_MAX_LENGTH = _max_length(Transaction, "recovery_note")
# As sent, with the spaces, dashes, dots and brackets people write; stored as E.164 (at most 16).
CUSTOMER_PHONE_MAX_LENGTH = 32

CODE_LIMITS = {
    "failure_code": FAILURE_CODE_MAX_LENGTH,
    "network_decline_code": NETWORK_CODE_MAX_LENGTH,
    "network_advice_code": _max_length(FailureEvent, "network_advice_code"),
    "advice_code": ADVICE_CODE_MAX_LENGTH,
}

MAX_AMOUNT = 2**53 - 1  # the largest integer every JSON client reads exactly
MAX_BATCH_SIZE = 1000
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500

# A gateway's customer or saved-method id, as any gateway writes them; the gateways Tinko knows
# have shapes of their own (SAVED_METHOD_SHAPES), checked against the event's `gateway`.
GATEWAY_ID_MAX_LENGTH = _max_length(Transaction, "gateway_payment_method_id")
GATEWAY_ID_PATTERN = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{GATEWAY_ID_MAX_LENGTH - 1}}}$")
SAVED_METHOD_FIELDS = ("gateway_customer_id", "gateway_payment_method_id")
SAVED_METHOD_SHAPES: dict[str, dict[str, re.Pattern[str]]] = {
    "stripe": {
        "gateway_customer_id": re.compile(r"^cus_[A-Za-z0-9]+$"),
        "gateway_payment_method_id": re.compile(r"^(?:pm|card|src)_[A-Za-z0-9]+$"),
    },
    "razorpay": {
        "gateway_customer_id": re.compile(r"^cust_[A-Za-z0-9]+$"),
        "gateway_payment_method_id": re.compile(r"^token_[A-Za-z0-9]+$"),
    },
    "sandbox": {"gateway_payment_method_id": re.compile(r"^sbx_pm_[A-Za-z0-9_]+$")},
}

# Both spellings, as gateways send them (Stripe lower-case, Razorpay upper-case); stored upper-case.
CURRENCY_CODES = tuple(sorted(CURRENCIES)) + tuple(sorted(code.lower() for code in CURRENCIES))

# C0 controls and DEL, except tab, line feed and carriage return.
_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
# What Python's str.strip() removes that _CONTROL does not already refuse.
_SPACE = r"\t\n\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PHONE_PUNCTUATION = r"[ ().-]"

# Each admits no empty string: an optional field's "" is allowed beside its pattern, as null is.
TEXT_PATTERN = re.compile(rf"^[^{_CONTROL}]+$")
REQUIRED_TEXT_PATTERN = re.compile(rf"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$")
GATEWAY_PATTERN = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{GATEWAY_MAX_LENGTH - 1}}}$")
NETWORK_CODE_PATTERN = re.compile(rf"^[A-Za-z0-9]{{1,{NETWORK_CODE_MAX_LENGTH}}}$")
# E.164 once the punctuation is taken out.
PHONE_PUNCTUATION = re.compile(_PHONE_PUNCTUATION)
PHONE_PATTERN = re.compile(
    rf"^{_PHONE_PUNCTUATION}*\+{_PHONE_PUNCTUATION}*[1-9](?:{_PHONE_PUNCTUATION}*[0-9]){{6,14}}{_PHONE_PUNCTUATION}*$"
)
METADATA_KEY_PATTERN = re.compile(rf"^[^{_CONTROL}]{{1,{METADATA_KEY_MAX_LENGTH}}}$")
