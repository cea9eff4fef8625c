"""Translation catalogues read and compiled with Babel: Django's compilemessages needs GNU gettext's
msgfmt, which a laptop or a slim image may lack, while the runtime only ever reads the .mo files."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings


def catalogue_paths() -> list[Path]:
    """Every django.po under LOCALE_PATHS."""
    return sorted(path for root in settings.LOCALE_PATHS for path in Path(root).glob("*/LC_MESSAGES/django.po"))


def catalogue_read(po_path: Path) -> Catalog:
    with po_path.open("rb") as po_file:
        return read_po(po_file, locale=po_path.parent.parent.name)


def catalogue_compile(po_path: Path) -> Path:
    """Write the .mo beside `po_path` (fuzzy entries left out, as msgfmt does) and return its path."""
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalogue_read(po_path), use_fuzzy=False)
    return mo_path
