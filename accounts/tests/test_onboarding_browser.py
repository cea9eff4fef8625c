"""A new merchant walks from the landing page to their first failed payment in Chromium: signs up
and confirms their email, goes through the onboarding wizard (brand → the sandbox gateway → a test
API key → a test failure sent with that key, watched as it arrives) and finds it counted on the
dashboard. Every page is checked with axe (WCAG 2.1 AA) and saved at a desktop's and a phone's width."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.urls import reverse

from accounts.models import Organization
from analytics.rollups import rollups_refresh
from payments.models import GatewayAccount
from recovery.models import Transaction
from tinko.tests.browser import screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{violation['id']}: {violation['help']}" for violation in results.response["violations"]]


def _looked_at(page: Any, name: str) -> None:
    assert _violations(page) == [], name
    screenshots(page, name)


def _send_as_the_curl_command_would(base_url: str, command: str, key: str) -> dict[str, Any]:
    """POST the wizard's curl command to the live server with the key the wizard showed; the payload sent."""
    body = re.search(r"-d '(.*)'\s*$", command, re.DOTALL)
    idempotency_key = re.search(r'-H "Idempotency-Key: (\S+)"', command)
    assert body, command
    assert idempotency_key, command
    request = urllib.request.Request(
        base_url + reverse("api-events-payment-failed"),
        data=body.group(1).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": idempotency_key.group(1),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    return dict(json.loads(body.group(1)))


def test_a_fresh_sign_up_goes_through_the_wizard_to_a_test_failure_on_the_dashboard(
    page: Any, live_server: Any, settings: Any
) -> None:
    # Production makes verification mandatory; walk that path.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    page.goto("/")
    _looked_at(page, "landing")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill("meera@example.com")
    page.get_by_label("Password").fill("Vq7!long-enough-pass")
    page.get_by_label("Organization name").fill("Meera's Mithai")
    page.get_by_label("Time zone").select_option("Asia/Kolkata")
    page.get_by_label("Default currency").select_option("INR")
    _looked_at(page, "sign-up")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    _looked_at(page, "sign-up-verify-email")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    page.goto(link.group(1))
    _looked_at(page, "sign-up-confirm-email")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/app/")
    assert page.get_by_role("heading", level=1).inner_text() == "Meera's Mithai"
    setup = page.get_by_role("region", name="Set up Tinko")
    assert setup.get_by_text("(to do)").count() == 4
    _looked_at(page, "console-home-new-organization")

    # Step 1: the brand payers see.
    page.get_by_role("link", name="Continue setting up").click()
    page.get_by_role("heading", name="Step 1: Your brand").wait_for()
    page.get_by_label("Display name").fill("Meera's Mithai, Pune")
    page.get_by_label("Accent colour").fill("#9a3412")
    _looked_at(page, "console-onboarding-branding")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: the sandbox, which needs no keys in test mode.
    page.get_by_role("heading", name="Step 2: Connect a gateway").wait_for()
    page.get_by_label("Gateway:").select_option("sandbox")
    _looked_at(page, "console-onboarding-gateway")
    page.get_by_role("button", name="Check and connect").click()

    # Step 3: a test key, shown once.
    page.get_by_role("heading", name="Step 3: Create an API key").wait_for()
    page.get_by_text("Sandbox connected in test mode.").wait_for()
    _looked_at(page, "console-onboarding-api-key-form")
    page.get_by_label("Key name").fill("Checkout")
    page.get_by_role("button", name="Create a test key").click()
    key = page.get_by_label("The new API key").input_value()
    assert key.startswith("tk_test_")
    _looked_at(page, "console-onboarding-api-key-shown")
    page.get_by_role("link", name="Continue").click()

    # Step 4: send a failure with that key, as the curl command on the page does, and watch the
    # page's live list pick it up without a reload.
    page.get_by_role("heading", name="Step 4: Send a test failure").wait_for()
    page.get_by_text("Nothing yet: waiting for a test failure").wait_for()
    _looked_at(page, "console-onboarding-test-failure-waiting")
    sent = _send_as_the_curl_command_would(live_server.url, page.get_by_label("The curl command").input_value(), key)
    page.locator("#arrivals").get_by_text(sent["transaction_ref"]).wait_for()
    assert "₹2,499.00 funds, failed" in page.locator("#arrivals").inner_text()
    _looked_at(page, "console-onboarding-test-failure-arrived")

    organization = Organization.objects.get(name="Meera's Mithai")
    assert organization.display_name == "Meera's Mithai, Pune"
    assert GatewayAccount.objects.for_org(organization).get().provider == "sandbox"
    failure = Transaction.objects.for_org(organization, livemode=False).get()
    assert (failure.transaction_ref, failure.amount, failure.currency) == (sent["transaction_ref"], 249900, "INR")

    # The periodic refresh runs, as the beat schedule would, and the dashboard counts the failure.
    rollups_refresh()
    page.reload()
    page.get_by_role("link", name="Finish").click()
    page.wait_for_url("**/app/")
    page.get_by_text("Tinko is set up: your test failure is in.").wait_for()
    assert page.get_by_role("region", name="Set up Tinko").count() == 0
    failed = page.get_by_test_id("kpi-failed").inner_text()
    assert "₹2,499.00" in failed
    assert "1 payment" in failed
    _looked_at(page, "console-dashboard-first-test-failure")
