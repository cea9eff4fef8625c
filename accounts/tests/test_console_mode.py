"""The console's switch between an organization's live data and its test data."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.enums import ApiKeyMode, Role
from accounts.tests.factories import ApiKeyFactory, MembershipFactory, OrganizationFactory
from analytics.rollups import rollups_refresh
from recovery.tests.factories import record_failure

BANNER = "You are seeing what test API keys and test gateway accounts recorded"


@pytest.fixture
def analyst(organization):
    return MembershipFactory.create(organization=organization, role=Role.ANALYST)


@pytest.fixture
def client(analyst) -> Client:
    client = Client()
    client.force_login(analyst.user)
    return client


@pytest.mark.django_db
def test_an_organization_without_live_keys_shows_its_test_data(client, organization) -> None:
    record_failure(organization=organization)
    record_failure(organization=organization, livemode=True)
    record_failure(organization=organization, livemode=True)
    rollups_refresh()

    home = client.get("/app/").content.decode()

    assert BANNER in home
    assert "What failed and what came back, in test data." in home
    assert '<span class="kpi-detail">1 payment</span>' in home


@pytest.mark.django_db
def test_an_organization_with_a_live_key_opens_on_its_live_data(client, organization) -> None:
    ApiKeyFactory.issue(organization=organization, mode=ApiKeyMode.LIVE)
    record_failure(organization=organization, livemode=True)
    record_failure(organization=organization, livemode=True)
    rollups_refresh()

    home = client.get("/app/").content.decode()

    assert BANNER not in home
    assert "What failed and what came back, in live data." in home
    assert '<span class="kpi-detail">2 payments</span>' in home


@pytest.mark.django_db
def test_any_member_switches_modes_and_goes_back_to_the_page_it_came_from(client, organization) -> None:
    response = client.post("/app/mode/", {"livemode": "true"}, HTTP_REFERER="http://testserver/app/team/")

    assert (response.status_code, response["Location"]) == (302, "http://testserver/app/team/")
    assert BANNER not in client.get("/app/team/").content.decode()
    client.post("/app/mode/", {"livemode": "false"})
    assert BANNER in client.get("/app/team/").content.decode()


@pytest.mark.django_db
def test_the_switch_refuses_nonsense_and_never_leaves_the_site(client) -> None:
    assert client.post("/app/mode/", {"livemode": "maybe"}).status_code == 400
    response = client.post("/app/mode/", {"livemode": "true"}, HTTP_REFERER="https://evil.example/app/")
    assert response["Location"] == "/app/"
    assert client.get("/app/mode/").status_code == 405


@pytest.mark.django_db
def test_switching_organizations_starts_from_that_organizations_own_mode(client, analyst) -> None:
    live_org = OrganizationFactory.create()
    MembershipFactory.create(organization=live_org, user=analyst.user, role=Role.ADMIN)
    ApiKeyFactory.issue(organization=live_org, mode=ApiKeyMode.LIVE)
    client.post("/app/mode/", {"livemode": "false"})

    client.post("/app/organizations/switch/", {"organization": live_org.public_id})

    assert BANNER not in client.get("/app/").content.decode()


@pytest.mark.django_db
def test_a_new_key_is_offered_in_the_mode_the_console_shows(organization) -> None:
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    assert 'value="test" required id="id_mode_0" checked' in client.get("/app/api-keys/").content.decode()
    client.post("/app/mode/", {"livemode": "true"})
    assert 'value="live" required id="id_mode_1" checked' in client.get("/app/api-keys/").content.decode()
