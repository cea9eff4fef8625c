"""Django admin: signed in only through allauth (rate limits, two-factor), staff without two-factor
kept out, failed sign-ins audited, and a path and networks chosen by the deployment."""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Iterator

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import clear_url_caches

import tinko.urls
from accounts.models import AuditEvent
from accounts.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
def test_admin_sign_in_is_allauths_and_keeps_where_to_go_next(client: Client) -> None:
    staff = UserFactory.create(is_staff=True, is_superuser=True)

    page = client.get("/admin/login/", {"next": "/admin/accounts/organization/"})
    posted = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    index = client.get("/admin/")

    assert (page.status_code, page["Location"]) == (
        302,
        "/accounts/login/?next=%2Fadmin%2Faccounts%2Forganization%2F",
    )
    assert (posted.status_code, posted["Location"]) == (302, "/accounts/login/?next=%2Fadmin%2F")
    assert "_auth_user_id" not in client.session
    assert (index.status_code, index["Location"]) == (302, "/admin/login/?next=/admin/")


@pytest.mark.django_db
def test_an_offsite_next_is_not_followed(client: Client) -> None:
    response = client.get("/admin/login/", {"next": "https://evil.example/"})

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


@pytest.mark.django_db
def test_staff_with_two_factor_use_the_admin(client: Client) -> None:
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(staff)

    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/", {"next": "/admin/accounts/user/"})["Location"] == "/admin/accounts/user/"


@pytest.mark.django_db
def test_staff_without_two_factor_are_sent_to_set_it_up(client: Client) -> None:
    staff = UserFactory.create(is_staff=True, is_superuser=True, totp=False)
    client.force_login(staff)

    index = client.get("/admin/")
    login = client.get(index["Location"])
    organizations = client.get("/admin/accounts/organization/")

    assert (index.status_code, index["Location"]) == (302, "/admin/login/?next=/admin/")
    assert (login.status_code, login["Location"]) == (302, "/accounts/2fa/totp/activate/")
    assert organizations.status_code == 302
    assert [str(message) for message in get_messages(login.wsgi_request)] == [
        "Set up two-factor sign-in with an authenticator app to use the admin."
    ]


@pytest.mark.django_db
def test_people_who_are_not_staff_are_refused(client: Client) -> None:
    client.force_login(UserFactory.create())

    assert client.get("/admin/login/").status_code == 403


@pytest.mark.django_db
def test_a_failed_staff_sign_in_is_audited_and_logged(client: Client, caplog) -> None:
    staff = UserFactory.create(is_staff=True, is_superuser=True)

    with caplog.at_level(logging.WARNING, logger="accounts.services.security"):
        response = client.post("/accounts/login/", {"login": staff.email, "password": "guess-123"})

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.organization, event.action, event.target_id, event.ip_address, event.changes) == (
        None,
        "user.sign_in_failed",
        staff.public_id,
        "127.0.0.1",
        {"reason": [None, "password"]},
    )
    [record] = caplog.records
    assert (record.getMessage(), record.email_hash, record.ip, record.reason, record.staff) == (
        "signin_failed",
        hashlib.sha256(staff.email.encode()).hexdigest(),
        "127.0.0.1",
        "password",
        True,
    )
    assert staff.email not in str(vars(record))


@pytest.fixture
def moved_admin(settings) -> Iterator[None]:
    settings.ADMIN_URL_PATH = "ops-7f3a/"
    importlib.reload(tinko.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL_PATH = "admin/"
    importlib.reload(tinko.urls)
    clear_url_caches()


@pytest.mark.django_db
@pytest.mark.usefixtures("moved_admin")
def test_the_admin_path_comes_from_the_settings(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    assert client.get("/ops-7f3a/").status_code == 200
    assert client.get("/admin/").status_code == 404


@pytest.mark.django_db
def test_the_admin_answers_only_allowed_networks(client: Client, settings) -> None:
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    answers = {
        address: client.get("/admin/", REMOTE_ADDR=address).status_code
        for address in ("10.1.2.3", "2001:db8::7", "192.0.2.1")
    }
    login_elsewhere = client.get("/admin/login/", REMOTE_ADDR="192.0.2.1").status_code
    console_elsewhere = client.get("/app/", REMOTE_ADDR="192.0.2.1").status_code

    assert answers == {"10.1.2.3": 200, "2001:db8::7": 200, "192.0.2.1": 404}
    assert (login_elsewhere, console_elsewhere) == (404, 302)
