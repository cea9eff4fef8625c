"""The Razorpay adapter through the real razorpay SDK (and its requests session) against a local fake API."""

import base64
from datetime import UTC, datetime

import pytest

from payments.enums import CheckoutStatus, PaymentStatus, RefundStatus
from payments.exceptions import (
    AmountNotRepresentable,
    GatewayCredentialsInvalid,
    GatewayTerminalError,
    GatewayTransientError,
)
from payments.gateways.razorpay.adapter import RazorpayAdapter, reference_for
from payments.interface import (
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    ConnectionKeys,
    CustomerDetails,
    FailureDetails,
    PaymentReferences,
    RefundRequest,
    RefundResult,
    SavedMethodCharge,
)
from payments.selectors import gateway_credentials
from payments.tests.factories import RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET
from payments.tests.payloads import fixture
from tinko.money import Money

adapter = RazorpayAdapter()
BASIC_AUTH = "Basic " + base64.b64encode(f"{RAZORPAY_KEY_ID}:{RAZORPAY_KEY_SECRET}".encode()).decode()


def _checkout(**overrides: object) -> CheckoutRequest:
    fields: dict[str, object] = {
        "amount": Money(49900, "INR"),
        "description": "Order 1042",
        "idempotency_key": "checkout-rec_5pQ1-1",
        "references": PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1"),
        "success_url": "https://tinko.example/pay/done",
        "customer": CustomerDetails(email="asha@example.com", phone="+919876543210", name="Asha Rao"),
        "expires_at": datetime(2026, 1, 2, tzinfo=UTC),
    }
    return CheckoutRequest(**{**fields, **overrides})  # type: ignore[arg-type]


def _charge() -> SavedMethodCharge:
    return SavedMethodCharge(
        amount=Money(49900, "INR"),
        gateway_customer_id="cust_PqPayer0001",
        gateway_payment_method_id="token_PqToken0001",
        idempotency_key="attempt-att_8cT2",
        references=PaymentReferences(transaction_ref="order-1042", attempt_id="att_8cT2"),
        customer=CustomerDetails(email="asha@example.com", phone="+919876543210"),
        description="Retry of order 1042",
    )


@pytest.mark.django_db
def test_create_checkout_makes_a_payment_link_with_our_notes_and_a_stable_reference(fake_gateway, razorpay_account):
    fake_gateway.respond("POST", "/v1/payment_links", fixture("razorpay", "api/payment_link.json"))

    session = adapter.create_checkout(
        credentials=gateway_credentials(account=razorpay_account),
        request=_checkout(payment_method_types=("upi", "netbanking")),
    )

    assert session == CheckoutSession(
        provider="razorpay",
        checkout_id="plink_PqNewLink001",
        url="https://rzp.io/rzp/PqNew1",
        status="created",
        expires_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    [request] = fake_gateway.requests
    assert (request.method, request.path) == ("POST", "/v1/payment_links")
    assert request.header("Authorization") == BASIC_AUTH
    assert request.json() == {
        "amount": 49900,
        "currency": "INR",
        "accept_partial": False,
        "description": "Order 1042",
        "reference_id": "checkout-rec_5pQ1-1",
        "notify": {"sms": False, "email": False},
        "reminder_enable": False,
        "notes": {"tinko_transaction_ref": "order-1042", "tinko_link_id": "rec_5pQ1"},
        "customer": {"name": "Asha Rao", "email": "asha@example.com", "contact": "+919876543210"},
        "callback_url": "https://tinko.example/pay/done",
        "callback_method": "get",
        "expire_by": int(datetime(2026, 1, 2, tzinfo=UTC).timestamp()),
        "options": {"checkout": {"method": {"card": "0", "netbanking": "1", "upi": "1", "wallet": "0"}}},
    }


@pytest.mark.django_db
def test_a_retried_checkout_finds_the_link_the_first_call_made(fake_gateway, razorpay_account):
    fake_gateway.respond("POST", "/v1/payment_links", fixture("razorpay", "api/reference_exists.json"), status=400)
    fake_gateway.respond("GET", "/v1/payment_links", fixture("razorpay", "api/payment_links.json"))

    session = adapter.create_checkout(credentials=gateway_credentials(account=razorpay_account), request=_checkout())

    assert session.checkout_id == "plink_PqNewLink001"
    [lookup] = fake_gateway.requests_to("GET", "/v1/payment_links")
    assert lookup.query == {"reference_id": ["checkout-rec_5pQ1-1"]}
    assert len(fake_gateway.requests_to("POST", "/v1/payment_links")) == 1


@pytest.mark.django_db
def test_a_refused_checkout_with_no_earlier_link_is_terminal(fake_gateway, razorpay_account):
    fake_gateway.respond("POST", "/v1/payment_links", fixture("razorpay", "api/reference_exists.json"), status=400)
    fake_gateway.respond("GET", "/v1/payment_links", {"payment_links": []})

    with pytest.raises(GatewayTerminalError, match="already exists"):
        adapter.create_checkout(credentials=gateway_credentials(account=razorpay_account), request=_checkout())


def test_long_idempotency_keys_become_40_character_references() -> None:
    key = "checkout-" + "x" * 60

    assert reference_for(key) == reference_for(key)
    assert len(reference_for(key)) == 40
    assert reference_for("short-key") == "short-key"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "sent"), [(Money(1500, "JPY"), 1500), (Money(12340, "KWD"), 12340), (Money(49900, "INR"), 49900)]
)
def test_checkout_amounts_are_iso_subunits(fake_gateway, razorpay_account, amount, sent):
    fake_gateway.respond("POST", "/v1/payment_links", fixture("razorpay", "api/payment_link.json"))

    adapter.create_checkout(credentials=gateway_credentials(account=razorpay_account), request=_checkout(amount=amount))

    [request] = fake_gateway.requests
    assert (request.json()["amount"], request.json()["currency"]) == (sent, amount.currency)


