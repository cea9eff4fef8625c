"""A payer pays again from the link in their email, on a phone and on a desktop, in English and in Hindi:
the sandbox's hosted checkout, its webhook over HTTP, the receipt page and email; a decline, an expired
link and a forged one. Every page is light, asks no other host, logs no error and passes axe-core.
Screenshots of every page go to var/test-artefacts/screenshots/portal-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone

from messaging.models import RecoveryLink
from messaging.services import recovery_email_send
from portal.tests.factories import issued_link, sandbox_account, sandbox_payment
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from tinko.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 760}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGE_WEIGHT_LIMIT = 100_000


class Watched:
    """A browser page whose requests, bytes and console errors are counted."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.origin) and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def weight(self) -> int:
        """Bytes of the current page: the document and every resource it loaded."""
        return int(
            self.page.evaluate(
                """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
                    .reduce((total, entry) => total + (entry.transferSize || entry.encodedBodySize || 0), 0)"""
            )
        )

    def check(self, name: str) -> None:
        """The page as a payer gets it: light, Tinko's own, no errors, accessible, no sideways scroll."""
        violations = Axe().run(self.page, options=WCAG_AA).response["violations"]
        assert [f"{v['id']}: {v['help']}" for v in violations] == [], name
        assert self.foreign == [], f"{name} asked other hosts: {self.foreign}"
        assert self.errors == [], f"{name} logged errors: {self.errors}"
        assert self.weight() < PAGE_WEIGHT_LIMIT, f"{name} weighs {self.weight()} bytes"
        width = self.page.viewport_size["width"]
        assert self.page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
        screenshot(self.page, name)


@pytest.fixture
def shop(organization_factory, live_server, settings):
    # The sandbox delivers its webhooks over HTTP to PUBLIC_BASE_URL, like a gateway: to this server.
    settings.PUBLIC_BASE_URL = live_server.url
    organization = organization_factory(
        name="Chai Point",
        time_zone="Asia/Kolkata",
        default_currency="INR",
        accent_colour="#0f766e",
        support_email="help@chaipoint.example",
    )
    sandbox_account(organization)
    return organization


def _context(browser: Any, live_server: Any, device: dict[str, Any]) -> Iterator[Watched]:
    context = browser.new_context(base_url=live_server.url, **device)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Watched(page, live_server.url)
    context.close()


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Watched]:
    yield from _context(browser, live_server, PHONE)


@pytest.fixture
def desktop(browser: Any, live_server: Any) -> Iterator[Watched]:
    yield from _context(browser, live_server, DESKTOP)


def _emailed_link(shop: Any, *, language: str) -> str:
    transaction = sandbox_payment(organization=shop, metadata={"description": "Annual plan, Chai Point Club"})
    recovery_email_send(transaction=transaction, link=issued_link(transaction=transaction).link, language=language)
    [email] = mail.outbox
    mail.outbox.clear()
    url = re.search(r"https?://\S+/pay/retry/\S+", str(email.body))
    assert url is not None
    return url.group(0)


def _pay_with_the_sandbox(watched: Watched, shop: Any, *, language: str, method_label: str, prefix: str) -> None:
    page = watched.page
    page.goto(urlsplit(_emailed_link(shop, language=language)).path + f"?lang={language}")
    assert "/pay/retry/" not in page.url, "the token left the address bar"
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_test_id("amount").inner_text() == "₹1,00,000.00"
    watched.check(f"{prefix}-pay")

    page.get_by_role("button", name=re.compile(method_label)).click()
    page.wait_for_url("**/sandbox/checkout/**")
    screenshot(page, f"{prefix}-sandbox-checkout")
    watched.foreign.clear()
    watched.errors.clear()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    page.wait_for_url("**/receipt/")
    assert page.get_by_test_id("amount").inner_text() == "₹1,00,000.00"
    watched.check(f"{prefix}-receipt")
    assert Transaction.objects.get().status == TransactionStatus.RECOVERED
    [receipt] = mail.outbox
    assert receipt.to == ["asha.rao@example.com"]


def test_a_payer_pays_by_upi_from_the_email_on_a_phone_in_english(phone: Watched, shop) -> None:
    _pay_with_the_sandbox(phone, shop, language="en", method_label="by UPI", prefix="portal-phone-en")

    assert mail.outbox[0].subject == "Chai Point: your payment of ₹1,00,000.00 is received"


