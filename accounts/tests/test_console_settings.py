"""Organization settings and branding: who may change what, logo checks, deleting."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.enums import Role
from accounts.models import AuditEvent, Organization, OrganizationLogo
from accounts.selectors import organization_branding
from accounts.tests.factories import MembershipFactory

BRANDING = {
    "display_name": "Chai & Co",
    "accent_colour": "#1D4ED8",
    "support_email": "help@chai.example",
    "support_phone": "+91 98765 43210",
    "payer_language": "hi",
}


def _image(fmt: str, size: tuple[int, int] = (800, 200), extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue() + extra


def _client(organization: Organization, role: Role) -> Client:
    client = Client()
    client.force_login(MembershipFactory.create(organization=organization, role=role).user)
    return client


@pytest.mark.django_db
def test_an_owner_changes_name_time_zone_and_currency(organization) -> None:
    client = _client(organization, Role.OWNER)

    response = client.post(
        "/app/settings/general/",
        {"organization_name": "Renamed", "time_zone": "Asia/Kolkata", "default_currency": "INR"},
    )

    assert response["Location"] == "/app/settings/"
    organization.refresh_from_db()
    assert (organization.name, str(organization.time_zone), organization.default_currency) == (
        "Renamed",
        "Asia/Kolkata",
        "INR",
    )
    assert AuditEvent.objects.get(action="organization.updated").changes == {
        "default_currency": ["USD", "INR"],
        "name": [organization.slug.replace("merchant-", "Merchant "), "Renamed"],
        "time_zone": ["UTC", "Asia/Kolkata"],
    }


@pytest.mark.django_db
def test_an_admin_sees_the_general_settings_but_cannot_change_them(organization) -> None:
    client = _client(organization, Role.ADMIN)

    page = client.get("/app/settings/").content.decode()
    response = client.post(
        "/app/settings/general/", {"organization_name": "Hijack", "time_zone": "UTC", "default_currency": "USD"}
    )

    assert "Only owners change these." in page
    assert "Delete this organization" not in page
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Hijack"


@pytest.mark.django_db
def test_an_admin_sets_the_branding_and_the_logo_is_served_as_png(organization) -> None:
    client = _client(organization, Role.ADMIN)
    upload = SimpleUploadedFile("logo.jpg", _image("JPEG"), content_type="image/jpeg")

    response = client.post("/app/settings/branding/", BRANDING | {"logo": upload})

    assert response["Location"] == "/app/settings/"
    organization.refresh_from_db()
    assert (
        organization.display_name,
        organization.accent_colour,
        organization.support_phone,
        organization.payer_language,
    ) == ("Chai & Co", "#1d4ed8", "+919876543210", "hi")
    logo = OrganizationLogo.objects.get(organization=organization)
    assert (logo.width, logo.height) == (400, 100), "scaled down to 400 px, proportions kept"
    branding = organization_branding(organization=organization)
    assert branding.name == "Chai & Co"
    assert branding.logo_url == f"/brand/{organization.public_id}/logo/{logo.sha256[:16]}.png"
    served = Client().get(branding.logo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert "immutable" in served["Cache-Control"]
    assert Image.open(io.BytesIO(served.content)).format == "PNG"
    event = AuditEvent.objects.get(action="organization.branding_updated")
    assert event.changes["accent_colour"] == ["", "#1d4ed8"]
    assert event.changes["logo"] == [None, logo.sha256[:12]]
    assert event.changes["payer_language"] == ["en", "hi"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("logo.gif", _image("GIF"), content_type="image/gif"), "Upload a PNG, JPEG or WebP image."),
        (
            SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
            "Upload a PNG, JPEG or WebP image.",
        ),
        (SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\nnot really"), "Upload a PNG, JPEG or WebP image."),
        (
            SimpleUploadedFile("big.png", _image("PNG", extra=b"\0" * (1024 * 1024))),
            "The logo must be at most 1 MB.",
        ),
    ],
    ids=["gif", "svg", "truncated", "too-large"],
)
def test_a_bad_logo_is_refused_and_nothing_changes(organization, upload, error: str) -> None:
    client = _client(organization, Role.OWNER)

    response = client.post("/app/settings/branding/", BRANDING | {"logo": upload})

    assert response.status_code == 422
    assert response.context["branding_form"].errors["logo"] == [error]
    assert not OrganizationLogo.objects.exists()
    organization.refresh_from_db()
    assert organization.display_name == ""
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "accent_colour",
            "#fde68a",
            "White text on #fde68a has a contrast of 1.2:1; choose a darker colour (at least 4.5:1).",
        ),
        ("accent_colour", "blue", "Use a colour like #4338ca."),
        ("support_phone", "98765", "Use the international format, e.g. +919876543210."),
        ("payer_language", "ta", "Select a valid choice. ta is not one of the available choices."),
    ],
)
def test_branding_values_are_checked(organization, field: str, value: str, error: str) -> None:
    client = _client(organization, Role.OWNER)

    response = client.post("/app/settings/branding/", BRANDING | {field: value})

    assert response.status_code == 422
    assert response.context["branding_form"].errors[field] == [error]


@pytest.mark.django_db
def test_removing_the_logo(organization) -> None:
    client = _client(organization, Role.OWNER)
    client.post("/app/settings/branding/", BRANDING | {"logo": SimpleUploadedFile("l.png", _image("PNG"))})
    old_url = organization_branding(organization=organization).logo_url
    assert old_url is not None

    client.post("/app/settings/branding/", BRANDING | {"remove_logo": "on"})

    assert not OrganizationLogo.objects.exists()
    assert organization_branding(organization=organization).logo_url is None
    assert Client().get(old_url).status_code == 404


@pytest.mark.django_db
def test_deleting_needs_the_slug_and_keeps_the_audit_trail(organization, django_capture_on_commit_callbacks) -> None:
    client = _client(organization, Role.OWNER)

    wrong = client.post("/app/settings/delete/", {"confirm": "nope"})
    assert wrong.status_code == 422
    assert Organization.objects.filter(pk=organization.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):  # the purge is sent to a worker on commit
        response = client.post("/app/settings/delete/", {"confirm": organization.slug})

    assert response["Location"] == "/app/"
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert AuditEvent.objects.filter(action="organization.deletion_started", organization=None).count() == 1
    event = AuditEvent.objects.get(action="organization.deleted")
    assert (event.organization, event.target_id, event.target_label) == (
        None,
        organization.public_id,
        f"{organization.name} ({organization.slug})",
    )
