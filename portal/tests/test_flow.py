"""A payer pays again from the emailed link: the token leaves the URL, a method opens one sandbox
checkout, the webhook settles it, the receipt follows; and the ways it can go otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from messaging.enums import LinkStatus
from messaging.models import RecoveryLink
from payments.enums import SandboxCheckoutStatus
from payments.gateways.sandbox import gateway as sandbox_gateway
from payments.models import SandboxCheckout
from portal.enums import CheckoutStatus
from portal.models import PayerCheckout
from portal.tests.factories import (
    event_types,
    issued_link,
    link_path,
    opened,
    sandbox_account,
    sandbox_events_deliver,
    sandbox_payment,
    sandbox_posts_through,
)
from recovery.enums import RecoveredBy, TransactionStatus
from recovery.services import PaymentFor, PaymentReceived, transaction_mark_recovered, transactions_mark_recovered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel("2026-11-20 09:00:00Z", tick=True):
        yield


@pytest.fixture(autouse=True)
def _sandbox_delivers_here(monkeypatch) -> None:
    monkeypatch.setattr(sandbox_gateway.requests, "post", sandbox_posts_through(Client()))


@pytest.fixture
def shop(organization_factory):
    organization = organization_factory(
        name="Chai Point", time_zone="Asia/Kolkata", default_currency="INR", support_email="help@chaipoint.example"
    )
    sandbox_account(organization)
    return organization


def _checkout(client: Client, pay_path: str, method: str) -> str:
    response = client.post(f"{pay_path}checkout/", {"method": method})
    assert response.status_code == 303, response.content
    return str(response["Location"])


def _sandbox(location: str) -> SandboxCheckout:
    return SandboxCheckout.objects.get(public_id=urlsplit(location).path.rstrip("/").rsplit("/", 1)[1])


def test_the_token_moves_into_the_session_and_the_pay_page_has_no_token_in_its_url(client: Client, shop) -> None:
    issued = issued_link(transaction=sandbox_payment(organization=shop))
    token = link_path(issued).rstrip("/").rsplit("/", 1)[1]

    pay_path = opened(client, issued)
    page = client.get(pay_path)

    assert pay_path == f"/pay/link/{issued.link.public_id}/"
    assert token not in pay_path
    assert page.status_code == 200
    assert token not in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    csp = page["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert RecoveryLink.objects.get().opened_at is not None


def test_another_browser_without_the_token_gets_the_same_404_as_for_nothing(client: Client, shop) -> None:
    issued = issued_link(transaction=sandbox_payment(organization=shop))
    pay_path = opened(client, issued)

    stranger = Client().get(pay_path)
    nothing = Client().get("/pay/link/rlk_0000000000000000000000/")

    assert stranger.status_code == nothing.status_code == 404
    assert "Chai Point" not in stranger.content.decode()


def test_a_forged_token_is_a_plain_404(client: Client, shop) -> None:
    issued = issued_link(transaction=sandbox_payment(organization=shop))

    response = client.get(link_path(issued)[:-3] + "xx/")

    assert response.status_code == 404
    assert "Chai Point" not in response.content.decode()


def test_the_pay_page_shows_the_amount_the_reason_and_the_classifiers_methods_first(client: Client, shop) -> None:
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))

    page = client.get(pay_path).content.decode()

    assert "₹1,00,000.00" in page
    assert "There were not enough funds in the account for this payment." in page
    assert "a***@e***.com" in page
    assert "asha.rao@example.com" not in page
    methods = [page.index(f'value="{method}"') for method in ("upi", "netbanking", "wallet", "card")]
    assert methods == sorted(methods), "the classifier's alternatives come before another card"


def test_the_page_is_in_hindi_when_asked_on_the_link_and_stays_so(client: Client, shop) -> None:
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)), lang="hi")

    first = client.get(pay_path)
    again = client.get(pay_path)

    assert '<html lang="hi">' in first.content.decode()
    assert "Chai Point को फिर से भुगतान करें" in again.content.decode()
    assert "₹1,00,000.00" in again.content.decode()


def test_the_browsers_language_is_used_when_the_link_says_none(shop) -> None:
    client = Client(headers={"accept-language": "hi-IN,hi;q=0.9,en;q=0.8"})
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))

    assert client.get(pay_path)["Content-Language"] == "hi"


def test_choosing_a_method_twice_opens_one_checkout(client: Client, shop) -> None:
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))

    first = _checkout(client, pay_path, "upi")
    second = _checkout(client, pay_path, "upi")

    assert first == second
    assert SandboxCheckout.objects.count() == 1
    assert _sandbox(first).payment_method_types == ["upi"]
    checkout = PayerCheckout.objects.get()
    assert (checkout.method, checkout.status, checkout.generation) == ("upi", CheckoutStatus.OPEN, 1)
    assert checkout.opened_at is not None


def test_a_method_the_page_does_not_offer_is_refused_and_opens_nothing(client: Client, shop) -> None:
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))

    response = client.post(f"{pay_path}checkout/", {"method": "cash"})

    assert response.status_code == 400
    assert not PayerCheckout.objects.exists()
    assert not SandboxCheckout.objects.exists()


def test_an_expired_checkout_is_replaced_by_a_fresh_one(client: Client, shop) -> None:
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))
    first = _checkout(client, pay_path, "card")

    with time_machine.travel("2026-11-20 10:30:00Z"):
        second = _checkout(client, pay_path, "card")

    assert first != second
    assert list(PayerCheckout.objects.order_by("generation").values_list("generation", "status")) == [
        (1, CheckoutStatus.EXPIRED),
        (2, CheckoutStatus.OPEN),
    ]


def test_paying_in_the_sandbox_then_the_webhook_recovers_it_and_the_receipt_follows(
    client: Client, shop, django_capture_on_commit_callbacks
) -> None:
    transaction = sandbox_payment(organization=shop)
    pay_path = opened(client, issued_link(transaction=transaction))
    other = _sandbox(_checkout(client, pay_path, "card"))
    sandbox = _sandbox(_checkout(client, pay_path, "upi"))
    sandbox_gateway.checkout_pay(checkout=sandbox)
    return_path = urlsplit(sandbox.success_url).path

    confirming = client.get(return_path)
    assert confirming.status_code == 200
    assert "Confirming your payment" in confirming.content.decode()
    assert (
        client.get(return_path, headers={"HX-Request": "true"}).content.decode().strip().startswith('<div id="status"')
    )

    with django_capture_on_commit_callbacks(execute=True):
        sandbox_events_deliver(client)
    settled = client.get(return_path, headers={"HX-Request": "true"})

    assert settled.status_code == 200
    assert settled["HX-Redirect"] == f"{pay_path}receipt/"
    transaction.refresh_from_db()
    assert transaction.status == TransactionStatus.RECOVERED
    assert transaction.recovered_by == RecoveredBy.PAYER
    other.refresh_from_db()
    assert other.status == SandboxCheckoutStatus.EXPIRED, "the other open checkout can no longer take money"
    assert dict(PayerCheckout.objects.values_list("method", "status")) == {
        "upi": CheckoutStatus.PAID,
        "card": CheckoutStatus.CLOSED,
    }
    assert RecoveryLink.objects.get().status == LinkStatus.USED
    receipt = client.get(f"{pay_path}receipt/").content.decode()
    assert "Payment received" in receipt
    assert "₹1,00,000.00" in receipt
    assert transaction.transaction_ref in receipt
    [email] = mail.outbox
    assert email.to == ["asha.rao@example.com"]
    assert email.subject == "Chai Point: your payment of ₹1,00,000.00 is received"
    assert client.get(pay_path)["Location"] == f"{pay_path}receipt/", "a used link shows the receipt"


def test_without_the_webhook_the_gateway_is_asked_after_the_timeout(client: Client, shop, settings) -> None:
    settings.PORTAL_CONFIRM_SECONDS = 10
    transaction = sandbox_payment(organization=shop)
    pay_path = opened(client, issued_link(transaction=transaction))
    sandbox = _sandbox(_checkout(client, pay_path, "card"))
    sandbox_gateway.checkout_pay(checkout=sandbox)
    return_path = urlsplit(sandbox.success_url).path
    assert "Confirming" in client.get(return_path).content.decode()

    with time_machine.travel("2026-11-20 09:01:00Z"):
        response = client.get(return_path)

    assert response["Location"] == f"{pay_path}receipt/"
    transaction.refresh_from_db()
    assert transaction.status == TransactionStatus.RECOVERED


def test_the_timeout_says_what_happens_next_when_the_gateway_cannot_say_either(client: Client, shop, settings) -> None:
    settings.PORTAL_CONFIRM_SECONDS = 10
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))
    sandbox = _sandbox(_checkout(client, pay_path, "card"))
    return_path = urlsplit(sandbox.success_url).path
    client.get(return_path)

    with time_machine.travel("2026-11-20 09:01:00Z"):
        page = client.get(return_path).content.decode()

    assert "Your payment is still being confirmed." in page
    assert "You do not need to pay again" in page
    assert "hx-get" not in page


def test_a_decline_in_the_sandbox_brings_the_payer_back_with_the_other_methods_first(
    client: Client, shop, django_capture_on_commit_callbacks
) -> None:
    pay_path = opened(client, issued_link(transaction=sandbox_payment(organization=shop)))
    sandbox = _sandbox(_checkout(client, pay_path, "upi"))
    sandbox_gateway.checkout_decline(checkout=sandbox, decline_code="insufficient_funds")
    with django_capture_on_commit_callbacks(execute=True):
        sandbox_events_deliver(client)

    back = client.get(urlsplit(sandbox.cancel_url).path)
    page = client.get(back["Location"]).content.decode()

    assert back["Location"] == f"{pay_path}?m=declined"
    assert "Your payment was declined. Nothing was charged." in page
    assert page.index('value="netbanking"') < page.index('value="upi"'), "the declined method goes last"
    assert PayerCheckout.objects.get().decline_code == "insufficient_funds"


def test_an_expired_link_sends_a_new_one_to_the_address_on_file_a_few_times_at_most(client: Client, shop) -> None:
    transaction = sandbox_payment(organization=shop)
    pay_path = opened(client, issued_link(transaction=transaction, lifetime=timedelta(hours=1)))

    with time_machine.travel("2026-11-20 11:00:00Z"):
        expired = client.get(pay_path)
        sent = [client.post(f"{pay_path}new-link/", {"email": "someone@else.example"}) for _ in range(4)]

    assert expired.status_code == 410
    assert "Send a new link to a***@e***.com" in expired.content.decode()
    assert [response.status_code for response in sent] == [200, 200, 200, 429]
    assert "We have sent a new link to a***@e***.com" in sent[0].content.decode()
    assert {email.to[0] for email in mail.outbox} == {"asha.rao@example.com"}
    assert RecoveryLink.objects.filter(transaction=transaction).count() == 4, "the expired one and three new ones"


def test_payments_recovered_together_close_the_checkouts_of_those_that_had_one(
    client: Client, shop, django_capture_on_commit_callbacks
) -> None:
    """A worker's re-charges recover many transactions at once: one task for all of them closes the
    open checkouts of those that had one."""
    with_checkout = sandbox_payment(organization=shop)
    without = sandbox_payment(organization=shop)
    sandbox = _sandbox(_checkout(client, opened(client, issued_link(transaction=with_checkout)), "card"))
    payments = [
        PaymentFor(
            organization=shop,
            livemode=False,
            payment=PaymentReceived(
                transaction_ref=transaction.transaction_ref,
                amount=transaction.amount,
                currency="INR",
                paid_at=timezone.now(),
            ),
        )
        for transaction in (with_checkout, without)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        transactions_mark_recovered(payments=payments)

    sandbox.refresh_from_db()
    assert sandbox.status == SandboxCheckoutStatus.EXPIRED
    assert PayerCheckout.objects.get().status == CheckoutStatus.CLOSED


def test_a_payment_recovered_another_way_closes_the_open_checkout(
    client: Client, shop, django_capture_on_commit_callbacks
) -> None:
    transaction = sandbox_payment(organization=shop)
    pay_path = opened(client, issued_link(transaction=transaction))
    sandbox = _sandbox(_checkout(client, pay_path, "card"))

    with django_capture_on_commit_callbacks(execute=True):
        transaction_mark_recovered(
            organization=shop,
            livemode=False,
            payment=PaymentReceived(
                transaction_ref=transaction.transaction_ref,
                amount=transaction.amount,
                currency="INR",
                paid_at=timezone.now(),
            ),
        )

    sandbox.refresh_from_db()
    assert sandbox.status == SandboxCheckoutStatus.EXPIRED
    assert PayerCheckout.objects.get().status == CheckoutStatus.CLOSED
    assert "checkout.expired" in event_types()
    assert not mail.outbox