def test_a_payer_pays_by_netbanking_on_a_phone_in_hindi(phone: Watched, shop) -> None:
    _pay_with_the_sandbox(phone, shop, language="hi", method_label="नेटबैंकिंग से", prefix="portal-phone-hi")

    assert phone.page.get_by_role("heading", level=1).inner_text() == "भुगतान मिल गया"
    assert mail.outbox[0].subject == "Chai Point: आपका ₹1,00,000.00 का भुगतान मिल गया है"


def test_a_payer_pays_by_card_on_a_desktop(desktop: Watched, shop) -> None:
    _pay_with_the_sandbox(desktop, shop, language="en", method_label="by Card", prefix="portal-desktop-en")


@pytest.mark.parametrize("language", ["en", "hi"])
def test_a_declined_card_brings_the_payer_back_to_the_other_methods(phone: Watched, shop, language: str) -> None:
    page = phone.page
    page.goto(urlsplit(_emailed_link(shop, language=language)).path + f"?lang={language}")
    page.get_by_test_id("method-card").click()
    page.wait_for_url("**/sandbox/checkout/**")
    page.get_by_label("Decline code").select_option("insufficient_funds")
    page.get_by_role("button", name="Decline payment").click()
    page.get_by_test_id("last-decline").wait_for()
    phone.foreign.clear()
    phone.errors.clear()

    page.get_by_role("link", name="Back to Chai Point").click()

    page.get_by_test_id("notice").wait_for()
    buttons = page.locator("button[name=method]").evaluate_all("buttons => buttons.map(b => b.value)")
    assert buttons[-1] == "card", "the declined card goes last"
    phone.check(f"portal-phone-{language}-declined")


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_confirming_page_polls_until_it_can_say(phone: Watched, shop, language: str) -> None:
    page = phone.page
    page.goto(urlsplit(_emailed_link(shop, language=language)).path + f"?lang={language}")
    page.get_by_test_id("method-upi").click()
    page.wait_for_url("**/sandbox/checkout/**")
    back_url = page.get_by_role("link", name="Back to Chai Point").get_attribute("href")
    return_path = back_url.replace("/back/", "/return/")
    phone.foreign.clear()
    phone.errors.clear()

    page.goto(urlsplit(return_path).path)

    assert page.get_by_test_id("status").is_visible()
    page.wait_for_timeout(2_500)  # one poll, answered with the same fragment
    phone.check(f"portal-phone-{language}-confirming")


@pytest.mark.parametrize("language", ["en", "hi"])
def test_an_expired_link_sends_a_new_one_by_email(phone: Watched, shop, language: str) -> None:
    url = _emailed_link(shop, language=language)
    past = timezone.now() - timedelta(hours=1)
    RecoveryLink.objects.update(created_at=past - timedelta(days=3), expires_at=past)
    page = phone.page
    page.goto(urlsplit(url).path + f"?lang={language}")
    # The page answers 410 Gone on purpose, which Chromium reports as a failed load.
    assert phone.errors == ["Failed to load resource: the server responded with a status of 410 (Gone)"]
    phone.errors.clear()
    phone.check(f"portal-phone-{language}-expired")

    page.locator("form button[type=submit]").click()

    page.get_by_test_id("new-link-sent").wait_for()
    phone.check(f"portal-phone-{language}-new-link-sent")
    [email] = mail.outbox
    assert email.to == ["asha.rao@example.com"]


def test_a_used_link_shows_the_receipt_and_a_forged_one_a_bare_404(phone: Watched, shop) -> None:
    url = _emailed_link(shop, language="en")
    transaction = Transaction.objects.get()
    Transaction.objects.filter(pk=transaction.pk).update(
        status=TransactionStatus.RECOVERED, recovered_at=timezone.now(), recovered_amount=transaction.amount
    )
    page = phone.page

    page.goto(urlsplit(url).path)
    page.wait_for_url("**/receipt/")
    forged = page.request.get(urlsplit(url).path[:-4] + "xyz/")

    assert forged.status == 404
    assert "Chai Point" not in forged.text()
