"""The sandbox gateway as a provider: checkouts, re-charges, refunds, each idempotent and each
announced by an event that the sandbox then owes Tinko's webhook endpoint."""

import json

import pytest

from payments.enums import PaymentStatus, RefundStatus
from payments.exceptions import GatewayTerminalError
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.interface import (
    ChargeResult,
    CheckoutRequest,
    ConnectionKeys,
    CustomerDetails,
    FailureDetails,
    PaymentReferences,
    RefundRequest,
    SavedMethodCharge,
)
from payments.models import SandboxCheckout, SandboxEvent, SandboxPayment
from payments.selectors import gateway_credentials
from payments.tests.factories import SANDBOX_SECRET_KEY, SANDBOX_WEBHOOK_SECRET
from tinko.money import Money

adapter = SandboxAdapter()


def _charge(method: str, key: str = "attempt-att_1") -> SavedMethodCharge:
    return SavedMethodCharge(
        amount=Money(49900, "INR"),
        gateway_customer_id="cus_sbx_asha",
        gateway_payment_method_id=method,
        idempotency_key=key,
        references=PaymentReferences(transaction_ref="order-1042", attempt_id="att_1"),
    )


@pytest.mark.django_db
def test_create_checkout_serves_a_tinko_page_and_returns_the_same_one_for_the_same_key(sandbox_account):
    request = CheckoutRequest(
        amount=Money(49900, "INR"),
        description="Order 1042",
        idempotency_key="checkout-rec_5pQ1-1",
        references=PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1"),
        customer=CustomerDetails(email="asha@example.com"),
        success_url="http://127.0.0.1:8000/pay/done",
    )
    credentials = gateway_credentials(account=sandbox_account)

    first = adapter.create_checkout(credentials=credentials, request=request)
    again = adapter.create_checkout(credentials=credentials, request=request)

    checkout = SandboxCheckout.objects.get()
    assert first == again
    assert first.checkout_id == checkout.public_id
    assert first.url == f"http://127.0.0.1:8000/sandbox/checkout/{checkout.public_id}/"
    assert first.status == "open"
    assert (checkout.amount, checkout.currency, checkout.organization_id) == (
        49900,
        "INR",
        sandbox_account.organization_id,
    )
    assert checkout.metadata == {"tinko_transaction_ref": "order-1042", "tinko_link_id": "rec_5pQ1"}


