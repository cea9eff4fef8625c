"""Organization A never reaches organization B's objects, on any console or API URL that takes an id;
and every other route of the URLconf is walked by one of the isolation suites.

The URLs are found by walking the resolver, so new pages and endpoints are covered the
moment they are added; their kwargs need a factory in the registry (accounts/tests/isolation.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.services import api_key_create
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from accounts.tests.isolation import (
    MARKER,
    TENANT_FREE_PREFIXES,
    TENANT_FREE_ROUTES,
    isolation_factories,
    organization_rows,
    public_routes,
)
from accounts.tests.urlwalk import Route, all_routes, console_and_api_routes, is_api_catch_all

CONSOLE_AND_API_ROUTES = console_and_api_routes()
ID_ROUTES = [route for route in CONSOLE_AND_API_ROUTES if route.kwargs]
CONSOLE_METHODS: tuple[str, ...] = ("get", "post")
API_METHODS: tuple[str, ...] = ("get", "post", "put", "patch", "delete")


def _walked_by(route: Route, public: set[str]) -> str | None:
    """The suite that walks `route`, or None when none does."""
    if route in CONSOLE_AND_API_ROUTES:
        return "console and API (this module, test_console_access.py)"
    if route.is_admin:
        return "admin (test_admin_isolation.py)"
    if route.name in public:
        return "public links (test_public_isolation.py)"
    if route.name in TENANT_FREE_ROUTES or route.route.startswith(tuple(TENANT_FREE_PREFIXES)):
        return "none needed: it addresses no organization's objects"
    if is_api_catch_all(route):
        return "none needed: it answers every unknown API path with 404"
    return None


def test_every_route_of_the_urlconf_is_walked_by_an_isolation_suite() -> None:
    public = set(public_routes())
    unwalked = [str(route) for route in all_routes() if _walked_by(route, public) is None]

    assert not unwalked, (
        "No isolation suite walks these routes. Register a public route (@public_route in "
        "<app>/tests/isolation.py) for a URL reached by a link or a secret, or list a route that "
        "addresses no organization's objects in TENANT_FREE_ROUTES (accounts/tests/isolation.py):\n  "
        + "\n  ".join(unwalked)
    )


def test_every_registered_public_route_exists() -> None:
    names = {route.name for route in all_routes()}

    assert set(public_routes()) | set(TENANT_FREE_ROUTES) <= names


def test_the_walk_finds_the_id_taking_urls_we_know() -> None:
    names = {route.name for route in ID_ROUTES}

    assert {
        "console:member_role",
        "console:member_remove",
        "console:invitation_resend",
        "console:invitation_revoke",
        "console:api_key_revoke",
    } <= names


def test_every_id_taking_url_has_an_isolation_factory_for_each_kwarg() -> None:
    registered = isolation_factories()
    missing = [f"{route} takes {kwarg!r}" for route in ID_ROUTES for kwarg in route.kwargs if kwarg not in registered]

    assert not missing, (
        "These URLs take an object id but the tenant-isolation suite cannot make another "
        "organization's object for them. Register a factory with "
        "@isolation_factory('<kwarg>') in <app>/tests/isolation.py (see accounts/tests/isolation.py):\n  "
        + "\n  ".join(missing)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("route", ID_ROUTES, ids=str)
def test_organization_a_gets_404_and_nothing_of_organization_b(route: Route) -> None:
    registered = isolation_factories()
    unregistered = [kwarg for kwarg in route.kwargs if kwarg not in registered]
    if unregistered:
        pytest.fail(f"{route}: register an isolation factory for {unregistered} in <app>/tests/isolation.py")
    org_a = OrganizationFactory.create()
    owner_a = MembershipFactory.create(organization=org_a, role=Role.OWNER).user
    org_b = OrganizationFactory.create(name=MARKER)
    values = {kwarg: registered[kwarg](org_b) for kwarg in route.kwargs}
    before = organization_rows(org_b)

    if route.is_api:
        client: Any = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_a, name='A').plaintext}")
        methods = API_METHODS
    else:
        client = Client()
        client.force_login(owner_a)
        methods = CONSOLE_METHODS
    statuses = {}
    for method in methods:
        response = getattr(client, method)(route.path(values))
        statuses[method] = response.status_code
        body = response.content.decode(errors="replace")
        assert MARKER not in body, f"{method.upper()} {route} shows organization B's name"
        for value in values.values():
            assert value not in body, f"{method.upper()} {route} echoes organization B's id"

    assert set(statuses.values()) <= {404, 405}, f"{route}: {statuses}"
    assert 404 in statuses.values(), f"{route}: no method answered 404: {statuses}"
    assert organization_rows(org_b) == before, f"{route} changed organization B's data"