@pytest.mark.django_db
def test_three_decimal_amounts_must_end_in_zero(fake_gateway, razorpay_account):
    with pytest.raises(AmountNotRepresentable):
        adapter.create_checkout(
            credentials=gateway_credentials(account=razorpay_account), request=_checkout(amount=Money(12345, "KWD"))
        )

    assert fake_gateway.requests == []


@pytest.mark.django_db
def test_charge_saved_method_creates_one_order_per_attempt_then_charges_the_token(fake_gateway, razorpay_account):
    fake_gateway.respond("GET", "/v1/orders", fixture("razorpay", "api/empty_collection.json"))
    fake_gateway.respond("POST", "/v1/orders", fixture("razorpay", "api/order.json"))
    fake_gateway.respond("POST", "/v1/payments/create/recurring", fixture("razorpay", "api/recurring_payment.json"))
    fake_gateway.respond("GET", "/v1/payments/pay_PqRecurring001", fixture("razorpay", "api/payment_captured.json"))

    result = adapter.charge_saved_method(credentials=gateway_credentials(account=razorpay_account), request=_charge())

    assert result == ChargeResult(
        provider="razorpay",
        payment_id="pay_PqRecurring001",
        status=PaymentStatus.SUCCEEDED,
        amount=Money(49900, "INR"),
        gateway_order_id="order_PqAttempt0001",
    )
    assert [(r.method, r.path) for r in fake_gateway.requests] == [
        ("GET", "/v1/orders"),
        ("POST", "/v1/orders"),
        ("POST", "/v1/payments/create/recurring"),
        ("GET", "/v1/payments/pay_PqRecurring001"),
    ]
    lookup, order, recurring, _ = fake_gateway.requests
    assert lookup.query == {"receipt": ["attempt-att_8cT2"]}
    notes = {"tinko_transaction_ref": "order-1042", "tinko_attempt_id": "att_8cT2"}
    assert order.json() == {"amount": 49900, "currency": "INR", "receipt": "attempt-att_8cT2", "notes": notes}
    assert recurring.json() == {
        "amount": 49900,
        "currency": "INR",
        "order_id": "order_PqAttempt0001",
        "customer_id": "cust_PqPayer0001",
        "token": "token_PqToken0001",
        "recurring": "1",
        "notes": notes,
        "email": "asha@example.com",
        "contact": "+919876543210",
        "description": "Retry of order 1042",
    }


