"""What the README promises of the console points at pages that exist."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import Resolver404, resolve

README = Path(settings.BASE_DIR) / "README.md"


def test_every_console_address_the_readme_names_is_a_page() -> None:
    paths = set(re.findall(r"`(/app/[^`\s]*)`", README.read_text()))
    missing = []
    for path in sorted(paths):
        try:
            match = resolve(path)
        except Resolver404:
            missing.append(path)
            continue
        assert match.namespace == "console", path

    assert len(paths) >= 8
    assert missing == []
