"""Sign-up (with the first organization), email verification, sign-in, rate limits, two-factor."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from accounts.adapters import MFAAdapter
from accounts.enums import Role
from accounts.models import AuditEvent, Invitation, Membership, Organization, User
from accounts.services import SYSTEM, invitation_create
from accounts.tests.factories import MembershipFactory

PASSWORD = "Vq7!long-enough-pass"
SIGNUP = {
    "email": "Priya@Example.com",
    "password1": PASSWORD,
    "organization_name": "Chai & Co",
    "time_zone": "Asia/Kolkata",
    "default_currency": "INR",
}


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.mark.django_db
def test_sign_up_creates_the_person_and_their_organization_and_opens_the_console(client: Client) -> None:
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    user = User.objects.get()
    assert user.email == "priya@example.com"
    organization = Organization.objects.get()
    assert (organization.name, organization.slug, str(organization.time_zone), organization.default_currency) == (
        "Chai & Co",
        "chai-co",
        "Asia/Kolkata",
        "INR",
    )
    assert list(Membership.objects.values_list("user", "organization", "role")) == [
        (user.pk, organization.pk, Role.OWNER)
    ]
    assert list(AuditEvent.objects.order_by("pk").values_list("organization", "action", "actor_label")) == [
        (organization.pk, "organization.created", "priya@example.com"),
        (organization.pk, "member.joined", "priya@example.com"),
        (organization.pk, "retry_policy.created", "priya@example.com"),
        (organization.pk, "user.signed_in", "priya@example.com"),
    ]
    console = client.get("/app/")
    assert console.status_code == 200
    assert "<h1>Chai &amp; Co</h1>" in console.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["priya@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_second_organization_with_the_same_name_gets_another_slug(client: Client) -> None:
    client.post("/accounts/signup/", SIGNUP)
    Client().post("/accounts/signup/", SIGNUP | {"email": "other@example.com"})

    slugs = sorted(Organization.objects.values_list("slug", flat=True))
    assert slugs[0] == "chai-co"
    assert re.fullmatch(r"chai-co-[0-9a-f]{6}", slugs[1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("default_currency", "XYZ", "Select a valid choice. XYZ is not one of the available choices."),
        ("time_zone", "Mars/Olympus", "Select a valid choice. Mars/Olympus is not one of the available choices."),
        ("organization_name", "", "This field is required."),
    ],
)
def test_sign_up_with_a_bad_organization_creates_nothing(client: Client, field: str, value: str, error: str) -> None:
    response = client.post("/accounts/signup/", SIGNUP | {field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert not User.objects.exists()
    assert not Organization.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_sign_up_page_groups_the_fields_with_labels(client: Client) -> None:
    body = client.get("/accounts/signup/").content.decode()

    assert "<legend>Your account</legend>" in body
    assert "<legend>Your organization</legend>" in body
    for field in ("id_email", "id_password1", "id_organization_name", "id_time_zone", "id_default_currency"):
        assert f'for="{field}"' in body


@pytest.mark.django_db
def test_with_mandatory_verification_the_console_opens_only_after_the_email_link(client: Client, settings) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/app/").status_code == 302
    confirm = _link(str(mail.outbox[0].body))
    assert client.get(confirm).status_code == 200
    response = client.post(confirm)
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert EmailAddress.objects.get().verified is True
    assert client.get("/app/").status_code == 200


@pytest.mark.django_db
def test_signing_up_through_an_invitation_joins_without_creating_an_organization(client: Client) -> None:
    owner = MembershipFactory.create(role=Role.OWNER)
    issued = invitation_create(by=owner, email="Ravi@Example.com", role=Role.ADMIN, actor=SYSTEM)
    assert client.get(_link(issued.url)).status_code == 200

    form = client.get("/accounts/signup/").context["form"]
    assert "organization_name" not in form.fields
    assert form.fields["email"].initial == "ravi@example.com"
    response = client.post("/accounts/signup/", {"email": "ravi@example.com", "password1": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    ravi = User.objects.get(email="ravi@example.com")
    assert Organization.objects.count() == 1
    assert Membership.objects.get(user=ravi).organization == owner.organization
    assert Membership.objects.get(user=ravi).role == Role.ADMIN
    assert EmailAddress.objects.get(user=ravi).verified is True, "the invitation link proved the address"
    assert Invitation.objects.get().accepted_by == ravi
    assert "Team" in client.get("/app/").content.decode()


@pytest.mark.django_db
def test_signing_up_through_an_invitation_with_another_address_is_refused(client: Client) -> None:
    owner = MembershipFactory.create(role=Role.OWNER)
    issued = invitation_create(by=owner, email="ravi@example.com", role=Role.ADMIN, actor=SYSTEM)
    client.get(_link(issued.url))

    response = client.post("/accounts/signup/", {"email": "mallory@example.com", "password1": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "This invitation is for ravi@example.com; sign up with that address to join."
    ]
    assert not User.objects.filter(email="mallory@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_sign_in_lands_on_the_console_and_is_audited(client: Client, membership) -> None:
    response = client.post(
        "/accounts/login/", {"login": membership.user.email, "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    event = AuditEvent.objects.get(action="user.signed_in")
    assert (event.organization, event.actor_user, event.ip_address) == (
        membership.organization,
        membership.user,
        "127.0.0.1",
    )


@pytest.mark.django_db
def test_a_failed_sign_in_is_audited_without_the_password(client: Client, membership) -> None:
    response = client.post("/accounts/login/", {"login": membership.user.email, "password": "guess-123"})

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.action, event.organization, event.actor_label, event.changes) == (
        "user.sign_in_failed",
        membership.organization,
        membership.user.email,
        {"reason": [None, "password"]},
    )
    assert "guess-123" not in str(AuditEvent.objects.values().get())


@pytest.mark.django_db
def test_failed_sign_ins_are_rate_limited_per_address(client: Client, membership) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"login": membership.user.email, "password": "wrong-password"})

    response = client.post(
        "/accounts/login/", {"login": membership.user.email, "password": "correct horse battery staple"}
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_landing_page_links_to_sign_in_and_sign_up(client: Client) -> None:
    body = client.get("/").content.decode()

    assert 'href="/accounts/login/"' in body
    assert 'href="/accounts/signup/"' in body
    assert "/admin/login/" not in body


def _sign_in_verified(client: Client, user: User) -> None:
    # allauth lets only a verified address turn on two-factor sign-in.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post("/accounts/login/", {"login": user.email, "password": "correct horse battery staple"})
    # Two-factor changes ask for the password again, however recent the sign-in.
    client.post("/accounts/reauthenticate/", {"password": "correct horse battery staple"})


def _current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]
    return format_hotp_value(hotp_value(secret, counter))


@pytest.mark.django_db
# Time stands still so the code computed here is the one the server expects.
@time_machine.travel("2026-11-27 10:00:05Z", tick=False)
def test_two_factor_with_an_authenticator_app_and_recovery_codes(client: Client, membership) -> None:
    email = membership.user.email
    _sign_in_verified(client, membership.user)

    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)})

    assert response.status_code == 302
    totp = Authenticator.objects.get(user=membership.user, type=Authenticator.Type.TOTP)
    assert secret not in totp.data["secret"], "the TOTP secret is encrypted at rest"
    assert MFAAdapter().decrypt(totp.data["secret"]) == secret
    assert Authenticator.objects.filter(user=membership.user, type=Authenticator.Type.RECOVERY_CODES).exists()
    actions = list(AuditEvent.objects.filter(organization=membership.organization).values_list("action", flat=True))
    assert "user.mfa_enabled" in actions
    assert "user.recovery_codes_generated" in actions

    signed_out = Client()
    response = signed_out.post("/accounts/login/", {"login": email, "password": "correct horse battery staple"})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert signed_out.get("/app/").status_code == 302
    signed_out.post(
        "/accounts/2fa/authenticate/", {"code": "000000" if _current_code(secret) != "000000" else "111111"}
    )
    assert AuditEvent.objects.filter(action="user.sign_in_failed", changes__reason=[None, "two-factor code"]).exists()
    response = signed_out.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})
    assert response["Location"] == "/app/"
    assert signed_out.get("/app/").status_code == 200


@pytest.mark.django_db
@time_machine.travel("2026-11-27 10:00:05Z", tick=False)
def test_turning_two_factor_off_is_audited(client: Client, membership) -> None:
    _sign_in_verified(client, membership.user)
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)})

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=membership.user, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action="user.mfa_disabled", actor_user=membership.user).count() == 1


def test_production_settings_make_email_verification_mandatory() -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "tinko.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GATEWAY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.ACCOUNT_EMAIL_VERIFICATION)"

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "mandatory"


@pytest.mark.django_db
def test_password_reset_sends_a_link_that_sets_a_new_password(client: Client, membership) -> None:
    client.post("/accounts/password/reset/", {"email": membership.user.email})

    reset = _link(str(mail.outbox[-1].body))
    form_page = client.get(reset, follow=True)
    response = client.post(
        form_page.request["PATH_INFO"], {"password1": "Brand-new-pass-42", "password2": "Brand-new-pass-42"}
    )

    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.check_password("Brand-new-pass-42")
