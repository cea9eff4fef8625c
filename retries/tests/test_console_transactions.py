"""The console's transaction list, its export, each transaction's page and controls, and the
message log: scoped to the organization and the mode shown, read by every role, changed by admins."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent, Organization
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from messaging.enums import NotificationStatus
from messaging.models import NotificationLog, RecoveryLink
from messaging.previews import INERT_LINK
from messaging.services import recovery_email_send, recovery_link_issue, recovery_link_url, reminders_stop_url
from payments.tests.factories import GatewayAccountFactory, inbox_event
from payments.tests.payloads import fixture
from recovery.enums import RecoveredBy, TransactionStatus
from recovery.models import PaymentMismatch, Transaction
from recovery.services import Customer
from recovery.tests.factories import record_failure
from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt
from retries.views import messages as message_views
from retries.views import transactions as transaction_views

pytestmark = pytest.mark.django_db


def _console(organization: Organization, role: Role = Role.OWNER) -> Client:
    client = Client()
    client.force_login(MembershipFactory.create(organization=organization, role=role).user)
    return client


def _failed(organization: Organization, **values: Any) -> Transaction:
    return record_failure(organization=organization, **values).transaction


def _refs(response: Any) -> list[str]:
    return [txn.transaction_ref for txn in response.context["page"].transactions]


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_only_this_organizations_transactions_of_the_mode_shown(organization) -> None:
    ours = _failed(organization, transaction_ref="ours-test")
    _failed(organization, transaction_ref="ours-live", livemode=True)
    _failed(OrganizationFactory.create(), transaction_ref="theirs")
    client = _console(organization)

    test_page = client.get("/app/transactions/")
    client.post("/app/mode/", {"livemode": "true"})
    live_page = client.get("/app/transactions/")

    assert _refs(test_page) == [ours.transaction_ref]
    assert "theirs" not in test_page.content.decode()
    assert _refs(live_page) == ["ours-live"]


def test_search_finds_a_transaction_by_reference_id_email_or_phone(organization) -> None:
    asha = _failed(
        organization,
        transaction_ref="order-1042",
        customer=Customer(email="Asha.Rao@example.com", phone="+919876543210", name="Asha"),
    )
    _failed(organization, transaction_ref="order-1043")
    client = _console(organization)

    found = {
        query: _refs(client.get("/app/transactions/", {"q": query}))
        for query in ("order-1042", asha.public_id, "Asha.Rao@EXAMPLE.com", "+91 98765 43210", "919876543210")
    }

    assert found == {query: ["order-1042"] for query in found}
    assert _refs(client.get("/app/transactions/", {"q": "asha.rao@example.com"})) == []
    assert _refs(client.get("/app/transactions/", {"q": "order-10"})) == []


def test_filters_and_sort_select_and_order_the_rows(organization) -> None:
    now = timezone.now()
    old = _failed(organization, transaction_ref="old-upi", payment_method_type="upi", gateway="razorpay")
    Transaction.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=10))
    _failed(organization, transaction_ref="new-card", failure_code="expired_card")
    _failed(organization, transaction_ref="new-upi", payment_method_type="upi", gateway="razorpay")
    client = _console(organization)
    today = timezone.localdate(now, timezone=organization.time_zone).isoformat()

    assert _refs(client.get("/app/transactions/", {"method": "upi"})) == ["new-upi", "old-upi"]
    assert _refs(client.get("/app/transactions/", {"method": "upi", "sort": "oldest"})) == ["old-upi", "new-upi"]
    assert _refs(client.get("/app/transactions/", {"gateway": "RazorPay", "since": today})) == ["new-upi"]
    assert _refs(client.get("/app/transactions/", {"category": "card_invalid"})) == ["new-card"]
    assert _refs(client.get("/app/transactions/", {"status": "recovered"})) == []


def test_keyset_pages_neither_repeat_nor_skip_rows_written_meanwhile(organization, monkeypatch) -> None:
    monkeypatch.setattr(transaction_views, "PAGE_SIZE", 2)
    for number in range(5):
        _failed(organization, transaction_ref=f"order-{number}")
    client = _console(organization)

    first = client.get("/app/transactions/")
    _failed(organization, transaction_ref="order-late")
    second = client.get("/app/transactions/", {"cursor": first.context["page"].next_cursor})
    third = client.get("/app/transactions/", {"cursor": second.context["page"].next_cursor})

    assert _refs(first) + _refs(second) + _refs(third) == [f"order-{n}" for n in (4, 3, 2, 1, 0)]
    assert third.context["page"].next_cursor is None
    assert 'href="?cursor=' in first.content.decode()


def test_a_cursor_this_list_never_gave_shows_the_first_page(organization) -> None:
    _failed(organization, transaction_ref="order-1")

    response = _console(organization).get("/app/transactions/", {"cursor": "not-a-cursor"})

    assert response.status_code == 200
    assert _refs(response) == ["order-1"]
    assert "not one of this list" in response.content.decode()


def test_an_htmx_request_gets_the_results_fragment_of_the_same_template(organization) -> None:
    _failed(organization, transaction_ref="order-1")

    response = _console(organization).get("/app/transactions/", {"status": "failed"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="transaction-results"')
    assert "order-1" in body
    assert "<html" not in body


def test_an_invalid_filter_is_shown_and_left_out(organization) -> None:
    _failed(organization, transaction_ref="order-1")

    response = _console(organization).get("/app/transactions/", {"status": "lost", "gateway": "no spaces"})

    assert response.status_code == 200
    assert _refs(response) == ["order-1"]
    assert set(response.context["form"].errors) == {"status", "gateway"}


def test_the_list_costs_the_same_queries_however_many_rows(organization) -> None:
    client = _console(organization)
    _failed(organization)
    client.get("/app/transactions/")
    with CaptureQueriesContext(connection) as one:
        client.get("/app/transactions/")
    for _ in range(6):
        _failed(organization)
    with CaptureQueriesContext(connection) as seven:
        client.get("/app/transactions/")

    assert len(seven) == len(one)


# --- the export ---------------------------------------------------------------------------------


def _csv(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_streams_every_row_the_filters_select_in_this_mode(organization, monkeypatch) -> None:
    monkeypatch.setattr("recovery.selectors.EXPORT_CHUNK", 2)
    for number in range(5):
        _failed(organization, transaction_ref=f"card-{number}", amount=129900, currency="INR")
    _failed(organization, transaction_ref="upi-1", payment_method_type="upi")
    _failed(organization, transaction_ref="card-live", livemode=True)
    _failed(OrganizationFactory.create(), transaction_ref="card-theirs")

    response = _console(organization).get("/app/transactions/export.csv", {"method": "card"})

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "-test-transactions-" in response["Content-Disposition"]
    rows = _csv(response)
    assert [row["reference"] for row in rows] == [f"card-{n}" for n in (4, 3, 2, 1, 0)]
    assert (rows[0]["amount"], rows[0]["currency"], rows[0]["status"]) == ("1299.00", "INR", "failed")
    assert rows[0]["customer_phone"] == "+14155550100"


def test_the_export_keeps_a_cell_a_spreadsheet_would_run_as_text(organization) -> None:
    _failed(organization, transaction_ref="=HYPERLINK(1)", customer=Customer(name="@SUM(A1)"))

    [row] = _csv(_console(organization).get("/app/transactions/export.csv"))

    assert (row["reference"], row["customer_name"]) == ("'=HYPERLINK(1)", "'@SUM(A1)")


# --- a transaction's page -------------------------------------------------------------------------


def test_another_organizations_or_the_other_modes_transaction_is_not_found(organization) -> None:
    theirs = _failed(OrganizationFactory.create())
    live = _failed(organization, livemode=True)
    client = _console(organization)

    assert client.get(f"/app/transactions/{theirs.public_id}/").status_code == 404
    assert client.get(f"/app/transactions/{live.public_id}/").status_code == 404
    assert client.post(f"/app/transactions/{live.public_id}/pause/").status_code == 404
    assert Transaction.objects.get(pk=live.pk).recovery_paused_at is None


def test_the_timeline_tells_failures_attempts_messages_webhooks_mismatches_and_the_payment(organization) -> None:
    organization.time_zone = "Asia/Kolkata"
    organization.save(update_fields=["time_zone"])
    stripe_account = GatewayAccountFactory.stripe(organization=organization)
    txn = _failed(organization, transaction_ref="order-1042")
    attempt = RecoveryAttempt.objects.get(transaction=txn)
    link = recovery_link_issue(transaction=txn, lifetime=timedelta(days=3), attempt_number=attempt.number).link
    log = recovery_email_send(transaction=txn, link=link)
    inbox_event(stripe_account, fixture("stripe", "payment_intent.payment_failed.json"), payment_reference="order-1042")
    PaymentMismatch.objects.create(
        organization=organization,
        livemode=False,
        transaction=txn,
        amount=100,
        currency="USD",
        paid_at=timezone.now(),
        recovered=False,
        reason="paid 100 USD, less than the 1999 owed",
    )
    Transaction.objects.filter(pk=txn.pk).update(
        status=TransactionStatus.RECOVERED,
        recovered_amount=1999,
        recovered_at=timezone.now(),
        recovered_by=RecoveredBy.MERCHANT,
        recovery_note="NEFT 4183",
    )

    response = _console(organization, Role.ANALYST).get(f"/app/transactions/{txn.public_id}/")

    body = response.content.decode()
    kinds = [entry.kind for entry in response.context["timeline"].entries]
    # The first attempt is planned for tomorrow: the story ends with what is still to come.
    assert kinds == ["failure", "message", "webhook", "mismatch", "payment", "attempt"]
    event = txn.events.get()
    assert event.explanation in body
    assert all(reason["text"] in body for reason in attempt.reasons)
    assert f"/app/messages/{log.public_id}/" in body
    assert "payment_intent.payment_failed" in body
    assert "Paid 100 USD, less than the 1999 owed" in body
    assert "NEFT 4183" in body
    assert "$19.99" in body
    assert "Asia/Kolkata" in body
    # Analysts read; the controls are not offered to them.
    assert "Pause…" not in body
    assert "owners and admins can steer its recovery" in body


def test_the_page_costs_the_same_queries_however_long_the_history(organization) -> None:
    client = _console(organization)
    short = _failed(organization)
    long = _failed(organization)
    for _ in range(3):
        record_failure(organization=organization, transaction_ref=long.transaction_ref)
    for number in (5, 6, 7):
        link = recovery_link_issue(transaction=long, lifetime=timedelta(days=1), attempt_number=number).link
        recovery_email_send(transaction=long, link=link)
    client.get(f"/app/transactions/{short.public_id}/")

    with CaptureQueriesContext(connection) as few:
        client.get(f"/app/transactions/{short.public_id}/")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/app/transactions/{long.public_id}/")

    assert len(many) == len(few)


# --- the controls ---------------------------------------------------------------------------------


def _audit(organization: Organization) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(organization=organization).values_list("action", "target_id").order_by("pk"))


def test_pause_and_resume_call_the_controls_and_are_audited(organization) -> None:
    txn = _failed(organization)
    client = _console(organization, Role.ADMIN)
    before = _audit(organization)

    paused = client.post(f"/app/transactions/{txn.public_id}/pause/", follow=True)
    txn.refresh_from_db()
    assert txn.recovery_paused_at is not None
    assert not RecoveryAttempt.objects.filter(transaction=txn, status=AttemptStatus.SCHEDULED).exists()
    assert "Recovery paused" in paused.content.decode()

    resumed = client.post(f"/app/transactions/{txn.public_id}/resume/", follow=True)
    txn.refresh_from_db()
    assert txn.recovery_paused_at is None
    assert RecoveryAttempt.objects.filter(transaction=txn, status=AttemptStatus.SCHEDULED).count() == 1
    assert "Recovery resumed" in resumed.content.decode()
    assert _audit(organization)[len(before) :] == [
        ("transaction.recovery_paused", txn.public_id),
        ("transaction.recovery_resumed", txn.public_id),
    ]


def test_pausing_twice_changes_nothing_and_is_audited_once(organization) -> None:
    txn = _failed(organization)
    client = _console(organization, Role.ADMIN)
    client.post(f"/app/transactions/{txn.public_id}/pause/")
    audited = len(_audit(organization))

    again = client.post(f"/app/transactions/{txn.public_id}/pause/", follow=True)

    assert "already paused" in again.content.decode()
    assert len(_audit(organization)) == audited


def test_cancel_ends_recovery_for_good_and_revokes_links(organization) -> None:
    txn = _failed(organization)
    link = recovery_link_issue(transaction=txn, lifetime=timedelta(days=1)).link

    _console(organization, Role.ADMIN).post(f"/app/transactions/{txn.public_id}/cancel/")

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.CANCELLED
    assert RecoveryLink.objects.get(pk=link.pk).status == "revoked"
    assert _audit(organization)[-1] == ("transaction.recovery_cancelled", txn.public_id)


def test_restart_reopens_an_abandoned_recovery_and_plans_again(organization) -> None:
    txn = _failed(organization)
    RecoveryAttempt.objects.filter(transaction=txn).delete()
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.ABANDONED)

    response = _console(organization, Role.OWNER).post(f"/app/transactions/{txn.public_id}/restart/", follow=True)

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.FAILED
    assert txn.recovery_restarted_at is not None
    planned = RecoveryAttempt.objects.get(transaction=txn)
    assert planned.reasons[0]["code"] == "control.restarted"
    assert "Recovery restarted" in response.content.decode()
    assert _audit(organization)[-1] == ("transaction.recovery_restarted", txn.public_id)


def test_a_control_the_state_refuses_says_why_and_changes_nothing(organization) -> None:
    txn = _failed(organization)
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.CANCELLED)
    audited = len(_audit(organization))

    response = _console(organization, Role.ADMIN).post(f"/app/transactions/{txn.public_id}/restart/", follow=True)

    assert "was cancelled: it cannot be restarted" in response.content.decode()
    assert Transaction.objects.get(pk=txn.pk).status == TransactionStatus.CANCELLED
    assert len(_audit(organization)) == audited


def test_mark_recovered_outside_tinko_credits_the_merchant_with_the_note(organization) -> None:
    organization.time_zone = "Asia/Kolkata"
    organization.save(update_fields=["time_zone"])
    txn = _failed(organization, amount=129900, currency="INR")

    response = _console(organization, Role.ADMIN).post(
        f"/app/transactions/{txn.public_id}/mark-recovered/",
        {"amount": "1,299.00", "currency": "inr", "paid_at": "2026-01-05T10:30", "note": "NEFT, UTR 4183"},
        follow=True,
    )

    txn.refresh_from_db()
    assert (txn.status, txn.recovered_by, txn.recovered_amount, txn.recovery_note) == (
        TransactionStatus.RECOVERED,
        RecoveredBy.MERCHANT,
        129900,
        "NEFT, UTR 4183",
    )
    assert txn.recovered_at is not None
    assert txn.recovered_at.isoformat() == "2026-01-05T05:00:00+00:00"
    assert not RecoveryAttempt.objects.filter(transaction=txn, status=AttemptStatus.SCHEDULED).exists()
    assert "Marked recovered outside Tinko" in response.content.decode()
    assert _audit(organization)[-1] == ("transaction.marked_recovered", txn.public_id)


def test_a_smaller_payment_is_kept_as_a_mismatch_and_the_transaction_stays_open(organization) -> None:
    txn = _failed(organization, amount=1999, currency="USD")

    response = _console(organization, Role.ADMIN).post(
        f"/app/transactions/{txn.public_id}/mark-recovered/",
        {"amount": "10", "currency": "USD", "paid_at": "2026-01-05T10:30", "note": ""},
        follow=True,
    )

    assert Transaction.objects.get(pk=txn.pk).status == TransactionStatus.FAILED
    assert PaymentMismatch.objects.get(transaction=txn).amount == 1000
    assert "Not marked recovered" in response.content.decode()
    assert _audit(organization)[-1] == ("transaction.payment_mismatch", txn.public_id)


@pytest.mark.parametrize(
    ("amount", "currency", "paid_at", "field"),
    [
        ("abc", "USD", "2026-01-05T10:30", "amount"),
        ("19.999", "USD", "2026-01-05T10:30", "amount"),
        ("0", "USD", "2026-01-05T10:30", "amount"),
        ("NaN", "USD", "2026-01-05T10:30", "amount"),
        ("19.99", "XXY", "2026-01-05T10:30", "currency"),
        ("19.99", "USD", "2999-01-01T00:00", "paid_at"),
    ],
)
def test_a_bad_payment_is_refused_with_the_field_named_and_nothing_recorded(
    organization, amount: str, currency: str, paid_at: str, field: str
) -> None:
    txn = _failed(organization)
    audited = len(_audit(organization))

    response = _console(organization, Role.ADMIN).post(
        f"/app/transactions/{txn.public_id}/mark-recovered/",
        {"amount": amount, "currency": currency, "paid_at": paid_at},
    )

    assert response.status_code == 422
    assert field in response.context["recovered_form"].errors
    assert Transaction.objects.get(pk=txn.pk).status == TransactionStatus.FAILED
    assert not PaymentMismatch.objects.exists()
    assert len(_audit(organization)) == audited


def test_send_a_link_now_emails_a_fresh_link_logged_and_audited(organization) -> None:
    txn = _failed(organization)

    response = _console(organization, Role.ADMIN).post(f"/app/transactions/{txn.public_id}/send-link/", follow=True)

    [email] = mail.outbox
    log = NotificationLog.objects.get(transaction=txn)
    assert log.link is not None
    assert (email.to, log.status, log.attempt_number) == (["payer@example.com"], NotificationStatus.SENT, None)
    assert recovery_link_url(log.link) in email.body
    assert f"emailed to {log.recipient_masked}" in response.content.decode()
    assert _audit(organization)[-1] == ("transaction.link_sent", txn.public_id)


def test_send_a_link_to_a_payer_whose_address_test_data_never_writes_to_says_so(organization) -> None:
    txn = _failed(organization, customer=Customer(email="real.person@gmail.com"))

    response = _console(organization, Role.ADMIN).post(f"/app/transactions/{txn.public_id}/send-link/", follow=True)

    assert mail.outbox == []
    assert NotificationLog.objects.get(transaction=txn).status == NotificationStatus.SUPPRESSED
    assert "the email was not sent: Test data reaches only test addresses" in response.content.decode()


@pytest.mark.parametrize("action", ["send-link", "pause", "resume", "cancel", "restart", "mark-recovered"])
def test_an_analyst_is_refused_every_control_and_nothing_changes(organization, action: str) -> None:
    txn = _failed(organization)
    audited = len(_audit(organization))
    before = Transaction.objects.filter(pk=txn.pk).values().get()

    response = _console(organization, Role.ANALYST).post(
        f"/app/transactions/{txn.public_id}/{action}/",
        {"amount": "19.99", "currency": "USD", "paid_at": "2026-01-05T10:30"},
    )

    assert response.status_code == 403
    assert Transaction.objects.filter(pk=txn.pk).values().get() == before
    assert len(_audit(organization)) == audited
    assert mail.outbox == []


# --- messages ---------------------------------------------------------------------------------


def _sent(
    organization: Organization, *, ref: str, livemode: bool = False, language: str | None = None
) -> NotificationLog:
    txn = _failed(organization, transaction_ref=ref, livemode=livemode)
    link = recovery_link_issue(transaction=txn, lifetime=timedelta(days=3), attempt_number=1).link
    return recovery_email_send(transaction=txn, link=link, language=language)


def test_the_message_log_lists_this_organizations_messages_of_the_mode_shown(organization) -> None:
    ours = _sent(organization, ref="order-1")
    _sent(organization, ref="order-2")
    _sent(organization, ref="order-live", livemode=True)
    _sent(OrganizationFactory.create(), ref="order-theirs")
    client = _console(organization, Role.ANALYST)

    everything = client.get("/app/messages/")
    one = client.get("/app/messages/", {"transaction": ours.transaction.public_id})
    fragment = client.get("/app/messages/", {"transaction": "order-1"}, HTTP_HX_REQUEST="true").content.decode()

    assert _refs_of(everything) == ["order-2", "order-1"]
    assert [log.public_id for log in one.context["page"].notifications] == [ours.public_id]
    assert fragment.lstrip().startswith('<section id="message-results"')
    assert f"/app/messages/{ours.public_id}/" in fragment
    assert "order-2" not in fragment
    assert _refs_of(client.get("/app/messages/", {"status": "failed"})) == []


def _refs_of(response: Any) -> list[str]:
    return [log.transaction.transaction_ref for log in response.context["page"].notifications]


def test_message_pages_follow_keyset_cursors(organization, monkeypatch) -> None:
    monkeypatch.setattr(message_views, "PAGE_SIZE", 1)
    _sent(organization, ref="order-1")
    _sent(organization, ref="order-2")
    client = _console(organization)

    first = client.get("/app/messages/")
    second = client.get("/app/messages/", {"cursor": first.context["page"].next_cursor})

    assert (_refs_of(first), _refs_of(second)) == (["order-2"], ["order-1"])
    assert second.context["page"].next_cursor is None


def test_a_message_is_shown_as_the_payer_saw_it_with_its_links_taken_out(organization) -> None:
    log = _sent(organization, ref="order-1", language="hi")
    [email] = mail.outbox
    assert log.link is not None

    response = _console(organization, Role.ANALYST).get(f"/app/messages/{log.public_id}/")

    body = response.content.decode()
    preview = response.context["preview"]
    assert preview.subject == email.subject
    assert preview.text == email.body.replace(recovery_link_url(log.link) + "?lang=hi", INERT_LINK).replace(
        reminders_stop_url(log), INERT_LINK
    )
    assert recovery_link_url(log.link) not in body
    assert reminders_stop_url(log) not in body
    assert 'sandbox srcdoc="' in body


def test_another_organizations_or_the_other_modes_message_is_not_found(organization) -> None:
    theirs = _sent(OrganizationFactory.create(), ref="order-theirs")
    live = _sent(organization, ref="order-live", livemode=True)
    client = _console(organization)

    assert client.get(f"/app/messages/{theirs.public_id}/").status_code == 404
    assert client.get(f"/app/messages/{live.public_id}/").status_code == 404


def test_empty_lists_teach_the_next_step(organization) -> None:
    client = _console(organization)

    assert "POST /v1/events/payment_failed" in client.get("/app/transactions/").content.decode()
    assert "Send a link now" in client.get("/app/messages/").content.decode()
