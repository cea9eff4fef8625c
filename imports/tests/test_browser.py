"""An admin imports a Stripe export in Chromium: upload → check the columns → progress → done."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from accounts.enums import Role
from accounts.tests.factories import MembershipFactory, UserFactory
from imports.models import Import
from imports.services import import_run
from recovery.models import Transaction
from tinko.tests.browser import screenshots, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "correct horse battery staple"


def _accessibility_violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{violation['id']}: {violation['help']}" for violation in results.response["violations"]]


def _stripe_export(tmp_path: Path, rows: int) -> Path:
    when = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    lines = [
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason,Seller Message,PaymentIntent ID,Customer Email"
    ]
    for n in range(rows):
        status = "Paid" if n % 5 == 4 else "Failed"
        amount = "abc" if n == 7 else f"{10 + n}.99"
        lines.append(f"ch_{n:04},{when},{amount},usd,{status},insufficient_funds,Declined,pi_{n:04},p{n}@example.com")
    path = tmp_path / "unified_payments.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_admin_imports_a_stripe_export_and_watches_it_finish(
    page: Any, organization, settings, monkeypatch, tmp_path: Path
) -> None:
    # The worker is this test: the import is queued and then run in steps while the page polls.
    queued: list[int] = []
    monkeypatch.setattr("imports.services.task_enqueue_on_commit", lambda name, pk: queued.append(pk))
    settings.IMPORT_BATCH_ROWS = 10
    admin = UserFactory.create(email="ravi@example.com")
    MembershipFactory.create(organization=organization, user=admin, role=Role.ADMIN)
    sign_in(page, email=admin.email, password=PASSWORD, next_path="/app/imports/")
    page.get_by_role("heading", name="Import failed payments").wait_for()
    assert _accessibility_violations(page) == []
    screenshots(page, "imports-upload")

    page.get_by_label("CSV file").set_input_files(str(_stripe_export(tmp_path, 40)))
    page.get_by_role("button", name="Upload and check columns").click()
    page.get_by_role("heading", name="Which column is which").wait_for()
    page.get_by_text("is uploaded as a Stripe payments export").wait_for()
    preview = page.locator("#preview")
    assert preview.get_by_role("row").nth(1).inner_text().split("\t")[:4] == ["2", "Recorded", "pi_0000", "10.99 USD"]
    assert "Skipped" in preview.get_by_role("row").nth(5).inner_text()

    # A wrong unit shows at once in the preview (htmx), and is put back.
    page.get_by_label("Amounts are in").select_option("minor")
    preview.get_by_text("has more decimals than minor units have").first.wait_for()
    page.get_by_label("Amounts are in").select_option("major")
    preview.get_by_role("cell", name="10.99 USD").wait_for()
    assert _accessibility_violations(page) == []
    screenshots(page, "imports-mapping")

    page.get_by_role("button", name="Start import").click()
    page.get_by_text("You can leave this page: the import goes on.").wait_for()
    upload = Import.objects.get()
    assert queued == [upload.pk]
    progress = page.get_by_role("progressbar")
    assert progress.get_attribute("value") == "0"

    import_run(import_id=upload.pk, max_seconds=0)
    page.get_by_text("10 rows").wait_for()
    assert 0 < int(progress.get_attribute("value") or 0) < 100
    assert page.get_by_text("Cancel this import…").is_visible()
    assert _accessibility_violations(page) == []
    screenshots(page, "imports-progress")

    import_run(import_id=upload.pk)
    page.get_by_text("Import finished: 31 failed payments recorded, 0 already there, 1 row refused.").wait_for()
    assert progress.get_attribute("value") == "100"
    assert page.get_by_text("Cancel this import…").count() == 0, "a finished import offers no cancel"
    assert page.get_by_role("row", name="9 amount").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    assert download.value.suggested_filename == "unified_payments-errors.csv"
    assert _accessibility_violations(page) == []
    screenshots(page, "imports-done")
    assert Transaction.objects.for_org(organization, livemode=False).count() == 31
