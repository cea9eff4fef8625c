"""Public URLs, reached with a link or a secret instead of a session or an API key (webhooks, the
sandbox checkout, invitations, logos): whoever holds organization A's link reaches A's object and
nothing of B; a link that names nothing, or an organization being deleted, reveals nothing.

Every public route is registered in accounts/tests/isolation.py (`@public_route`), and
test_tenant_isolation.py fails for a route that is not; each is walked here the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from accounts.models import Organization
from accounts.services import organization_delete
from accounts.tests.factories import OrganizationFactory
from accounts.tests.isolation import MARKER, PublicRoute, organization_rows, public_routes
from accounts.tests.urlwalk import Route, all_routes

if TYPE_CHECKING:
    from accounts.tests.isolation import ClientResponse

PUBLIC = public_routes()
ROUTES = {route.name: route for route in all_routes() if route.name in PUBLIC}
NAMES = sorted(PUBLIC)
WITH_CREDENTIAL = [name for name in NAMES if PUBLIC[name].carries_credential]


def _route(name: str) -> tuple[PublicRoute, Route]:
    return PUBLIC[name], ROUTES[name]


def _rows(*organizations: Organization) -> list[dict[str, list[dict[str, Any]]]]:
    return [organization_rows(organization) for organization in organizations]


def _body(response: ClientResponse) -> str:
    return response.content.decode(errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_the_holder_of_organization_as_link_reaches_a_and_nothing_of_b(name: str) -> None:
    public, route = _route(name)
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    visit_a, visit_b = public.visit(org_a), public.visit(org_b)
    before = organization_rows(org_b)

    response = visit_a.send(Client(), route.path(visit_a.kwargs))

    assert response.status_code < 400, f"{route}: the holder's own request failed ({response.status_code})"
    assert MARKER not in _body(response)
    for value in set(visit_b.kwargs.values()) - set(visit_a.kwargs.values()):
        assert value not in _body(response), f"{route} shows organization B's {value!r}"
    assert organization_rows(org_b) == before, f"{route}: A's request changed organization B's data"


@pytest.mark.django_db
@pytest.mark.parametrize("name", WITH_CREDENTIAL)
def test_organization_as_credential_at_bs_url_is_refused_and_changes_nothing(name: str) -> None:
    public, route = _route(name)
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    visit_a, visit_b = public.visit(org_a), public.visit(org_b)
    before = _rows(org_a, org_b)

    response = visit_a.send(Client(), route.path(visit_b.kwargs))

    assert 400 <= response.status_code < 500, f"{route}: A's credential was let into B's URL"
    assert _rows(org_a, org_b) == before, f"{route}: a refused request changed data"


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_a_link_that_names_nothing_answers_404_and_reveals_nothing(name: str) -> None:
    public, route = _route(name)
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    visit_a, _ = public.visit(org_a), public.visit(org_b)
    before = _rows(org_a, org_b)
    path = route.path(public.unknown)

    responses = {
        "GET": Client().get(path),
        "POST": Client().post(path),
        "the holder's request": visit_a.send(Client(), path),
    }

    statuses = {how: response.status_code for how, response in responses.items()}
    assert set(statuses.values()) <= {404, 405}, f"{route}: {statuses}"
    assert 404 in statuses.values(), f"{route}: {statuses}"
    assert not [how for how, response in responses.items() if MARKER in _body(response)]
    assert _rows(org_a, org_b) == before, f"{route}: a link to nothing changed data"


def _answers(public: PublicRoute, route: Route, path: str, visit_send: Any) -> dict[str, int]:
    return {
        "GET": Client().get(path).status_code,
        "POST": Client().post(path).status_code,
        "the holder's request": visit_send(Client(), path).status_code,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_the_link_of_an_organization_being_deleted_answers_as_one_that_names_nothing(name: str) -> None:
    public, route = _route(name)
    org_a = OrganizationFactory.create(name=MARKER)
    visit_a = public.visit(org_a)
    organization_delete(organization=org_a)
    before = organization_rows(org_a)
    deleted_path = route.path(visit_a.kwargs)

    deleted = _answers(public, route, deleted_path, visit_a.send)
    unknown = _answers(public, route, route.path(public.unknown), visit_a.send)

    assert deleted == unknown, f"{route}: deleted {deleted}, unknown {unknown}"
    assert MARKER not in _body(Client().get(deleted_path))
    assert organization_rows(org_a) == before, f"{route}: an organization being deleted took new data"