@pytest.mark.django_db
def test_charging_the_ok_method_succeeds_and_emits_payment_succeeded(
    sandbox_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        result = adapter.charge_saved_method(
            credentials=gateway_credentials(account=sandbox_account), request=_charge("sbx_pm_card_ok")
        )

    assert (result.status, result.amount, result.failure) == (PaymentStatus.SUCCEEDED, Money(49900, "INR"), None)
    event = SandboxEvent.objects.get()
    body = json.loads(event.body)
    assert (body["type"], body["data"]["object"]["id"]) == ("payment.succeeded", result.payment_id)
    assert body["data"]["object"]["metadata"] == {"tinko_transaction_ref": "order-1042", "tinko_attempt_id": "att_1"}
    assert len(callbacks) == 1, "delivery is enqueued once the charge commits"


@pytest.mark.django_db
def test_charging_a_decline_method_fails_with_that_code_once_per_key(sandbox_account):
    credentials = gateway_credentials(account=sandbox_account)

    first = adapter.charge_saved_method(credentials=credentials, request=_charge("sbx_pm_card_insufficient_funds"))
    again = adapter.charge_saved_method(credentials=credentials, request=_charge("sbx_pm_card_insufficient_funds"))

    assert first == again
    assert first.status == PaymentStatus.FAILED
    assert first.failure == FailureDetails(
        code="card_declined",
        message="Your card has insufficient funds.",
        decline_code="insufficient_funds",
        advice_code="try_again_later",
        network_decline_code="51",
    )
    assert SandboxPayment.objects.count() == 1
    assert SandboxEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_charge_is_found_by_its_key_and_a_lookup_never_charges(sandbox_account):
    credentials = gateway_credentials(account=sandbox_account)

    before = adapter.find_saved_method_charge(credentials=credentials, request=_charge("sbx_pm_card_ok"))
    charged = adapter.charge_saved_method(credentials=credentials, request=_charge("sbx_pm_card_ok"))
    after = adapter.find_saved_method_charge(credentials=credentials, request=_charge("sbx_pm_card_ok"))
    other = adapter.find_saved_method_charge(credentials=credentials, request=_charge("sbx_pm_card_ok", key="other"))

    assert before is None
    assert after == charged
    assert other is None
    assert SandboxPayment.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_payment_method_is_a_terminal_error(sandbox_account):
    with pytest.raises(GatewayTerminalError, match="No such payment method"):
        adapter.charge_saved_method(
            credentials=gateway_credentials(account=sandbox_account), request=_charge("pm_nope")
        )

    assert SandboxPayment.objects.count() == 0


@pytest.mark.django_db
def test_refunds_are_partial_then_full_and_idempotent(sandbox_account):
    credentials = gateway_credentials(account=sandbox_account)
    paid = adapter.charge_saved_method(credentials=credentials, request=_charge("sbx_pm_card_ok"))

    partial = adapter.refund(
        credentials=credentials,
        request=RefundRequest(payment_id=paid.payment_id, idempotency_key="refund-1", amount=Money(20000, "INR")),
    )
    repeated = adapter.refund(
        credentials=credentials,
        request=RefundRequest(payment_id=paid.payment_id, idempotency_key="refund-1", amount=Money(20000, "INR")),
    )
    rest = adapter.refund(
        credentials=credentials, request=RefundRequest(payment_id=paid.payment_id, idempotency_key="refund-2")
    )

    assert partial == repeated
    assert (partial.status, partial.amount, rest.amount) == (
        RefundStatus.SUCCEEDED,
        Money(20000, "INR"),
        Money(29900, "INR"),
    )
    details = adapter.retrieve_payment(credentials=credentials, payment_id=paid.payment_id)
    assert (details.status, details.amount_refunded) == (PaymentStatus.REFUNDED, 49900)
    assert list(SandboxEvent.objects.order_by("pk").values_list("event_type", flat=True)) == [
        "payment.succeeded",
        "refund.succeeded",
        "refund.succeeded",
    ]
    with pytest.raises(GatewayTerminalError, match="exceeds"):
        adapter.refund(
            credentials=credentials, request=RefundRequest(payment_id=paid.payment_id, idempotency_key="refund-3")
        )


@pytest.mark.django_db
def test_retrieve_payment_of_another_account_is_not_found(sandbox_account):
    from payments.tests.factories import GatewayAccountFactory

    other = GatewayAccountFactory.sandbox()
    paid = adapter.charge_saved_method(
        credentials=gateway_credentials(account=other), request=_charge("sbx_pm_card_ok")
    )

    with pytest.raises(GatewayTerminalError, match="No such payment"):
        adapter.retrieve_payment(credentials=gateway_credentials(account=sandbox_account), payment_id=paid.payment_id)


@pytest.mark.parametrize("secret_key", ["", SANDBOX_SECRET_KEY, "sk_live_51QpLiveKey0001"])
def test_key_mode_is_always_test(secret_key: str) -> None:
    assert adapter.key_mode(secret_key=secret_key, key_id="") == "test"


def test_complete_credentials_makes_up_both_keys_on_first_connect() -> None:
    first = adapter.complete_credentials(keys=ConnectionKeys())
    second = adapter.complete_credentials(keys=ConnectionKeys())

    assert first.secret_key.startswith("sbx_sk_")
    assert len(first.secret_key) == len("sbx_sk_") + 32
    assert first.webhook_secret.startswith("sbx_whsec_")
    assert len(first.webhook_secret) == len("sbx_whsec_") + 43
    assert (first.key_id, first.webhook_secret_to_show) == ("", False)
    assert (first.secret_key, first.webhook_secret) != (second.secret_key, second.webhook_secret)


def test_complete_credentials_keeps_the_stored_keys() -> None:
    keys = ConnectionKeys(secret_key=SANDBOX_SECRET_KEY, webhook_secret=SANDBOX_WEBHOOK_SECRET)

    assert adapter.complete_credentials(keys=keys) == keys


@pytest.mark.django_db
def test_a_batch_of_charges_is_one_call_each_refused_alone_each_once_per_key(
    sandbox_account, django_capture_on_commit_callbacks
):
    credentials = gateway_credentials(account=sandbox_account)
    requests = [
        _charge("sbx_pm_card_ok", key="attempt-att_1"),
        _charge("sbx_pm_card_nonsense", key="attempt-att_2"),
        _charge("sbx_pm_card_insufficient_funds", key="attempt-att_3"),
        _charge("sbx_pm_card_ok", key="attempt-att_1"),
    ]

    with django_capture_on_commit_callbacks() as callbacks:
        first = adapter.charge_saved_methods(credentials=credentials, requests=requests)
    again = adapter.charge_saved_methods(credentials=credentials, requests=requests)

    paid, refused, declined, repeated = first
    assert isinstance(paid, ChargeResult)
    assert paid.status == PaymentStatus.SUCCEEDED
    assert isinstance(refused, GatewayTerminalError)
    assert refused.code == "resource_missing"
    assert isinstance(declined, ChargeResult)
    assert declined.status == PaymentStatus.FAILED
    assert repeated == paid, "the same key in one batch charges once"
    assert [outcome for outcome in again if isinstance(outcome, ChargeResult)] == [paid, declined, paid]
    assert SandboxPayment.objects.count() == 2
    assert all(payment.public_id.startswith("sbxpay_") for payment in SandboxPayment.objects.all())
    events = SandboxEvent.objects.order_by("pk")
    assert [json.loads(event.body)["type"] for event in events] == ["payment.succeeded", "payment.failed"]
    assert len(callbacks) == 1, "one delivery task for the batch's events, once it commits"
