"""`compilemessages` without GNU gettext: every locale/<language>/LC_MESSAGES/django.po to its .mo, with Babel."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from messaging.catalogues import catalogue_compile, catalogue_paths


class Command(BaseCommand):
    help = "Compile the translation catalogues under LOCALE_PATHS (.po → .mo) with Babel."

    def handle(self, *args: Any, **options: Any) -> None:
        for po_path in catalogue_paths():
            mo_path = catalogue_compile(po_path)
            self.stdout.write(f"Compiled {po_path} → {mo_path.name}")
