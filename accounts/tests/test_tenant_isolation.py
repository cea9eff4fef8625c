"""Organization A never reaches organization B's objects, on any console or API URL that takes an id.

The URLs are found by walking the resolver, so new pages and endpoints are covered the
moment they are added; their kwargs need a factory in the registry (accounts/tests/isolation.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.models import Organization
from accounts.services import api_key_create
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from accounts.tests.isolation import isolation_factories
from accounts.tests.urlwalk import Route, console_and_api_routes

ID_ROUTES = [route for route in console_and_api_routes() if route.kwargs]
CONSOLE_METHODS: tuple[str, ...] = ("get", "post")
API_METHODS: tuple[str, ...] = ("get", "post", "put", "patch", "delete")
MARKER = "Zebra-Secret-Org"


def _org_owned_models() -> list[type[models.Model]]:
    owned = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.related_model is Organization:
            owned.append(model)
    return owned


def _snapshot(organization: Organization) -> dict[str, list[dict[str, Any]]]:
    """Every row organization B owns, so a request that changed any of them shows."""
    rows = {
        model._meta.label: list(model._default_manager.filter(organization=organization).order_by("pk").values())
        for model in _org_owned_models()
    }
    rows["accounts.Organization"] = [dict(row) for row in Organization.objects.filter(pk=organization.pk).values()]
    return rows


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
    before = _snapshot(org_b)

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
    assert _snapshot(org_b) == before, f"{route} changed organization B's data"
