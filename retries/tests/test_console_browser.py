"""A merchant walks the transaction pages in Chromium, on a desktop and on a phone, by keyboard:
searches and filters (the URL follows, the back button works), opens a transaction's timeline,
pauses and resumes its recovery, and reads a message as the payer saw it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.enums import Role
from accounts.tests.factories import MembershipFactory
from messaging.services import recovery_email_send, recovery_link_issue
from recovery.models import Transaction
from recovery.services import Customer
from recovery.tests.factories import record_failure
from tinko.tests.browser import screenshot, screenshots, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "correct horse battery staple"


def _violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{violation['id']}: {violation['help']}" for violation in results.response["violations"]]


def _page_fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def shop(organization_factory: Any) -> dict[str, Any]:
    organization = organization_factory(name="Chai Point", time_zone="Asia/Kolkata", default_currency="INR")
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER).user
    asha = record_failure(
        organization=organization,
        transaction_ref="CP-1042",
        amount=249900,
        currency="INR",
        gateway="razorpay",
        payment_method_type="upi",
        failure_code="U30",
        failure_message="Debit has failed",
        customer=Customer(email="asha.rao@example.com", phone="+919876543210", name="Asha Rao"),
    ).transaction
    for number in range(3):
        record_failure(
            organization=organization,
            transaction_ref=f"CP-20{number}",
            amount=99900,
            currency="INR",
            failure_code="expired_card",
            customer=Customer(email=f"payer{number}@example.com"),
        )
    link = recovery_link_issue(transaction=asha, lifetime=timedelta(days=3), attempt_number=7).link
    message = recovery_email_send(transaction=asha, link=link)
    return {"owner": owner, "transaction": asha, "message": message}


def _signed_in(browser: Any, live_server: Any, user: Any, options: dict[str, Any]) -> Iterator[Any]:
    yield from signed_in_page(browser, live_server, email=user.email, password=PASSWORD, options=options)


@pytest.fixture
def desktop(browser: Any, live_server: Any, shop: dict[str, Any]) -> Iterator[Any]:
    yield from _signed_in(browser, live_server, shop["owner"], DESKTOP)


@pytest.fixture
def phone(browser: Any, live_server: Any, shop: dict[str, Any]) -> Iterator[Any]:
    yield from _signed_in(browser, live_server, shop["owner"], PHONE)


def test_search_filter_open_pause_and_resume_by_keyboard_on_a_desktop(desktop: Any, shop: dict[str, Any]) -> None:
    page = desktop
    txn: Transaction = shop["transaction"]
    page.get_by_role("link", name="Transactions").click()
    page.get_by_role("heading", name="Transactions", level=1).wait_for()
    assert page.locator("#transaction-results tbody tr").count() == 4
    assert _violations(page) == []
    screenshot(page, "console-transactions-desktop")

    # Search as a person types: htmx swaps the table and the URL follows.
    page.get_by_label("Search").fill("+91 98765 43210")
    page.wait_for_url("**/app/transactions/?q=*")
    assert "98765" in page.url
    page.locator("#transaction-results tbody tr").first.wait_for()
    assert page.locator("#transaction-results tbody tr").count() == 1
    page.get_by_label("Method").select_option("card")
    page.get_by_text("No transaction matches.").wait_for()
    page.go_back()
    page.get_by_role("link", name="CP-1042").wait_for()
    assert page.get_by_label("Method").input_value() == ""

    # Open it with the keyboard.
    page.get_by_role("link", name="CP-1042").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Transaction CP-1042", level=1).wait_for()
    assert page.get_by_test_id("amount").inner_text() == "₹2,499.00"
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.get_by_text("“Debit has failed”", exact=False).is_visible()
    assert _violations(page) == []
    screenshot(page, "console-transaction-desktop")

    # Pause: a confirmation opens, its button is reached with Tab.
    page.get_by_text("Pause…").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Pause recovery").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Pause recovery"
    page.keyboard.press("Enter")
    page.get_by_text("Recovery paused: nothing more is scheduled").wait_for()
    assert page.get_by_test_id("paused").is_visible()
    txn.refresh_from_db()
    assert txn.recovery_paused_at is not None
    assert _violations(page) == []
    screenshots(page, "console-transaction-paused")

    page.get_by_role("button", name="Resume recovery").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Recovery resumed: the next step is planned from now.").wait_for()
    txn.refresh_from_db()
    assert txn.recovery_paused_at is None


def test_the_pages_and_a_message_as_the_payer_saw_it_on_a_phone(phone: Any, shop: dict[str, Any]) -> None:
    page = phone
    page.goto("/app/transactions/")
    page.get_by_role("heading", name="Transactions", level=1).wait_for()
    assert _page_fits(page), "the list page scrolls sideways (only its table may)"
    assert _violations(page) == []
    screenshot(page, "console-transactions-phone")

    page.goto(f"/app/transactions/{shop['transaction'].public_id}/")
    assert _page_fits(page)
    assert _violations(page) == []
    screenshot(page, "console-transaction-phone")

    page.get_by_role("link", name="View as the payer saw it").click()
    page.get_by_role("heading", name="As the payer saw it").wait_for()
    assert "did not go through" in page.get_by_test_id("subject").inner_text()
    frame = page.frame_locator("iframe.email-frame")
    assert frame.get_by_text("Pay ₹2,499.00").first.get_attribute("href") == "#link-removed"
    assert _page_fits(page)
    assert _violations(page) == []
    screenshots(page, "console-message")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Messages").click()
    page.get_by_role("heading", name="Messages", level=1).wait_for()
    assert page.locator("#message-results tbody tr").count() == 1
    assert _page_fits(page)
    assert _violations(page) == []
    screenshots(page, "console-messages")