@pytest.mark.django_db
def test_a_second_run_of_the_same_attempt_reports_the_first_charge_and_never_charges_again(
    fake_gateway, razorpay_account
):
    fake_gateway.respond("GET", "/v1/orders", fixture("razorpay", "api/orders_with_receipt.json"))
    fake_gateway.respond(
        "GET", "/v1/orders/order_PqAttempt0001/payments", fixture("razorpay", "api/order_payments_failed.json")
    )

    result = adapter.charge_saved_method(credentials=gateway_credentials(account=razorpay_account), request=_charge())

    assert result == ChargeResult(
        provider="razorpay",
        payment_id="pay_PqRecurring002",
        status=PaymentStatus.FAILED,
        amount=Money(49900, "INR"),
        failure=FailureDetails(
            code="GATEWAY_ERROR",
            message="Payment processing failed because of incorrect card details.",
            decline_code="card_declined",
            source="issuer_bank",
            step="payment_authorization",
        ),
        gateway_order_id="order_PqAttempt0001",
    )
    assert fake_gateway.requests_to("POST", "/v1/payments/create/recurring") == []
    assert fake_gateway.requests_to("POST", "/v1/orders") == []


@pytest.mark.django_db
def test_an_attempts_charge_is_found_through_its_orders_receipt(fake_gateway, razorpay_account):
    fake_gateway.respond("GET", "/v1/orders", fixture("razorpay", "api/orders_with_receipt.json"))
    fake_gateway.respond(
        "GET", "/v1/orders/order_PqAttempt0001/payments", fixture("razorpay", "api/order_payments_failed.json")
    )

    found = adapter.find_saved_method_charge(
        credentials=gateway_credentials(account=razorpay_account), request=_charge()
    )

    assert found is not None
    assert (found.payment_id, found.status, found.gateway_order_id) == (
        "pay_PqRecurring002",
        PaymentStatus.FAILED,
        "order_PqAttempt0001",
    )
    assert [(r.method, r.path) for r in fake_gateway.requests] == [
        ("GET", "/v1/orders"),
        ("GET", "/v1/orders/order_PqAttempt0001/payments"),
    ]
    assert fake_gateway.requests[0].query == {"receipt": ["attempt-att_8cT2"]}


@pytest.mark.django_db
@pytest.mark.parametrize("order_payments", [False, True])
def test_no_order_or_an_order_without_payments_means_no_charge(fake_gateway, razorpay_account, order_payments):
    if order_payments:
        fake_gateway.respond("GET", "/v1/orders", fixture("razorpay", "api/orders_with_receipt.json"))
        fake_gateway.respond(
            "GET", "/v1/orders/order_PqAttempt0001/payments", fixture("razorpay", "api/empty_collection.json")
        )
    else:
        fake_gateway.respond("GET", "/v1/orders", fixture("razorpay", "api/empty_collection.json"))

    found = adapter.find_saved_method_charge(
        credentials=gateway_credentials(account=razorpay_account), request=_charge()
    )

    assert found is None
    assert fake_gateway.requests_to("POST", "/v1/orders") == []
    assert fake_gateway.requests_to("POST", "/v1/payments/create/recurring") == []


@pytest.mark.django_db
def test_refund_is_created_once_per_receipt(fake_gateway, razorpay_account):
    fake_gateway.respond(
        "GET", "/v1/payments/pay_PqCardOk00001/refunds", fixture("razorpay", "api/empty_collection.json")
    )
    fake_gateway.respond("POST", "/v1/payments/pay_PqCardOk00001/refund", fixture("razorpay", "api/refund.json"))

    result = adapter.refund(
        credentials=gateway_credentials(account=razorpay_account),
        request=RefundRequest(
            payment_id="pay_PqCardOk00001",
            idempotency_key="refund-att_8cT2",
            amount=Money(20000, "INR"),
            metadata={"tinko_attempt_id": "att_8cT2"},
        ),
    )

    assert result == RefundResult(
        provider="razorpay",
        refund_id="rfnd_PqRefundNew01",
        payment_id="pay_PqCardOk00001",
        status=RefundStatus.PENDING,
        amount=Money(20000, "INR"),
    )
    [created] = fake_gateway.requests_to("POST", "/v1/payments/pay_PqCardOk00001/refund")
    assert created.json() == {
        "speed": "normal",
        "receipt": "refund-att_8cT2",
        "notes": {"tinko_attempt_id": "att_8cT2"},
        "amount": 20000,
    }


