"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from pytest_factoryboy import register
from rest_framework.test import APIClient

from accounts.tests.factories import ApiKeyFactory, MembershipFactory, OrganizationFactory, UserFactory

CHROMIUM = os.environ.get("TINKO_CHROMIUM", "/usr/bin/chromium")
# CI sets this so that a missing browser fails the run instead of skipping browser tests.
REQUIRE_BROWSER = os.environ.get("TINKO_REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}

register(UserFactory)
register(OrganizationFactory)
register(MembershipFactory)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters and cached rules must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _classifier_defaults(request: pytest.FixtureRequest) -> None:
    """A transactional test empties every table when it ends, the global classifier rules a data
    migration loaded included: the next such test gets them back, as a fresh database has them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    from recovery.models import ClassifierRule
    from recovery.services import classifier_rules_changed

    if not ClassifierRule.objects.filter(organization__isnull=True).exists():
        load_defaults = import_module("recovery.migrations.0002_classifier_defaults").load_defaults
        load_defaults(apps, None)
        classifier_rules_changed()


@pytest.fixture
def issued_api_key(organization: Any) -> Any:
    """A test-mode API key for `organization` (plaintext available as .plaintext)."""
    return ApiKeyFactory.issue(organization=organization)


@pytest.fixture
def api_client(issued_api_key: Any) -> APIClient:
    """An API client authenticated with `issued_api_key`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued_api_key.plaintext}")
    return client


@pytest.fixture
def anonymous_api_client() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped (or failed in CI) where it is missing."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`."
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests still use
    # the ORM synchronously around it, which is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch_chromium(sync_playwright)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _launch_chromium(sync_playwright: Any) -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser page; `page.base_url` is the live server's address."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
