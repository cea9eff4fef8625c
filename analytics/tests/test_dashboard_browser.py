"""A merchant reads the dashboard in Chromium, on a desktop and on a phone, by keyboard: filters
update the page and the URL, the back button goes back, the charts' numbers open beside them."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from accounts.enums import Role
from accounts.tests.factories import MembershipFactory
from analytics.rollups import rollups_refresh
from recovery.enums import RecoveredBy
from recovery.services import PaymentReceived, transaction_mark_recovered
from recovery.tests.factories import record_failure
from tinko.tests.browser import htmx_settled, screenshot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "correct horse battery staple"


def _violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


@pytest.fixture
def shop(organization_factory: Any) -> Any:
    organization = organization_factory(name="Chai Point", time_zone="Asia/Kolkata", default_currency="INR")
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER).user
    for number, (code, method, amount) in enumerate(
        [("U30", "upi", 249900), ("insufficient_funds", "card", 99900), ("expired_card", "card", 149900)] * 3
    ):
        recorded = record_failure(
            organization=organization,
            transaction_ref=f"CP-{number}",
            amount=amount + number * 1000,
            currency="INR",
            gateway="razorpay",
            payment_method_type=method,
            failure_code=code,
        )
        if number % 3 == 0:
            transaction_mark_recovered(
                organization=organization,
                livemode=False,
                payment=PaymentReceived(
                    transaction_ref=recorded.transaction.transaction_ref,
                    amount=recorded.transaction.amount,
                    currency="INR",
                    paid_at=timezone.now(),
                    recovered_by=RecoveredBy.MERCHANT,
                ),
            )
    record_failure(organization=organization, amount=4200, currency="USD")
    rollups_refresh()
    return owner


def _signed_in(browser: Any, live_server: Any, user: Any, options: dict[str, Any]) -> Iterator[Any]:
    yield from signed_in_page(browser, live_server, email=user.email, password=PASSWORD, options=options)


@pytest.fixture
def desktop(browser: Any, live_server: Any, shop: Any) -> Iterator[Any]:
    yield from _signed_in(browser, live_server, shop, DESKTOP)


@pytest.fixture
def phone(browser: Any, live_server: Any, shop: Any) -> Iterator[Any]:
    yield from _signed_in(browser, live_server, shop, PHONE)


def test_filters_update_the_page_and_the_url_and_back_goes_back_on_a_desktop(desktop: Any) -> None:
    page = desktop
    failed = page.get_by_test_id("kpi-failed")
    assert "₹" in failed.inner_text()
    assert "9 payments" in failed.inner_text()
    assert page.locator("svg[role=img]").count() == 6
    assert _violations(page) == []
    screenshot(page, "console-dashboard-desktop")

    # By keyboard: the category select, then an arrow key; htmx swaps the dashboard, the URL follows.
    page.get_by_label("Category:", exact=True).focus()
    page.get_by_label("Category:", exact=True).select_option("funds")
    expect(page).to_have_url(re.compile(r"/app/\?.*category=funds"))
    expect(page.get_by_test_id("kpi-failed")).not_to_contain_text("9 payments")
    htmx_settled(page)
    assert page.evaluate("document.activeElement.id") == "id_category", "focus stays on the filter"

    # Custom dates: the inputs open, and the range lands in the URL.
    page.get_by_label("Dates:", exact=True).select_option("custom")
    expect(page).to_have_url(re.compile(r"range=custom"))
    htmx_settled(page)
    assert page.get_by_label("From:", exact=True).is_enabled()
    page.get_by_label("Currency:", exact=True).select_option("USD")
    expect(page).to_have_url(re.compile(r"currency=USD"))
    assert "$42.00" in page.get_by_test_id("kpi-failed").inner_text()
    assert _violations(page) == []
    screenshot(page, "console-dashboard-filtered-desktop")

    page.go_back()
    expect(page).to_have_url(re.compile(r"range=custom"))
    assert "currency=USD" not in page.url
    page.go_back()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/app/$"))
    page.get_by_test_id("kpi-failed").filter(has_text="9 payments").wait_for()
    assert page.get_by_label("Category:", exact=True).input_value() == ""

    # A chart's numbers open beside it with the keyboard.
    page.get_by_text("The numbers per day").focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("table").filter(has_text="Failed payments").first.is_visible()


def test_the_dashboard_on_a_phone(phone: Any) -> None:
    page = phone
    page.get_by_test_id("kpi-rate").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "nothing scrolls sideways"
    assert "33.3%" in page.get_by_test_id("kpi-rate").inner_text()
    assert _violations(page) == []
    screenshot(page, "console-dashboard-phone")
    page.get_by_label("Method:", exact=True).select_option("upi")
    expect(page).to_have_url(re.compile(r"method=upi"))
    page.get_by_test_id("kpi-failed").filter(has_text="3 payments").wait_for()
    screenshot(page, "console-dashboard-filtered-phone")


def test_a_second_filter_chosen_while_the_first_is_loading_is_kept(desktop: Any, monkeypatch: Any) -> None:
    """On a slow connection the merchant picks a category, then a method before the dashboard has
    answered: the method is not lost when the first answer replaces the filters."""
    from accounts.views import console

    build = console.dashboard_build

    def slow_for_the_category_alone(**kwargs: Any) -> Any:
        filters = kwargs["filters"]
        if filters.category and not filters.payment_method_type:
            time.sleep(1.5)
        return build(**kwargs)

    monkeypatch.setattr(console, "dashboard_build", slow_for_the_category_alone)
    page = desktop
    page.get_by_label("Category:", exact=True).select_option("funds")
    page.wait_for_function("() => document.querySelector('.htmx-request')")
    page.get_by_label("Method:", exact=True).select_option("card")
    expect(page).to_have_url(re.compile(r"category=funds.*method=card"))
    htmx_settled(page)
    assert page.get_by_label("Method:", exact=True).input_value() == "card"
    shown = page.get_by_test_id("kpi-failed").inner_text()
    page.reload()
    assert page.get_by_test_id("kpi-failed").inner_text() == shown, "the page shows what its URL asks for"
