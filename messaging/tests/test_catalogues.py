"""The Hindi catalogue: complete for every string payers see, and its committed .mo compiled from the .po as it is.

Django's compilemessages and makemessages need GNU gettext; these checks need only Babel, so they run
wherever the suite runs (reference: payer-messaging-and-portal.md §6.2)."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract
from babel.messages.mofile import read_mo
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from messaging.catalogues import catalogue_paths, catalogue_read

ROOT = Path(settings.BASE_DIR)
HINDI_PO = ROOT / "locale" / "hi" / "LC_MESSAGES" / "django.po"
KEYWORDS = {
    "gettext": None,
    "gettext_lazy": None,
    "_": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _messages_in(python_source: str) -> set[str]:
    found = set()
    for _, message, _, _ in extract("python", io.BytesIO(python_source.encode()), keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _translatable_strings() -> set[str]:
    """Every gettext message in Tinko's own apps and templates (tests, migrations and packages aside)."""
    found: set[str] = set()
    own_apps = [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(ROOT) and "site-packages" not in Path(app.path).parts
    ]
    assert {path.name for path in own_apps} >= {"tinko", "accounts", "recovery", "messaging"}
    for app_path in own_apps:
        for path in app_path.rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                found |= _messages_in(path.read_text())
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix in {".html", ".txt"}:
            # templatize keeps the template's indentation, which Python's tokenizer refuses; its
            # gettext() calls each sit on one line (the message is repr'd), so stripping is safe.
            code = templatize(path.read_text(), origin=str(path))
            found |= _messages_in("\n".join(line.lstrip() for line in code.splitlines()))
    return found


def test_the_catalogue_holds_every_translatable_string_and_no_stale_one() -> None:
    catalogue = {message.id for message in catalogue_read(HINDI_PO) if message.id}

    assert _translatable_strings() == catalogue


def test_every_hindi_entry_is_translated_with_the_same_placeholders() -> None:
    catalogue = catalogue_read(HINDI_PO)

    assert not catalogue.fuzzy
    for message in catalogue:
        if not message.id:
            continue
        assert message.string, f"untranslated: {message.id!r}"
        assert "fuzzy" not in message.flags, f"fuzzy: {message.id!r}"
    assert [(message.id, errors) for message, errors in catalogue.check() if errors] == []


def test_every_committed_mo_is_compiled_from_its_po_as_it_stands() -> None:
    po_paths = catalogue_paths()

    assert HINDI_PO in po_paths
    for po_path in po_paths:
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run `manage.py compile_catalogues`"
        with mo_path.open("rb") as mo_file:
            compiled = read_mo(mo_file)
        source = catalogue_read(po_path)
        expected = {message.id: message.string for message in source if message.id and not message.fuzzy}
        actual = {message.id: message.string for message in compiled if message.id}
        assert actual == expected, f"{mo_path} is stale: run `manage.py compile_catalogues` and commit it"
        assert compiled.plural_forms == source.plural_forms


def test_django_loads_the_hindi_catalogue() -> None:
    with translation.override("hi"):
        assert translation.gettext("Pay %(name)s again") == "%(name)s को फिर से भुगतान करें"
    with translation.override("en"):
        assert translation.gettext("Pay %(name)s again") == "Pay %(name)s again"
