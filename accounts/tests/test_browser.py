"""People walking the accounts pages in Chromium: sign-up to teammates, and the demo sign-in."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.management import call_command

from accounts.enums import Role
from accounts.models import Membership
from accounts.services import organization_create
from accounts.tests.factories import UserFactory
from tinko.demo import DEMO_EMAIL, DEMO_PASSWORD
from tinko.tests.browser import screenshot, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _last_link(pattern: str) -> str:
    match = re.search(pattern, str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def _fits_the_screen(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_sign_up_verify_invite_accept_switch_and_the_analyst_is_kept_out_of_keys(page, browser, live_server, settings):
    # Production makes verification mandatory; walk that path.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    ravi = UserFactory.create(email="ravi@example.com")
    EmailAddress.objects.create(user=ravi, email=ravi.email, verified=True, primary=True)
    organization_create(name="Ravi's Shop", owner=ravi)
    page.set_viewport_size(PHONE)

    # Sign up, creating the organization on the same form.
    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    assert _fits_the_screen(page)
    page.get_by_label("Email").fill("priya@example.com")
    page.get_by_label("Password").fill("Vq7!long-enough-pass")
    page.get_by_label("Organization name").fill("Chai & Co")
    page.get_by_label("Time zone").select_option("Asia/Kolkata")
    page.get_by_label("Default currency").select_option("INR")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    # Open the verification email from the outbox and confirm.
    page.goto(_last_link(r"https?://[^/\s]+(/accounts/confirm-email/\S+)"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/app/")
    assert page.get_by_role("heading", level=1).inner_text() == "Chai & Co"
    assert _fits_the_screen(page)

    # Invite a teammate as an analyst.
    page.locator(".nav-menu > summary").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_label("Email address").fill("ravi@example.com")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to ravi@example.com").wait_for()
    assert _fits_the_screen(page)
    screenshots(page, "console-team-invited")
    invitation_path = _last_link(r"https?://[^/\s]+(/invitations/\S+/)")

    # The teammate opens the link in their own browser, signs in and accepts.
    teammate = browser.new_context(base_url=live_server.url, viewport=PHONE).new_page()
    teammate.goto(invitation_path)
    screenshots(teammate, "invitation")
    teammate.get_by_role("link", name="Sign in to accept").click()
    _sign_in(teammate, "ravi@example.com", "correct horse battery staple")
    teammate.get_by_role("button", name="Accept invitation").click()
    teammate.wait_for_url("**/app/")
    assert teammate.get_by_role("heading", level=1).inner_text() == "Chai & Co"
    assert Membership.objects.get(user=ravi, organization__name="Chai & Co").role == Role.ANALYST

    # Switch to their own organization and back.
    teammate.locator(".org-switcher summary").click()
    teammate.get_by_role("button", name=re.compile(r"^Ravi's Shop")).click()
    assert teammate.get_by_role("heading", level=1).inner_text() == "Ravi's Shop"
    assert teammate.get_by_role("link", name="API keys", include_hidden=True).count() == 1, "an owner there"
    teammate.locator(".org-switcher summary").click()
    teammate.get_by_role("button", name=re.compile(r"^Chai & Co")).click()
    assert teammate.get_by_role("heading", level=1).inner_text() == "Chai & Co"

    # As an analyst in Chai & Co, the keys page is neither offered nor opened.
    assert teammate.get_by_role("link", name="API keys", include_hidden=True).count() == 0
    response = teammate.goto("/app/api-keys/")
    assert response is not None
    assert response.status == 403
    assert teammate.get_by_role("heading", level=1).inner_text() == "You can't open this page"
    screenshots(teammate, "console-forbidden")
    teammate.context.close()


def test_the_demo_user_signs_in_lands_on_the_console_and_makes_a_key(page) -> None:
    call_command("load_demo")

    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    _sign_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    page.wait_for_url("**/app/")
    assert page.get_by_role("heading", level=1).inner_text() == "Demo Store"

    # The demo's payments are test data, and the console says so until switched to live data.
    banner = page.get_by_role("status").filter(has_text="Test data.")
    assert banner.is_visible()
    assert page.get_by_text("What failed and what came back, in test data.").is_visible()
    assert "payments" in page.get_by_test_id("kpi-failed").inner_text()
    screenshots(page, "console-home-test-data")
    with page.expect_navigation():
        page.get_by_role("switch", name="Test data").click()
    assert page.get_by_role("switch", name="Test data").get_attribute("aria-checked") == "false"
    assert not banner.count()
    assert page.get_by_text("What failed and what came back, in live data.").is_visible()
    page.get_by_role("switch", name="Test data").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert banner.is_visible()

    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Laptop")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("The new API key")
    secret.wait_for()
    assert secret.input_value().startswith("tk_test_")
    assert page.evaluate("document.activeElement.id") == "new-key", "focus moves to the new key"
    assert page.get_by_role("row", name=re.compile("Laptop")).is_visible()

    page.set_viewport_size(PHONE)
    for path in ("/app/", "/app/team/", "/app/api-keys/", "/app/settings/", "/app/audit/", "/accounts/2fa/"):
        page.goto(path)
        assert _fits_the_screen(page), path
        assert page.get_by_role("heading", level=1).count() == 1, path


def _box_inside(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= viewport["width"]


def _text_not_cut(locator) -> bool:
    return bool(locator.evaluate("element => element.scrollWidth <= element.clientWidth"))


def test_the_console_header_fits_a_phone_and_its_menu_opens_from_the_keyboard(page) -> None:
    priya = UserFactory.create(email="priya.sharma@example.com")
    EmailAddress.objects.create(user=priya, email=priya.email, verified=True, primary=True)
    organization_create(name="Chai Point", owner=priya)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    _sign_in(page, priya.email, "correct horse battery staple")
    page.wait_for_url("**/app/")

    org_switcher = page.locator(".org-switcher > summary")
    account = page.locator(".account-menu > summary")
    menu = page.locator(".nav-menu > summary")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    screenshot(page, "console-header-phone")
    assert _fits_the_screen(page)
    for part in (org_switcher, account, page.get_by_role("switch", name="Test data"), menu):
        assert part.is_visible()
        assert _box_inside(page, part), part
    for label in (org_switcher.locator(".menu-label"), account.locator(".menu-label")):
        assert _text_not_cut(label), f"{label.inner_text()} is shown whole"
    # Two rows: the brand, the organization and Menu; then the test-data switch and the account.
    rows = {round(part.bounding_box()["y"]) for part in (org_switcher, menu)}
    assert len(rows) == 1, "Menu shares the organization's row"
    assert account.bounding_box()["y"] > org_switcher.bounding_box()["y"] + org_switcher.bounding_box()["height"]
    assert links.count() == 0, "the links wait behind the menu"

    # Skip link, brand, organization, then the menu: opened with Enter, its links next in the tab order.
    for _ in range(4):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"
    page.keyboard.press("Enter")
    assert [link.inner_text() for link in links.all()] == [
        "Home",
        "Transactions",
        "Messages",
        "Retry policies",
        "Rules",
        "Gateways",
        "Team",
        "Imports",
        "API keys",
        "Audit log",
        "Settings",
    ]
    for link in links.all():
        assert _box_inside(page, link), link.inner_text()
    assert _fits_the_screen(page)
    assert Axe().run(page, options=WCAG_AA).response["violations"] == []
    screenshot(page, "console-header-phone-menu")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Home"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Transactions"
    assert links.count() == 0, "a new page starts with the menu closed"

    # The account menu still opens, whole, on the phone.
    account.click()
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.is_visible()
    assert _box_inside(page, sign_out)

    # On a desktop the links stand in a row and there is no menu to open.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/app/")
    assert not menu.is_visible()
    assert links.count() == 11
    assert all(link.is_visible() for link in links.all())
    assert _fits_the_screen(page)
    screenshot(page, "console-header-desktop")
