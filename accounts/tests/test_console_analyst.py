"""What an analyst may do in the console: read every page the README promises them (dashboard, transactions and
their export, messages, retry policies, rules, gateways, imports, team), and change nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.enums import Role
from accounts.models import AuditEvent, Organization
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from accounts.tests.isolation import isolation_factories, organization_rows
from accounts.tests.urlwalk import Route, console_and_api_routes

READS = {
    "console:home",
    "console:transactions",
    "console:transactions_export",
    "console:transaction",
    "console:messages",
    "console:message",
    "console:retry_policies",
    "console:retry_policy_detail",
    "console:rules",
    "console:gateways",
    "console:imports",
    "console:import",
    "console:import_progress",
    "console:import_errors",
    "console:team",
}
CHANGES = {
    "console:invitation_new",
    "console:invitation_resend",
    "console:invitation_revoke",
    "console:member_role",
    "console:member_remove",
    "console:api_key_revoke",
    "console:settings_general",
    "console:settings_branding",
    "console:settings_delete",
    "console:onboarding_branding",
    "console:onboarding_gateway",
    "console:onboarding_api_key",
    "console:onboarding_test_failure",
    "console:rule_new",
    "console:rule_edit",
    "console:rule_delete",
    "console:gateway_connect",
    "console:gateway_disconnect",
    "console:gateway_delivery_reprocess",
    "console:transaction_send_link",
    "console:transaction_pause",
    "console:transaction_resume",
    "console:transaction_cancel",
    "console:transaction_restart",
    "console:transaction_mark_recovered",
    "console:retry_policy_new",
    "console:retry_policy_edit",
    "console:retry_policy_default",
    "console:retry_policy_delete",
    "console:import_upload",
    "console:import_preview",
    "console:import_start",
    "console:import_cancel",
}
# Pages for the people who run the organization, not analysts: its keys, its audit log, its settings, its setup.
ADMIN_PAGES = {
    "console:api_keys",
    "console:audit",
    "console:settings",
    "console:onboarding",
    "console:onboarding_arrivals",
}
_TARGETS = re.compile(r'(?:href|action|hx-get|hx-post)="(/app/[^"?#]*)')
ROUTES = {route.name: route for route in console_and_api_routes() if not route.is_api}


def _analyst_client(organization: Organization) -> Client:
    # An owner besides the analyst, as in every real organization.
    MembershipFactory.create(organization=organization, role=Role.OWNER)
    analyst = MembershipFactory.create(organization=organization, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    return client


def _path(route: Route, organization: Organization) -> str:
    factories = isolation_factories()
    return route.path({kwarg: factories[kwarg](organization) for kwarg in route.kwargs})


def _refused_targets(html: str) -> list[str]:
    """The links and forms on a page that lead an analyst to a 403."""
    refused = []
    for path in _TARGETS.findall(html):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.view_name in CHANGES | ADMIN_PAGES:
            refused.append(path)
    return refused


def test_the_lists_name_real_console_routes_and_what_each_asks_of_an_analyst() -> None:
    assert ROUTES.keys() >= READS | CHANGES | ADMIN_PAGES
    for name in READS:
        assert ROUTES[name].callback.console_min_role == Role.ANALYST, name  # type: ignore[attr-defined]
    for name in CHANGES | ADMIN_PAGES:
        assert ROUTES[name].callback.console_min_role in (Role.ADMIN, Role.OWNER), name  # type: ignore[attr-defined]


def test_every_console_route_an_analyst_is_refused_is_a_change_or_an_admin_page() -> None:
    refused = {
        name
        for name, route in ROUTES.items()
        if getattr(route.callback, "console_min_role", None) in (Role.ADMIN, Role.OWNER)
    }

    assert refused == CHANGES | ADMIN_PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READS))
def test_an_analyst_reads_each_read_only_page(name: str) -> None:
    organization = OrganizationFactory.create()
    client = _analyst_client(organization)

    # The import's progress bar is polled by htmx; a page load of it goes to the import's page.
    headers = {"HX-Request": "true"} if name == "console:import_progress" else {}

    response = client.get(_path(ROUTES[name], organization), headers=headers)

    assert response.status_code == 200, name
    if response.get("Content-Type", "").startswith("text/html"):
        assert _refused_targets(response.content.decode()) == [], f"{name} offers an analyst what refuses them"


@pytest.mark.django_db
def test_an_analyst_exports_the_transactions_as_csv() -> None:
    organization = OrganizationFactory.create()
    client = _analyst_client(organization)
    isolation_factories()["transaction_id"](organization)

    response = client.get("/app/transactions/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert len(response.getvalue().decode().strip().splitlines()) == 2, "the header and the one transaction"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_an_analyst_is_refused_each_change_and_nothing_changes(name: str) -> None:
    organization = OrganizationFactory.create()
    client = _analyst_client(organization)
    path = _path(ROUTES[name], organization)
    before = organization_rows(organization)
    audit_rows = AuditEvent.objects.count()

    response = client.post(path, {"role": Role.OWNER, "name": "x", "note": "paid in cash"})

    assert response.status_code == 403, name
    assert AuditEvent.objects.count() == audit_rows
    assert organization_rows(organization) == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_an_analyst_is_refused_the_admin_pages(name: str) -> None:
    organization = OrganizationFactory.create()
    client = _analyst_client(organization)

    assert client.get(_path(ROUTES[name], organization)).status_code == 403


@pytest.mark.django_db
def test_an_analyst_is_offered_the_read_only_pages_in_the_navigation() -> None:
    organization = OrganizationFactory.create()
    client = _analyst_client(organization)

    response = client.get("/app/")

    nav = response.content.decode().split('<nav aria-label="Main">')[1].split("</nav>")[0]
    for label in ("Home", "Transactions", "Messages", "Retry policies", "Rules", "Gateways", "Team", "Imports"):
        assert f">{label}</a>" in nav, label
    for label in ("API keys", "Audit log", "Settings"):
        assert f">{label}</a>" not in nav, label


@pytest.mark.django_db
def test_the_getting_started_list_links_an_analyst_only_to_what_they_can_do() -> None:
    organization = OrganizationFactory.create()
    client = _analyst_client(organization)

    html = client.get("/app/").content.decode()

    assert 'href="/accounts/2fa/">Turn on two-factor sign-in' in html
    for step in ("Create an API key", "Invite your team", "Brand your payer pages"):
        assert step in html
        assert f">{step}</a>" not in html, step
