"""The sandbox's hosted checkout page, and delivery of its events to Tinko's own webhook endpoint."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from payments.enums import OutcomeType, SandboxCheckoutStatus, WebhookEventStatus
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.gateways.sandbox.gateway import checkouts_expire_due, event_deliver, events_undelivered
from payments.gateways.sandbox.tasks import sandbox_sweep_task
from payments.interface import CheckoutRequest, CustomerDetails, PaymentReferences
from payments.models import SandboxCheckout, SandboxEvent, SandboxPayment, WebhookEvent
from payments.selectors import gateway_credentials
from tinko.money import Money


def _checkout(account, **overrides) -> SandboxCheckout:
    fields = {
        "amount": Money(49900, "INR"),
        "description": "Order 1042",
        "idempotency_key": "checkout-rec_5pQ1-1",
        "references": PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1"),
        "customer": CustomerDetails(email="asha@example.com", name="Asha Rao"),
        **overrides,
    }
    session = SandboxAdapter().create_checkout(
        credentials=gateway_credentials(account=account), request=CheckoutRequest(**fields)
    )
    return SandboxCheckout.objects.get(public_id=session.checkout_id)


def _url(checkout: SandboxCheckout) -> str:
    return f"/sandbox/checkout/{checkout.public_id}/"


@pytest.mark.django_db
def test_the_page_says_it_is_a_sandbox_and_shows_the_payment(client: Client, sandbox_account):
    checkout = _checkout(sandbox_account)

    response = client.get(_url(checkout))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Sandbox" in page
    assert "No card is charged" in page
    assert "499.00 INR" in page
    assert f"Pay {sandbox_account.organization.name}" in page
    assert 'value="insufficient_funds"' in page
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_declining_records_a_failed_payment_emits_payment_failed_and_keeps_the_checkout_open(
    client: Client, sandbox_account, django_capture_on_commit_callbacks
):
    checkout = _checkout(sandbox_account)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_url(checkout), {"action": "decline", "decline_code": "expired_card"})

    assert response.status_code == 302
    assert response["Location"] == _url(checkout)
    payment = SandboxPayment.objects.get()
    assert (payment.status, payment.decline_code, payment.failure_code) == ("failed", "expired_card", "expired_card")
    body = json.loads(SandboxEvent.objects.get().body)
    assert body["type"] == "payment.failed"
    assert body["data"]["object"]["failure"]["advice_code"] == "confirm_card_data"
    assert body["data"]["object"]["metadata"] == {"tinko_transaction_ref": "order-1042", "tinko_link_id": "rec_5pQ1"}
    assert len(callbacks) == 1
    checkout.refresh_from_db()
    assert checkout.status == SandboxCheckoutStatus.OPEN
    assert "Payment declined: Your card has expired." in client.get(_url(checkout)).content.decode()


@pytest.mark.django_db
def test_paying_completes_the_checkout_once_and_returns_to_the_merchant(client: Client, sandbox_account):
    checkout = _checkout(sandbox_account, success_url="https://merchant.example/thanks")

    first = client.post(_url(checkout), {"action": "pay"})
    second = client.post(_url(checkout), {"action": "pay"})

    assert (first.status_code, first["Location"]) == (302, "https://merchant.example/thanks")
    assert second["Location"] == _url(checkout)
    assert SandboxPayment.objects.filter(status="succeeded").count() == 1
    assert list(SandboxEvent.objects.values_list("event_type", flat=True)) == ["payment.succeeded"]
    checkout.refresh_from_db()
    assert checkout.status == SandboxCheckoutStatus.COMPLETE


@pytest.mark.django_db
def test_letting_it_expire_emits_checkout_expired(client: Client, sandbox_account):
    checkout = _checkout(sandbox_account)

    client.post(_url(checkout), {"action": "expire"})

    checkout.refresh_from_db()
    assert checkout.status == SandboxCheckoutStatus.EXPIRED
    assert list(SandboxEvent.objects.values_list("event_type", flat=True)) == ["checkout.expired"]
    assert "This checkout has expired." in client.get(_url(checkout)).content.decode()


@pytest.mark.django_db
def test_an_unknown_decline_code_changes_nothing(client: Client, sandbox_account):
    checkout = _checkout(sandbox_account)

    response = client.post(_url(checkout), {"action": "decline", "decline_code": "made_up"})

    assert response.status_code == 400
    assert SandboxPayment.objects.count() == 0
    assert SandboxEvent.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_checkout_is_404(client: Client):
    assert client.get("/sandbox/checkout/sbxcs_missing/").status_code == 404


@pytest.mark.django_db
def test_overdue_checkouts_expire_and_undelivered_events_are_found(sandbox_account):
    checkout = _checkout(sandbox_account, expires_at=timezone.now() - timedelta(minutes=1))
    fresh = _checkout(sandbox_account, idempotency_key="another")

    assert checkouts_expire_due(now=timezone.now()) == 1

    assert SandboxCheckout.objects.get(pk=checkout.pk).status == SandboxCheckoutStatus.EXPIRED
    assert SandboxCheckout.objects.get(pk=fresh.pk).status == SandboxCheckoutStatus.OPEN
    event = SandboxEvent.objects.get()
    assert events_undelivered(older_than=timezone.now()) == [event.pk]
    assert events_undelivered(older_than=event.created_at - timedelta(seconds=1)) == []


@pytest.mark.django_db
def test_a_delivery_to_an_unreachable_endpoint_is_counted_for_retry(sandbox_account, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    checkout = _checkout(sandbox_account)
    Client().post(_url(checkout), {"action": "decline", "decline_code": "generic_decline"})
    event = SandboxEvent.objects.get()

    assert event_deliver(event=event) is False

    event.refresh_from_db()
    assert (event.delivered_at, event.delivery_attempts, event.last_delivery_error) == (None, 1, "ConnectionError")


@pytest.mark.django_db(transaction=True)
def test_a_declined_sandbox_payment_reaches_the_outcome_handler_through_a_signed_http_webhook(
    live_server, settings, sandbox_account, outcomes
):
    settings.PUBLIC_BASE_URL = live_server.url
    checkout = _checkout(sandbox_account)

    response = Client().post(_url(checkout), {"action": "decline", "decline_code": "insufficient_funds"})

    assert response.status_code == 302
    event = SandboxEvent.objects.get()
    assert event.delivered_at is not None
    assert event.delivery_attempts == 1
    inbox = WebhookEvent.objects.get()
    assert (inbox.provider, inbox.event_id, inbox.status) == ("sandbox", event.public_id, WebhookEventStatus.DONE)
    [(outcome, account)] = outcomes
    assert account == sandbox_account
    assert outcome.type == OutcomeType.PAYMENT_FAILED
    assert outcome.references == PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1")
    assert (outcome.amount, outcome.currency) == (49900, "INR")
    assert outcome.failure.decline_code == "insufficient_funds"
    assert outcome.failure.network_decline_code == "51"
    assert outcome.customer == CustomerDetails(email="asha@example.com", name="Asha Rao")

    # A redelivery of the same event (the sweeper after a lost acknowledgement) changes nothing.
    SandboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    assert sandbox_sweep_task.apply(throw=True).get() == 0, "not due yet: younger than five minutes"
    event.refresh_from_db()
    assert event_deliver(event=event) is True
    assert WebhookEvent.objects.count() == 1
    assert len(outcomes) == 1
