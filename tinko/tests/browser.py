"""What browser tests share beyond the fixtures in the root conftest: screenshots to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

# Kept after a run (CI keeps them with the run's output): look at them.
SCREENSHOTS_DIR = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "screenshots"


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as `<name>.png` under var/test-artefacts/screenshots/."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
