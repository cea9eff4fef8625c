"""Public identifiers: a type prefix and random base62, never a database id."""

import secrets
import string
from typing import Any

from django.db import models

_ALPHABET = string.ascii_letters + string.digits
PUBLIC_ID_RANDOM_LENGTH = 22  # ~131 bits


# Random bytes below 248 (4 * 62) map evenly onto the alphabet and the rest are dropped, so that
# every digit is uniform; bytes.translate does it in C, for a thousand ids per ingest request.
_DIGIT_OF_BYTE = bytes(_ALPHABET.encode()[byte % 62] for byte in range(248)) + bytes(256 - 248)
_UNEVEN_BYTES = bytes(range(248, 256))


def _random_digits(count: int) -> str:
    digits = b""
    while len(digits) < count:
        # A few more bytes than digits are still missing: about one in 32 is dropped.
        missing = count - len(digits)
        random = secrets.token_bytes(missing + missing // 16 + 8)
        digits += random.translate(_DIGIT_OF_BYTE, _UNEVEN_BYTES)
    return digits[:count].decode("ascii")


def new_public_id(prefix: str) -> str:
    """A fresh id such as `txn_4fJ2…`: unguessable and safe in URLs."""
    return f"{prefix}_{_random_digits(PUBLIC_ID_RANDOM_LENGTH)}"


def new_public_ids(prefix: str, count: int) -> list[str]:
    """`count` fresh ids, as new_public_id makes them, from one call to the CSPRNG (ingest makes
    two per event, a thousand events a request)."""
    digits = _random_digits(PUBLIC_ID_RANDOM_LENGTH * count)
    return [
        f"{prefix}_{digits[start : start + PUBLIC_ID_RANDOM_LENGTH]}"
        for start in range(0, len(digits), PUBLIC_ID_RANDOM_LENGTH)
    ]


class PublicIdField(models.CharField):
    """A unique, prefixed public id filled in on first save (bulk_create included)."""

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs.setdefault("max_length", len(prefix) + 1 + PUBLIC_ID_RANDOM_LENGTH)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.attname)
        if add and not value:
            value = new_public_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return str(value)
