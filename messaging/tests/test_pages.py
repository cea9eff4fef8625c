"""The payer's pages: what a recovery link is for, why a dead one no longer works, and stopping reminders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from messaging.enums import NotificationStatus, OptOutSource
from messaging.models import NotificationLog, RecoveryLink, ReminderOptOut
from messaging.services import recovery_email_send, recovery_links_revoke, reminders_stop_url
from messaging.tests.factories import failed_transaction, issued_link
from messaging.tokens import recovery_link_token, reminders_stop_token
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from recovery.services import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel("2026-11-20 09:00:00Z", tick=False):
        yield


@pytest.fixture
def shop(organization_factory):
    return organization_factory(
        name="Chai Point", time_zone="Asia/Kolkata", default_currency="INR", support_email="help@chaipoint.example"
    )


def _path(url: str) -> str:
    return urlsplit(url).path


def _sent_log(shop) -> NotificationLog:
    transaction = failed_transaction(organization=shop)
    link = issued_link(transaction=transaction).link
    log = recovery_email_send(transaction=transaction, link=link, language="hi")
    assert log.status == NotificationStatus.SENT
    return log


def test_the_link_moves_its_token_into_the_session_and_goes_on_to_a_token_free_page(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop), lifetime=timedelta(days=3))

    response = client.get(_path(issued.url) + "?lang=hi")

    assert response.status_code == 302
    assert response["Location"] == f"/pay/link/{issued.link.public_id}/?lang=hi"
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert client.session["tinko_pay_links"] == [issued.link.public_id]


def test_the_recovery_page_says_what_it_is_for_in_english(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop), lifetime=timedelta(days=3))

    response = client.get(_path(issued.url), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Pay Chai Point again</h1>" in page
    assert "Your payment of ₹1,00,000.00 to Chai Point did not go through." in page
    assert "There were not enough funds in the account for this payment." in page
    assert "23 November 2026, 2:30 pm IST" in page
    assert 'href="mailto:help@chaipoint.example"' in page
    assert '<a href="?lang=hi" hreflang="hi" lang="hi">हिन्दी में पढ़ें</a>' in page
    assert response["Content-Language"] == "en"
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_recovery_page_in_hindi(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop), lifetime=timedelta(days=3))

    response = client.get(_path(issued.url) + "?lang=hi", follow=True)

    page = response.content.decode()
    assert '<html lang="hi">' in page
    assert "<h1>Chai Point को फिर से भुगतान करें</h1>" in page
    assert "Chai Point को आपका ₹1,00,000.00 का भुगतान नहीं हो पाया।" in page
    assert "23 नवंबर 2026, 2:30 pm IST" in page
    assert "मुख्य सामग्री पर जाएँ" in page
    assert "Tinko द्वारा सुरक्षित।" in page
    assert '<a href="?lang=en" hreflang="en" lang="en">Read in English</a>' in page
    assert response["Content-Language"] == "hi"


def test_the_page_follows_the_organizations_language_unless_the_payer_chose(shop) -> None:
    shop.payer_language = "hi"
    shop.save(update_fields=["payer_language"])
    path = _path(issued_link(transaction=failed_transaction(organization=shop)).url)

    assert '<html lang="hi">' in Client().get(path, follow=True).content.decode()
    assert '<html lang="en">' in Client().get(path + "?lang=en", follow=True).content.decode()


def test_opening_the_page_records_it(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop))

    client.get(_path(issued.url))

    issued.link.refresh_from_db()
    assert issued.link.opened_at is not None


def test_a_forged_link_is_a_plain_not_found(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop))
    forged = _path(issued.url)[:-3] + "xx/"

    response = client.get(forged)

    assert response.status_code == 404
    page = response.content.decode()
    assert "Chai Point" not in page
    assert "₹" not in page
    issued.link.refresh_from_db()
    assert issued.link.opened_at is None
    assert "tinko_pay_links" not in client.session


def test_an_unknown_but_well_signed_link_is_the_same_not_found(client: Client) -> None:
    response = client.get(f"/pay/retry/{recovery_link_token('rlk_0000000000000000000000')}/")

    assert response.status_code == 404


def test_an_expired_link_explains_itself(client: Client, shop) -> None:
    transaction = failed_transaction(organization=shop, customer=Customer())
    issued = issued_link(transaction=transaction, lifetime=timedelta(hours=1))

    with time_machine.travel("2026-11-20 10:00:01Z", tick=False):
        response = client.get(_path(issued.url), follow=True)

    assert response.status_code == 410
    page = response.content.decode()
    assert "<h1>This link has expired</h1>" in page
    assert "To pay ₹1,00,000.00, ask Chai Point for a new link." in page
    assert RecoveryLink.objects.get().status == "expired"


def test_a_recovered_payment_shows_its_receipt_in_hindi(client: Client, shop) -> None:
    transaction = failed_transaction(organization=shop)
    issued = issued_link(transaction=transaction)
    Transaction.objects.filter(pk=transaction.pk).update(
        status=TransactionStatus.RECOVERED, recovered_at=timezone.now(), recovered_amount=transaction.amount
    )

    response = client.get(_path(issued.url) + "?lang=hi", follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>भुगतान मिल गया</h1>" in page
    assert "धन्यवाद। Chai Point को आपका ₹1,00,000.00 का भुगतान मिल गया है।" in page


def test_a_revoked_link_says_the_request_is_closed(client: Client, shop) -> None:
    transaction = failed_transaction(organization=shop)
    issued = issued_link(transaction=transaction)
    recovery_links_revoke(transaction=transaction)

    response = client.get(_path(issued.url), follow=True)

    assert response.status_code == 410
    assert "<h1>This link no longer works</h1>" in response.content.decode()


def test_only_get_is_answered_on_a_recovery_link(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop))

    assert client.post(_path(issued.url)).status_code == 405


def test_the_stop_page_asks_before_it_stops(client: Client, shop) -> None:
    log = _sent_log(shop)

    response = client.get(_path(reminders_stop_url(log)))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="hi">' in page
    assert "<h1>इस भुगतान के रिमाइंडर बंद करें?</h1>" in page
    assert '<button class="button button-primary" type="submit">रिमाइंडर बंद करें</button>' in page
    assert not ReminderOptOut.objects.exists()


def test_a_one_click_unsubscribe_stops_reminders_with_200_and_no_redirect(shop) -> None:
    log = _sent_log(shop)
    # As a mail program sends it (RFC 8058 §3.2): no cookies, no CSRF token, the fixed body.
    mail_program = Client(enforce_csrf_checks=True)

    response = mail_program.post(
        _path(reminders_stop_url(log)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "Location" not in response
    assert "<h1>रिमाइंडर बंद कर दिए गए हैं</h1>" in response.content.decode()
    opt_out = ReminderOptOut.objects.get()
    assert (opt_out.transaction_id, opt_out.notification_id, opt_out.source) == (
        log.transaction_id,
        log.pk,
        OptOutSource.ONE_CLICK,
    )
    assert opt_out.organization_id == shop.pk


def test_a_one_click_unsubscribe_as_multipart_form_data_counts_too(shop) -> None:
    log = _sent_log(shop)

    response = Client(enforce_csrf_checks=True).post(
        _path(reminders_stop_url(log)), data={"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert ReminderOptOut.objects.get().source == OptOutSource.ONE_CLICK


def test_the_payers_button_stops_reminders_and_a_second_click_changes_nothing(client: Client, shop) -> None:
    log = _sent_log(shop)
    path = _path(reminders_stop_url(log))

    first = client.post(path + "?lang=en")
    second = client.post(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert "<h1>Reminders are stopped</h1>" in first.content.decode()
    opt_out = ReminderOptOut.objects.get()
    assert opt_out.source == OptOutSource.STOP_PAGE
    assert "<h1>Reminders are stopped</h1>" in client.get(path + "?lang=en").content.decode()


def test_a_forged_stop_link_is_a_plain_not_found_and_stops_nothing(client: Client, shop) -> None:
    log = _sent_log(shop)
    forged = f"/pay/stop/{reminders_stop_token(log.public_id)[:-2]}xx/"

    assert client.get(forged).status_code == 404
    assert Client(enforce_csrf_checks=True).post(forged, {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_a_recovery_link_token_does_not_open_the_stop_page(client: Client, shop) -> None:
    issued = issued_link(transaction=failed_transaction(organization=shop))
    token = _path(issued.url).split("/")[3]

    assert client.post(f"/pay/stop/{token}/").status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_the_merchant_name_is_escaped_on_the_page(client: Client, organization_factory) -> None:
    shop = organization_factory(name="Tom & Jerry <Shop>", default_currency="INR")
    issued = issued_link(transaction=failed_transaction(organization=shop))

    page = client.get(_path(issued.url), follow=True).content.decode()

    assert "<h1>Pay Tom &amp; Jerry &lt;Shop&gt; again</h1>" in page
    assert "<Shop>" not in page
