"""The recovery email: the merchant's brand, the payer's language, the amount as they write it, a link to
pay and a way to stop, sent once per attempt."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from accounts.models import OrganizationLogo
from accounts.tests.factories import MembershipFactory
from messaging.enums import NotificationStatus, OptOutSource
from messaging.models import NotificationLog
from messaging.services import recovery_email_send, reminders_stop
from messaging.tests.factories import LAKH_IN_PAISE, failed_transaction, issued_link, transaction_set_status
from messaging.tokens import reminders_stop_token
from recovery.enums import TransactionStatus
from recovery.services import Customer

pytestmark = pytest.mark.django_db
BASE = "https://pay.tinko.test"


@pytest.fixture(autouse=True)
def _now_and_base(settings) -> Iterator[None]:
    settings.PUBLIC_BASE_URL = BASE
    with time_machine.travel("2026-11-20 09:00:00Z", tick=False):
        yield


@pytest.fixture
def shop(organization_factory):
    return organization_factory(
        name="Chai Point",
        time_zone="Asia/Kolkata",
        default_currency="INR",
        support_email="help@chaipoint.example",
        support_phone="+918000000000",
    )


def _sent(*, shop, language: str | None = None, **transaction_overrides):
    transaction = failed_transaction(organization=shop, **transaction_overrides)
    link = issued_link(transaction=transaction, lifetime=timedelta(days=3), attempt_number=1)
    log = recovery_email_send(transaction=transaction, link=link.link, language=language)
    return transaction, link, log


def _parts(message) -> tuple[str, str]:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


def test_the_english_email_has_both_parts_with_the_amount_in_indian_grouping(shop) -> None:
    _, link, log = _sent(shop=shop, language="en")

    [message] = mail.outbox
    text, html = _parts(message)
    assert message.subject == "Chai Point: your payment of ₹1,00,000.00 did not go through"
    assert message.to == ["asha.rao@example.com"]
    assert message.from_email == "Chai Point <no-reply@tinko.test>"
    assert message.reply_to == ["help@chaipoint.example"]
    pay_url = f"{link.url}?lang=en"
    stop_url = f"{BASE}/pay/stop/{reminders_stop_token(log.public_id)}/"
    for part in (text, html):
        assert "Hello Asha Rao," in part
        assert "Your payment of ₹1,00,000.00 to Chai Point did not go through." in part
        assert "There were not enough funds in the account for this payment." in part
        assert "You can pay by UPI instead, or try again once the money is in your account." in part
        assert pay_url in part
        assert stop_url in part
        assert "23 November 2026, 2:30 pm IST" in part
        assert "help@chaipoint.example" in part
    assert "Pay again:\n" + pay_url in text
    assert f'<a href="{pay_url}"' in html
    assert ">Pay ₹1,00,000.00</a>" in html
    assert '<html lang="en" dir="ltr">' in html
    assert "background: #4338ca; color: #ffffff" in html


def test_the_email_carries_one_click_unsubscribe_and_its_own_message_id(shop) -> None:
    _, _, log = _sent(shop=shop, language="en")

    [message] = mail.outbox
    headers = message.message()
    assert headers["List-Unsubscribe"] == f"<{BASE}/pay/stop/{reminders_stop_token(log.public_id)}/>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Content-Language"] == "en"
    assert headers["Message-ID"] == log.provider_message_id
    assert re.fullmatch(rf"<[0-9.]+\.{log.public_id}@tinko\.test>", log.provider_message_id)


def test_the_hindi_email_is_in_hindi_with_the_same_amount(shop) -> None:
    _, link, _ = _sent(shop=shop, language="hi")

    [message] = mail.outbox
    text, html = _parts(message)
    assert message.subject == "Chai Point: आपका ₹1,00,000.00 का भुगतान नहीं हो पाया"
    assert message.message()["Content-Language"] == "hi"
    for part in (text, html):
        assert "नमस्ते Asha Rao," in part
        assert "Chai Point को आपका ₹1,00,000.00 का भुगतान नहीं हो पाया।" in part
        assert "इस भुगतान के लिए खाते में पर्याप्त राशि नहीं थी।" in part
        assert "आप इसकी जगह UPI से भुगतान कर सकते हैं" in part
        assert "यह लिंक 23 नवंबर 2026, 2:30 pm IST तक काम करेगा।" in part
        assert f"{link.url}?lang=hi" in part
        assert "Hello" not in part
    assert '<html lang="hi" dir="ltr">' in html
    assert ">₹1,00,000.00 का भुगतान करें</a>" in html
    assert "इस भुगतान के रिमाइंडर बंद करें" in html


def test_without_a_chosen_language_the_organization_default_is_used(shop) -> None:
    shop.payer_language = "hi"
    shop.save(update_fields=["payer_language"])

    _, _, log = _sent(shop=shop, language=None)

    assert log.language == "hi"
    assert mail.outbox[0].message()["Content-Language"] == "hi"


def test_a_regional_language_tag_counts_as_its_language_and_an_unknown_one_as_the_default(shop) -> None:
    _, _, hindi = _sent(shop=shop, language="hi-IN")
    _, _, unknown = _sent(shop=shop, language="ta")

    assert (hindi.language, unknown.language) == ("hi", "en")


def test_the_copy_follows_the_decline_category(shop) -> None:
    _sent(shop=shop, language="en", failure_code="authentication_required", failure_message="")
    _sent(shop=shop, language="hi", failure_code="authentication_required", failure_message="")

    english, hindi = (_parts(message)[0] for message in mail.outbox)
    assert "Your bank asked you to confirm this payment, and it was not confirmed in time." in english
    assert "for example with a one-time password (OTP)" in english
    assert "आपके बैंक ने आपसे इस भुगतान की पुष्टि करने को कहा था" in hindi


def test_outside_rupees_the_amount_groups_in_thousands_and_upi_is_not_offered(shop) -> None:
    _sent(shop=shop, language="en", amount=123456789, currency="USD")

    [message] = mail.outbox
    text = _parts(message)[0]
    assert message.subject == "Chai Point: your payment of $1,234,567.89 did not go through"
    assert "You can pay with another card instead" in text
    assert "UPI" not in text
    assert "23 November 2026, 2:30 PM IST" in text


def test_a_zero_decimal_currency_keeps_no_decimals_in_hindi(shop) -> None:
    _sent(shop=shop, language="hi", amount=5000, currency="JPY")

    assert "JP¥5,000 का भुगतान नहीं हो पाया" in mail.outbox[0].subject


def test_the_merchant_logo_and_colour_are_used(shop) -> None:
    shop.accent_colour = "#0f766e"
    shop.save(update_fields=["accent_colour"])
    logo = OrganizationLogo.objects.create(organization=shop, content=b"png", sha256="ab" * 32, width=10, height=10)

    _sent(shop=shop, language="en")

    html = _parts(mail.outbox[0])[1]
    assert f'<img src="{BASE}/brand/{shop.public_id}/logo/{logo.sha256[:16]}.png" alt="Chai Point"' in html
    assert "background: #0f766e; color: #ffffff" in html


@override_settings(PUBLIC_BASE_URL="http://127.0.0.1:8000")
def test_over_plain_http_the_stop_link_is_listed_without_the_one_click_promise(shop) -> None:
    _, _, log = _sent(shop=shop, language="en")

    headers = mail.outbox[0].message()
    assert headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000/pay/stop/{reminders_stop_token(log.public_id)}/>"
    assert headers["List-Unsubscribe-Post"] is None


def test_the_log_records_the_send_with_the_address_masked(shop) -> None:
    transaction, link, log = _sent(shop=shop, language="hi")

    log.refresh_from_db()
    assert log.status == NotificationStatus.SENT
    assert log.sent_at.isoformat() == "2026-11-20T09:00:00+00:00"
    assert (log.channel, log.template, log.language) == ("email", "recovery", "hi")
    assert log.recipient_masked == "a***@e***.com"
    assert (log.transaction_id, log.link_id, log.attempt_number) == (transaction.pk, link.link.pk, 1)
    assert log.organization_id == shop.pk
    assert log.error == ""
    assert "asha" not in str(NotificationLog.objects.filter(pk=log.pk).values().get())


def test_the_sent_line_names_the_email_its_transaction_and_its_link(shop, caplog) -> None:
    caplog.set_level(logging.INFO, logger="messaging.services.email")

    transaction, link, log = _sent(shop=shop, language="hi")

    [record] = [record for record in caplog.records if record.message == "recovery_email_sent"]
    assert (record.org_id, record.transaction_id, record.notification_id) == (
        shop.public_id,
        transaction.public_id,
        log.public_id,
    )
    assert (record.link_id, record.attempt_number, record.language) == (link.link.public_id, 1, "hi")
    assert record.message_id == log.provider_message_id


def test_a_send_run_twice_sends_once(shop) -> None:
    transaction, link, first = _sent(shop=shop, language="en")

    again = recovery_email_send(transaction=transaction, link=link.link, language="hi")

    assert again.pk == first.pk
    assert again.language == "en"
    assert len(mail.outbox) == 1
    assert NotificationLog.objects.count() == 1


def test_each_attempt_sends_its_own_email(shop) -> None:
    transaction = failed_transaction(organization=shop)

    for attempt in (1, 2):
        link = issued_link(transaction=transaction, attempt_number=attempt)
        recovery_email_send(transaction=transaction, link=link.link)

    assert len(mail.outbox) == 2
    assert list(NotificationLog.objects.order_by("attempt_number").values_list("attempt_number", flat=True)) == [1, 2]


def test_a_failed_send_is_logged_and_sent_when_tried_again(shop) -> None:
    transaction = failed_transaction(organization=shop)
    link = issued_link(transaction=transaction).link

    with override_settings(EMAIL_BACKEND="messaging.tests.mail_backends.DisconnectingBackend"):
        failed = recovery_email_send(transaction=transaction, link=link)
    assert failed.status == NotificationStatus.FAILED
    assert failed.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert failed.sent_at is None
    assert mail.outbox == []

    retried = recovery_email_send(transaction=transaction, link=link)

    assert retried.pk == failed.pk
    assert retried.status == NotificationStatus.SENT
    assert retried.error == ""
    assert len(mail.outbox) == 1
    assert recovery_email_send(transaction=transaction, link=link).status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


def test_a_refused_recipient_is_a_failure_with_the_servers_reason(shop) -> None:
    transaction = failed_transaction(organization=shop)
    link = issued_link(transaction=transaction).link

    with override_settings(EMAIL_BACKEND="messaging.tests.mail_backends.RefusingBackend"):
        log = recovery_email_send(transaction=transaction, link=link)

    assert log.status == NotificationStatus.FAILED
    assert log.error == "SMTPRecipientsRefused: {'a***@e***.com': (550, b'5.1.1 No such user')}"


def test_no_email_goes_out_once_the_payer_stopped_reminders(shop) -> None:
    transaction, _, first = _sent(shop=shop, language="en")
    reminders_stop(notification=first, source=OptOutSource.STOP_PAGE)
    mail.outbox.clear()

    link = issued_link(transaction=transaction, attempt_number=2).link
    log = recovery_email_send(transaction=transaction, link=link)

    assert mail.outbox == []
    assert log.status == NotificationStatus.SUPPRESSED
    assert log.error == "reminders_stopped"
    assert log.recipient_masked == "a***@e***.com"


def test_no_email_goes_out_without_an_address(shop) -> None:
    transaction = failed_transaction(organization=shop, customer=Customer(phone="+919876543210"))
    link = issued_link(transaction=transaction).link

    log = recovery_email_send(transaction=transaction, link=link)

    assert mail.outbox == []
    assert (log.status, log.error, log.recipient_masked) == (NotificationStatus.SUPPRESSED, "no_address", "")


@pytest.mark.parametrize("status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED])
def test_no_email_goes_out_once_the_payment_settled(shop, status) -> None:
    transaction = failed_transaction(organization=shop)
    link = issued_link(transaction=transaction).link
    transaction_set_status(transaction, status)

    log = recovery_email_send(transaction=transaction, link=link)

    assert mail.outbox == []
    assert (log.status, log.error) == (NotificationStatus.SUPPRESSED, "link_unusable")


def test_a_link_of_another_transaction_is_refused(shop) -> None:
    transaction = failed_transaction(organization=shop)
    other_link = issued_link(transaction=failed_transaction(organization=shop)).link

    with pytest.raises(ValueError, match="another transaction"):
        recovery_email_send(transaction=transaction, link=other_link)
    assert not NotificationLog.objects.exists()
    assert mail.outbox == []


def test_the_amount_is_the_transactions(shop) -> None:
    _sent(shop=shop, language="en", amount=LAKH_IN_PAISE * 25 + 50)

    assert "₹25,00,000.50" in mail.outbox[0].subject


def test_the_merchant_name_is_escaped_in_html_and_plain_in_text(organization_factory) -> None:
    shop = organization_factory(name="Tom & Jerry <Shop>", default_currency="INR")

    _sent(shop=shop, language="en")

    [message] = mail.outbox
    text, html = _parts(message)
    assert message.subject == "Tom & Jerry <Shop>: your payment of ₹1,00,000.00 did not go through"
    assert "to Tom & Jerry <Shop> did not go through." in text
    assert "to Tom &amp; Jerry &lt;Shop&gt; did not go through." in html
    assert "<Shop>" not in html


def test_the_log_and_the_stop_are_in_the_transactions_mode(shop) -> None:
    _, _, log = _sent(shop=shop, language="en", livemode=True)

    opt_out = reminders_stop(notification=log, source=OptOutSource.STOP_PAGE)

    assert (log.livemode, opt_out.livemode) == (True, True)


def test_test_data_never_emails_a_real_payer(shop) -> None:
    transaction = failed_transaction(organization=shop, customer=Customer(email="asha.rao@gmail.com"))
    log = recovery_email_send(transaction=transaction, link=issued_link(transaction=transaction).link)

    assert mail.outbox == []
    assert (log.status, log.error) == (NotificationStatus.SUPPRESSED, "test_mode_recipient")


def test_test_data_reaches_the_teams_own_address_and_live_data_any(shop) -> None:
    member = MembershipFactory.create(organization=shop, user__email="owner@chaipoint.in")
    own = failed_transaction(organization=shop, customer=Customer(email=member.user.email.upper()))
    live = failed_transaction(organization=shop, livemode=True, customer=Customer(email="asha.rao@gmail.com"))

    for transaction in (own, live):
        log = recovery_email_send(transaction=transaction, link=issued_link(transaction=transaction).link)
        assert log.status == NotificationStatus.SENT
    assert [message.to for message in mail.outbox] == [["OWNER@CHAIPOINT.IN"], ["asha.rao@gmail.com"]]
