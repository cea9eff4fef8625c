"""Roles, enforced on every console view and API endpoint, found by walking the URLs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts.enums import ROLE_RANK, Role
from accounts.models import AuditEvent
from accounts.services import api_key_create
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from accounts.tests.isolation import isolation_factories, organization_rows
from accounts.tests.urlwalk import Route, console_and_api_routes

CONSOLE_ROUTES = [route for route in console_and_api_routes() if not route.is_api]
API_ROUTES = [route for route in console_and_api_routes() if route.is_api]


def test_every_console_view_declares_the_role_it_needs() -> None:
    undeclared = [str(route) for route in CONSOLE_ROUTES if not hasattr(route.callback, "console_min_role")]

    assert not undeclared, f"Wrap these views in accounts.access.console_view(min_role=…): {undeclared}"


def test_every_api_view_declares_the_role_its_key_needs() -> None:
    undeclared = [str(route) for route in API_ROUTES if "required_role" not in vars(route.callback.cls)]  # type: ignore[attr-defined]

    assert not undeclared, f"Give these API views a `required_role = Role.…`: {undeclared}"


def _request(client: Client, route: Route, values: dict[str, str]) -> int:
    response = client.get(route.path(values))
    if response.status_code == 405:
        response = client.post(route.path(values))
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.ANALYST])
@pytest.mark.parametrize("route", CONSOLE_ROUTES, ids=str)
def test_each_role_is_let_in_or_refused_by_each_console_page(route: Route, role: Role) -> None:
    organization = OrganizationFactory.create()
    # A second owner, so actions such as "leave" never hit the last-owner rule instead of the role check.
    MembershipFactory.create(organization=organization, role=Role.OWNER)
    member = MembershipFactory.create(organization=organization, role=role)
    factories = isolation_factories()
    values = {kwarg: factories[kwarg](organization) for kwarg in route.kwargs}
    client = Client()
    client.force_login(member.user)
    audit_rows = AuditEvent.objects.count()

    status = _request(client, route, values)

    minimum = route.callback.console_min_role  # type: ignore[attr-defined]
    if minimum is not None and ROLE_RANK[role] < ROLE_RANK[minimum]:
        assert status == 403, f"{role} should be refused by {route}"
        assert AuditEvent.objects.count() == audit_rows, "a refused request changed nothing"
    else:
        assert status not in (403, 500), f"{role} should be let into {route} (got {status})"


@pytest.mark.django_db
@pytest.mark.parametrize("route", CONSOLE_ROUTES, ids=str)
def test_signed_out_visitors_are_sent_to_sign_in(route: Route) -> None:
    factories = isolation_factories()
    values = {kwarg: factories[kwarg](OrganizationFactory.create()) for kwarg in route.kwargs}

    response = Client().get(route.path(values))
    if response.status_code == 405:
        response = Client().post(route.path(values))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_htmx_requests_from_signed_out_visitors_redirect_the_whole_window() -> None:
    response = Client().get("/app/team/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fapp%2Fteam%2F"


def _rows_but_key_use(organization: Any) -> dict[str, list[dict[str, Any]]]:
    """The organization's rows, but when its API keys were last used (every request notes it)."""
    rows = organization_rows(organization)
    rows["accounts.ApiKey"] = [{**row, "last_used_at": None} for row in rows["accounts.ApiKey"]]
    return rows


def _api_request(client: APIClient, route: Route, values: dict[str, str]) -> Any:
    """The route's own method: a read where it has one, else its write."""
    view = route.callback.cls  # type: ignore[attr-defined]
    if hasattr(view, "get"):
        return client.get(route.path(values))
    return client.post(route.path(values), {}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_a_read_only_key_reads_and_is_refused_every_write_without_a_change(route: Route) -> None:
    organization = OrganizationFactory.create()
    values = {kwarg: isolation_factories()[kwarg](organization) for kwarg in route.kwargs}
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, name='r', role=Role.ANALYST).plaintext}"
    )
    before = _rows_but_key_use(organization)

    response = _api_request(client, route, values)

    required = vars(route.callback.cls)["required_role"]  # type: ignore[attr-defined]
    if required == Role.ANALYST:
        assert response.status_code not in (403, 500), f"a read-only key should read {route}"
    else:
        assert response.status_code == 403, f"a read-only key should be refused by {route}"
        assert response.json()["error"]["code"] == "insufficient_role"
        assert _rows_but_key_use(organization) == before, f"a refused request to {route} changed something"


class _WriteApi(APIView):
    required_role = Role.ADMIN

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class _ForgetfulApi(APIView):
    def post(self, request: Request) -> Response:
        return Response({"ok": True})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key_role", "view", "expected"),
    [
        (Role.ADMIN, _WriteApi, 200),
        (Role.ANALYST, _WriteApi, 403),
        (Role.ADMIN, _ForgetfulApi, 200),
        (Role.ANALYST, _ForgetfulApi, 403),
    ],
)
def test_api_keys_act_with_their_role(organization, key_role: Role, view: type[APIView], expected: int) -> None:
    issued = api_key_create(organization=organization, name="k", role=key_role)
    request = APIRequestFactory().post(
        "/v1/anything", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}"
    )

    response = view.as_view()(request)

    assert response.status_code == expected
    if expected == 403:
        assert response.data == {
            "error": {
                "type": "permission_error",
                "code": "insufficient_role",
                "message": "This API key is read-only; use a key with full access.",
                "param": None,
            }
        }


@pytest.mark.django_db
@pytest.mark.parametrize("key_role", [Role.ADMIN, Role.ANALYST])
def test_any_key_may_read_its_organization(organization, key_role: Role) -> None:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, name='k', role=key_role).plaintext}"
    )

    assert client.get("/v1/organization").status_code == 200


@pytest.mark.django_db
def test_a_key_cannot_be_made_an_owner(organization) -> None:
    with pytest.raises(ValueError, match="An API key's role is one of admin, analyst"):
        api_key_create(organization=organization, name="k", role=Role.OWNER)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/app/", "/app/team/", "/app/api-keys/", "/app/audit/", "/app/settings/"])
def test_console_pages_run_the_same_number_of_queries_for_a_big_team(path: str) -> None:
    organization = OrganizationFactory.create()
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    client = Client()
    client.force_login(owner.user)

    def queries_with(members: int) -> int:
        for index in range(members):
            teammate = MembershipFactory.create(organization=organization, role=Role.ANALYST)
            api_key_create(organization=organization, name=f"key {index}", created_by=teammate.user)
        client.get(path)  # the first request of a session also saves the session; measure the next one
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(20)
