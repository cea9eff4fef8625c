"""People walking the console's settings pages in Chromium, on a desktop and on a phone: a policy
edited with its live preview, a rule tested, a gateway connected in the onboarding wizard and a
test failure watched as it arrives. Every page is checked with axe (WCAG 2.1 AA)."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.enums import Role
from accounts.tests.factories import MembershipFactory, UserFactory
from retries.models import RetryPolicy
from retries.services import retry_policy_create_default
from tinko.tests.browser import screenshot, screenshots, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "Vq7!long-enough-pass"


def _violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{violation['id']}: {violation['help']}" for violation in results.response["violations"]]


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _owner(page: Any, **organization: Any) -> Any:
    user = UserFactory.create(email="owner@example.com", password=PASSWORD)
    fields = {f"organization__{name}": value for name, value in organization.items()}
    member = MembershipFactory.create(user=user, role=Role.OWNER, **fields)
    retry_policy_create_default(organization=member.organization)
    sign_in(page, email=user.email, password=PASSWORD)
    page.wait_for_url("**/app/")
    return member.organization


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_policy_edit_updates_its_preview_as_you_type_and_saves(page: Any, viewport: Any) -> None:
    if viewport:
        page.set_viewport_size(viewport)
    organization = _owner(page, time_zone="Asia/Kolkata", default_currency="INR")
    name = "phone" if viewport else "desktop"

    if viewport:
        page.get_by_text("Menu", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retry policies").click()
    page.get_by_role("link", name="Standard").click()
    preview = page.locator("#schedule-preview")
    preview.get_by_text("Attempt 1:").wait_for()
    assert _violations(page) == []
    assert _fits_the_screen(page)

    # Keyboard only: type a new number of attempts and watch the preview follow.
    attempts = page.get_by_label("Attempts:", exact=True).first
    attempts.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    preview.get_by_text("all 2 attempts used").wait_for()
    page.get_by_label("Card network").select_option("visa")
    page.get_by_label("Decline category").select_option("card_invalid")
    preview.get_by_text("Card invalid on").wait_for()
    law = preview.locator(".law-summary").inner_text()
    assert "Visa category 1 (code 14): never retry" in law
    screenshot(page, f"console-retry-policy-preview-{name}")

    page.get_by_role("button", name="Save policy").click()
    page.get_by_text("Retry policy “Standard” saved.").wait_for()
    assert RetryPolicy.objects.get(organization=organization).max_attempts == 2
    screenshot(page, f"console-retry-policy-saved-{name}")


def test_a_code_is_tested_against_the_rules_on_a_phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    _owner(page)
    page.goto("/app/rules/")

    page.get_by_label("Network decline code").fill("51")
    page.get_by_role("button", name="Test", exact=True).click()
    page.locator("#test-result").get_by_text("Decided by").wait_for()

    assert _violations(page) == []
    assert _fits_the_screen(page)
    screenshots(page, "console-rules-test")


def test_onboarding_connects_the_sandbox_and_watches_a_test_failure_arrive(page: Any) -> None:
    _owner(page, default_currency="INR")

    page.get_by_role("link", name="Continue setting up").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Gateway:").select_option("sandbox")
    assert _violations(page) == []
    page.get_by_role("button", name="Check and connect").click()
    page.get_by_role("button", name="Create a test key").click()
    assert page.get_by_label("The new API key").input_value().startswith("tk_test_")
    screenshots(page, "console-onboarding-api-key")
    page.get_by_role("link", name="Continue").click()
    page.get_by_text("Nothing yet: waiting for a test failure").wait_for()
    assert _violations(page) == []

    page.get_by_role("button", name="Send a test failure").click()
    page.locator("#arrivals").get_by_text("₹2,499.00").wait_for()
    screenshots(page, "console-onboarding-test-failure")
    page.goto("/app/gateways/")
    page.get_by_text("The sandbox sends its webhooks to this URL by itself").wait_for()
    assert _violations(page) == []
    screenshots(page, "console-gateways")