@pytest.mark.django_db
def test_a_repeated_refund_returns_the_existing_one(fake_gateway, razorpay_account):
    fake_gateway.respond(
        "GET", "/v1/payments/pay_PqCardOk00001/refunds", fixture("razorpay", "api/refunds_with_receipt.json")
    )

    result = adapter.refund(
        credentials=gateway_credentials(account=razorpay_account),
        request=RefundRequest(payment_id="pay_PqCardOk00001", idempotency_key="refund-att_8cT2"),
    )

    assert (result.refund_id, result.status) == ("rfnd_PqRefundNew01", RefundStatus.SUCCEEDED)
    assert fake_gateway.requests_to("POST", "/v1/payments/pay_PqCardOk00001/refund") == []


@pytest.mark.django_db
def test_retrieve_payment(fake_gateway, razorpay_account):
    fake_gateway.respond("GET", "/v1/payments/pay_PqRecurring001", fixture("razorpay", "api/payment_captured.json"))

    details = adapter.retrieve_payment(
        credentials=gateway_credentials(account=razorpay_account), payment_id="pay_PqRecurring001"
    )

    assert (details.status, details.raw_status, details.amount) == (
        PaymentStatus.SUCCEEDED,
        "captured",
        Money(49900, "INR"),
    )
    assert details.references == PaymentReferences(transaction_ref="order-1042", attempt_id="att_8cT2")
    assert (details.gateway_customer_id, details.gateway_payment_method_id) == ("cust_PqPayer0001", "token_PqToken0001")


@pytest.mark.django_db
def test_validate_credentials_lists_one_payment(fake_gateway, razorpay_account):
    fake_gateway.respond("GET", "/v1/payments", fixture("razorpay", "api/empty_collection.json"))

    check = adapter.validate_credentials(credentials=gateway_credentials(account=razorpay_account))

    assert check.display_name == f"Razorpay {RAZORPAY_KEY_ID}"
    [request] = fake_gateway.requests
    assert request.query == {"count": ["1"]}
    assert request.header("Authorization") == BASIC_AUTH


@pytest.mark.django_db
def test_refused_keys_are_invalid_credentials(fake_gateway, razorpay_account):
    fake_gateway.respond("GET", "/v1/payments", fixture("razorpay", "api/auth_failed.json"), status=401)

    with pytest.raises(GatewayCredentialsInvalid, match="Authentication failed"):
        adapter.validate_credentials(credentials=gateway_credentials(account=razorpay_account))


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "body"), [(429, "api/rate_limited.json"), (502, None)])
def test_rate_limits_and_outages_are_transient(fake_gateway, razorpay_account, status, body):
    fake_gateway.respond(
        "GET", "/v1/payments/pay_1", fixture("razorpay", body) if body else b"<html>Bad gateway</html>", status=status
    )

    with pytest.raises(GatewayTransientError) as raised:
        adapter.retrieve_payment(credentials=gateway_credentials(account=razorpay_account), payment_id="pay_1")

    assert raised.value.http_status == status


@pytest.mark.django_db
def test_an_unreachable_gateway_is_transient(razorpay_account, settings):
    settings.PAYMENTS_RAZORPAY_API_BASE = "http://127.0.0.1:9"

    with pytest.raises(GatewayTransientError):
        adapter.retrieve_payment(credentials=gateway_credentials(account=razorpay_account), payment_id="pay_1")


@pytest.mark.parametrize(("key_id", "mode"), [(RAZORPAY_KEY_ID, "test"), ("rzp_live_TinkoKey0001", "live"), ("", None)])
def test_key_mode_reads_the_mode_from_the_key_id_alone(key_id: str, mode: str | None) -> None:
    assert adapter.key_mode(secret_key=RAZORPAY_KEY_SECRET, key_id=key_id) == mode


