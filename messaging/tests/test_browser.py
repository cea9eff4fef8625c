"""A payer opens their recovery link on a phone, in English and in Hindi, and can read and reach everything
(paying through it: portal/tests/test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from messaging.models import ReminderOptOut
from messaging.services import recovery_email_send, reminders_stop_url
from messaging.tests.factories import failed_transaction, issued_link
from tinko.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A small Android phone in portrait, at the width WCAG reflow asks for at most (320 CSS px is the floor).
PHONE = {"viewport": {"width": 360, "height": 760}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _accessibility_violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{violation['id']}: {violation['help']}" for violation in results.response["violations"]]


def test_a_payer_reads_the_recovery_page_in_english_and_in_hindi_on_a_phone(phone: Any, organization_factory) -> None:
    shop = organization_factory(
        name="Chai Point",
        time_zone="Asia/Kolkata",
        default_currency="INR",
        accent_colour="#0f766e",
        support_email="help@chaipoint.example",
        support_phone="+918000000000",
    )
    issued = issued_link(transaction=failed_transaction(organization=shop))
    phone.goto(urlsplit(issued.url).path)

    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_role("heading", level=1).inner_text() == "Pay Chai Point again"
    assert phone.get_by_test_id("amount").inner_text() == "₹1,00,000.00"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways on a phone"
    assert _accessibility_violations(phone) == []
    screenshot(phone, "pay-retry-phone-en")

    phone.get_by_role("link", name="हिन्दी में पढ़ें").click()

    phone.wait_for_url("**/pay/link/**?lang=hi")
    assert phone.locator("html").get_attribute("lang") == "hi"
    assert phone.get_by_role("heading", level=1).inner_text() == "Chai Point को फिर से भुगतान करें"
    assert phone.get_by_test_id("amount").inner_text() == "₹1,00,000.00"
    assert phone.get_by_role("link", name="Read in English").get_attribute("lang") == "en"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert _accessibility_violations(phone) == []
    screenshot(phone, "pay-retry-phone-hi")


def test_a_payer_stops_reminders_from_the_email_link_on_a_phone(phone: Any, organization_factory) -> None:
    shop = organization_factory(name="Chai Point", time_zone="Asia/Kolkata", default_currency="INR")
    transaction = failed_transaction(organization=shop)
    log = recovery_email_send(transaction=transaction, link=issued_link(transaction=transaction).link, language="hi")
    phone.goto(urlsplit(reminders_stop_url(log)).path)
    assert phone.locator("html").get_attribute("lang") == "hi"
    assert not ReminderOptOut.objects.exists()
    assert _accessibility_violations(phone) == []

    phone.get_by_role("button", name="रिमाइंडर बंद करें").click()

    assert phone.get_by_role("heading", level=1).inner_text() == "रिमाइंडर बंद कर दिए गए हैं"
    assert ReminderOptOut.objects.get().transaction_id == transaction.pk
    screenshot(phone, "pay-stop-phone-hi")
