"""The import pages through the Django client: the walk from upload to report, roles and scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.access import SESSION_LIVEMODE_KEY
from accounts.enums import Role
from accounts.models import AuditEvent
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from imports.enums import ImportStatus
from imports.models import Import, ImportChunk
from imports.services import import_run
from imports.tests.factories import started, tinko_csv, uploaded
from recovery.models import Transaction

pytestmark = pytest.mark.django_db


def _when(days: int = 1) -> str:
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0).isoformat()


def _client(organization, role: Role = Role.ADMIN) -> Client:
    member = MembershipFactory.create(organization=organization, role=role)
    client = Client()
    client.force_login(member.user)
    return client


def _file(text: str, name: str = "failures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_an_admin_uploads_maps_with_a_preview_starts_and_downloads_the_error_report(
    organization, django_capture_on_commit_callbacks
) -> None:
    client = _client(organization)
    text = tinko_csv(f"order-1,249900,INR,{_when()},,card,a@example.com", f"order-2,12.5,INR,{_when()},,card,")

    response = client.post("/app/imports/upload/", {"file": _file(text), "format": ""})

    upload = Import.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/app/imports/{upload.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Which column is which" in page
    assert "order-1" in page
    assert "2,499.00 INR" in page
    assert "amount &#x27;12.5&#x27; has more decimals than minor units have." in page

    # Changing a column re-renders the preview alone.
    fields = {f"column_{name}": column for name, column in upload.mapping.items()} | {
        "amount_unit": "major",
        "time_zone": "UTC",
        "default_currency": "",
    }
    fragment = client.post(f"/app/imports/{upload.public_id}/preview/", fields, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="preview"')
    assert "249,900.00 INR" in body
    assert "12.50 INR" in body

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/app/imports/{upload.public_id}/start/", fields | {"amount_unit": "minor"})
    assert response.status_code == 302
    assert len(callbacks) == 1, "the import is sent to a worker once the start commits"
    upload.refresh_from_db()
    assert upload.status == ImportStatus.QUEUED

    progress = client.get(f"/app/imports/{upload.public_id}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in progress
    assert '<progress id="import-progress" max="100" value="0"' in progress

    import_run(import_id=upload.pk)

    progress = client.get(f"/app/imports/{upload.public_id}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in progress
    assert "Import finished: 1 failed payment recorded, 0 already there, 1 row refused." in progress
    report = client.get(f"/app/imports/{upload.public_id}/errors.csv")
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert report["Content-Disposition"] == 'attachment; filename="failures-errors.csv"'
    lines = report.getvalue().decode().splitlines()
    assert lines[0] == "row,field,error,row_content"
    assert lines[1].startswith("3,amount,amount '12.5' has more decimals than minor units have.,")
    assert Transaction.objects.for_org(organization, livemode=False).count() == 1


def test_an_upload_that_is_not_csv_is_answered_422_and_stores_nothing(organization) -> None:
    client = _client(organization)

    response = client.post("/app/imports/upload/", {"file": _file("no columns here\n")})

    assert response.status_code == 422
    assert "fewer than two columns" in response.content.decode()
    assert not Import.objects.exists()
    assert not ImportChunk.objects.exists()


def test_starting_without_a_required_column_is_refused(organization) -> None:
    upload = uploaded(organization, "Order,Total\nA,1\n")
    client = _client(organization)

    response = client.post(
        f"/app/imports/{upload.public_id}/start/",
        {"column_transaction_ref": "Order", "amount_unit": "minor", "time_zone": "UTC"},
    )

    assert response.status_code == 422
    assert "Choose a column for: amount, occurred_at, currency." in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == ImportStatus.UPLOADED


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/app/imports/upload/"), ("post", "/start/"), ("post", "/cancel/"), ("post", "/preview/")],
)
def test_an_analyst_sees_imports_but_cannot_import(organization, method: str, path: str) -> None:
    upload = uploaded(organization, tinko_csv(f"order-1,1000,INR,{_when()},,card,"))
    client = _client(organization, Role.ANALYST)
    assert client.get(f"/app/imports/{upload.public_id}/").status_code == 200
    url = path if path.startswith("/app/") else f"/app/imports/{upload.public_id}{path}"
    audit_rows = AuditEvent.objects.count()

    response = getattr(client, method)(url, {"file": _file(tinko_csv()), "amount_unit": "minor", "time_zone": "UTC"})

    assert response.status_code == 403
    assert AuditEvent.objects.count() == audit_rows
    assert Import.objects.get().status == ImportStatus.UPLOADED


def test_an_analyst_reads_the_list_without_the_upload_form(organization) -> None:
    started(organization, tinko_csv(f"order-1,1000,INR,{_when()},,card,"), file_name="old-failures.csv")
    page = _client(organization, Role.ANALYST).get("/app/imports/").content.decode()

    assert "old-failures.csv" in page
    assert "Upload a file" not in page


def test_imports_of_another_organization_or_the_other_mode_are_not_found(organization) -> None:
    other = uploaded(OrganizationFactory.create(), tinko_csv(f"order-1,1000,INR,{_when()},,card,"))
    live = uploaded(organization, tinko_csv(f"order-1,1000,INR,{_when()},,card,"), livemode=True)
    client = _client(organization)
    session = client.session
    session[SESSION_LIVEMODE_KEY] = False
    session.save()

    assert client.get(f"/app/imports/{other.public_id}/").status_code == 404
    assert client.get(f"/app/imports/{live.public_id}/").status_code == 404
    assert client.get(f"/app/imports/{live.public_id}/errors.csv").status_code == 404
    assert client.post(f"/app/imports/{live.public_id}/cancel/").status_code == 404
    listing = client.get("/app/imports/").content.decode()
    assert live.public_id not in listing
    assert other.public_id not in listing
    live.refresh_from_db()
    assert live.status == ImportStatus.UPLOADED


def test_the_page_and_its_progress_take_a_constant_number_of_queries(
    organization, django_assert_max_num_queries
) -> None:
    upload = started(organization, tinko_csv(*(f"o-{n},1000,INR,bad-date,,card," for n in range(60))))
    import_run(import_id=upload.pk)
    client = _client(organization, Role.ANALYST)
    client.get("/app/imports/")

    with django_assert_max_num_queries(12):
        client.get(f"/app/imports/{upload.public_id}/")
    with django_assert_max_num_queries(10):
        client.get("/app/imports/")
