"""Public identifiers: a type prefix and random base62, never a database id."""

import secrets
import string
from typing import Any

from django.db import models

_ALPHABET = string.ascii_letters + string.digits
PUBLIC_ID_RANDOM_LENGTH = 22  # ~131 bits


_RANDOM_BYTES = 17  # 136 bits, of which 22 base62 digits keep ~131


def new_public_id(prefix: str) -> str:
    """A fresh id such as `txn_4fJ2…`: unguessable and safe in URLs."""
    # One call to the CSPRNG, then base62: ingest makes two ids per event, a thousand events a request.
    number = int.from_bytes(secrets.token_bytes(_RANDOM_BYTES), "big")
    digits = []
    for _ in range(PUBLIC_ID_RANDOM_LENGTH):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return f"{prefix}_{''.join(digits)}"


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