def test_key_mode_refuses_a_malformed_key_id() -> None:
    with pytest.raises(GatewayCredentialsInvalid, match="rzp_test_"):
        adapter.key_mode(secret_key="", key_id="key_123")


def test_complete_credentials_makes_up_a_webhook_secret_to_show_once_when_there_is_none() -> None:
    keys = ConnectionKeys(secret_key=RAZORPAY_KEY_SECRET, key_id=RAZORPAY_KEY_ID)

    completed = adapter.complete_credentials(keys=keys)

    assert (completed.secret_key, completed.key_id, completed.webhook_secret_to_show) == (
        RAZORPAY_KEY_SECRET,
        RAZORPAY_KEY_ID,
        True,
    )
    assert len(completed.webhook_secret) == 43
    assert adapter.complete_credentials(keys=keys).webhook_secret != completed.webhook_secret


def test_complete_credentials_keeps_a_webhook_secret_the_merchant_has() -> None:
    keys = ConnectionKeys(
        secret_key=RAZORPAY_KEY_SECRET, key_id=RAZORPAY_KEY_ID, webhook_secret=RAZORPAY_WEBHOOK_SECRET
    )

    assert adapter.complete_credentials(keys=keys) == keys


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (ConnectionKeys(key_id=RAZORPAY_KEY_ID), "A secret key is needed"),
        (ConnectionKeys(secret_key=RAZORPAY_KEY_SECRET), "A Razorpay key id is needed"),
    ],
)
def test_complete_credentials_needs_both_halves_of_the_key_pair(keys: ConnectionKeys, message: str) -> None:
    with pytest.raises(GatewayCredentialsInvalid, match=message):
        adapter.complete_credentials(keys=keys)


@pytest.mark.django_db
def test_retrieve_checkout_names_the_captured_payment_of_a_paid_link(fake_gateway, razorpay_account):
    fake_gateway.respond(
        "GET", "/v1/payment_links/plink_PqNewLink001", fixture("razorpay", "api/payment_link_paid.json")
    )

    state = adapter.retrieve_checkout(
        credentials=gateway_credentials(account=razorpay_account), checkout_id="plink_PqNewLink001"
    )

    assert state == CheckoutState(
        provider="razorpay",
        checkout_id="plink_PqNewLink001",
        status=CheckoutStatus.COMPLETE,
        payment_id="pay_PqPaid00001",
    )


@pytest.mark.django_db
def test_expire_checkout_cancels_the_link(fake_gateway, razorpay_account):
    fake_gateway.respond(
        "POST", "/v1/payment_links/plink_PqNewLink001/cancel", fixture("razorpay", "api/payment_link_cancelled.json")
    )

    state = adapter.expire_checkout(
        credentials=gateway_credentials(account=razorpay_account), checkout_id="plink_PqNewLink001"
    )

    assert (state.status, state.payment_id) == (CheckoutStatus.EXPIRED, None)
    assert [(r.method, r.path) for r in fake_gateway.requests] == [
        ("POST", "/v1/payment_links/plink_PqNewLink001/cancel")
    ]


@pytest.mark.django_db
def test_expire_checkout_on_a_paid_link_answers_it_as_complete(fake_gateway, razorpay_account):
    fake_gateway.respond(
        "POST",
        "/v1/payment_links/plink_PqNewLink001/cancel",
        fixture("razorpay", "api/payment_link_not_cancellable.json"),
        status=400,
    )
    fake_gateway.respond(
        "GET", "/v1/payment_links/plink_PqNewLink001", fixture("razorpay", "api/payment_link_paid.json")
    )

    state = adapter.expire_checkout(
        credentials=gateway_credentials(account=razorpay_account), checkout_id="plink_PqNewLink001"
    )

    assert (state.status, state.payment_id) == (CheckoutStatus.COMPLETE, "pay_PqPaid00001")


def test_checkout_methods_are_all_of_razorpays_for_rupees_and_cards_otherwise():
    assert adapter.checkout_methods(currency="INR") == ("card", "netbanking", "upi", "wallet")
    assert adapter.checkout_methods(currency="USD") == ("card",)
