"""What browser tests share beyond the fixtures in the root conftest: signing in, and screenshots
to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

# Kept after a run (CI keeps them with the run's output): look at them.
SCREENSHOTS_DIR = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as `<name>.png` under var/test-artefacts/screenshots/."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def screenshots(page: Any, name: str) -> tuple[Path, Path]:
    """Save the whole page at a desktop's width and at a phone's, as `<name>-desktop.png` and
    `<name>-phone.png`, then give the page its own viewport back."""
    viewport = page.viewport_size
    try:
        page.set_viewport_size(DESKTOP)
        desktop = screenshot(page, f"{name}-desktop")
        page.set_viewport_size(PHONE)
        phone = screenshot(page, f"{name}-phone")
    finally:
        if viewport:
            page.set_viewport_size(viewport)
    return desktop, phone


def htmx_settled(page: Any) -> None:
    """Wait until htmx has no request in flight and has settled what it swapped in: until then a
    swapped-in form is not yet wired, as it is not for a person in those few milliseconds."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def sign_in(page: Any, *, email: str, password: str, next_path: str = "") -> None:
    """Sign in through the console's login form (then wait for where it leads)."""
    page.goto(f"/accounts/login/?next={next_path}" if next_path else "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def signed_in_page(
    browser: Any, live_server: Any, *, email: str, password: str, options: dict[str, Any]
) -> Iterator[Any]:
    """A page of its own browser context (`options`: viewport, touch …), signed in on the console's
    home; the context is closed afterwards. For `yield from` in a fixture."""
    context = browser.new_context(base_url=live_server.url, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, email=email, password=password)
    page.wait_for_url("**/app/")
    yield page
    context.close()
