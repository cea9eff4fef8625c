"""Uploads for the imports tests: CSV text in, an Import row (with its file) out."""

from __future__ import annotations

import io

from accounts.models import Organization
from accounts.services import SYSTEM
from imports.enums import ImportFormat
from imports.models import Import
from imports.services import import_start, import_upload, mapping_suggested

TINKO_HEADER = "transaction_ref,amount,currency,occurred_at,failure_code,payment_method_type,customer_email\n"


def tinko_csv(*rows: str) -> str:
    return TINKO_HEADER + "".join(f"{row}\n" for row in rows)


def uploaded(
    organization: Organization,
    text: str,
    *,
    livemode: bool = False,
    file_name: str = "failures.csv",
    import_format: ImportFormat | None = None,
) -> Import:
    return import_upload(
        organization=organization,
        livemode=livemode,
        actor=SYSTEM,
        file_name=file_name,
        source=io.BytesIO(text.encode()),
        import_format=import_format,
    )


def started(organization: Organization, text: str, **kwargs: object) -> Import:
    """Uploaded and queued with the mapping its format suggests."""
    upload = uploaded(organization, text, **kwargs)  # type: ignore[arg-type]
    return import_start(upload=upload, choice=mapping_suggested(upload), actor=SYSTEM)
