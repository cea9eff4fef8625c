"""The Stripe adapter through the real stripe SDK, against a local server playing Stripe's API."""

from datetime import UTC, datetime

import pytest

from payments.enums import CheckoutStatus, OutcomeType, PaymentStatus, RefundStatus
from payments.exceptions import AmountNotRepresentable, GatewayCredentialsInvalid, GatewayTransientError
from payments.gateways.stripe.adapter import StripeAdapter
from payments.interface import (
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    ConnectionKeys,
    CredentialCheck,
    CustomerDetails,
    FailureDetails,
    PaymentReferences,
    RefundRequest,
    RefundResult,
    SavedMethodCharge,
)
from payments.selectors import gateway_credentials
from payments.tests.factories import STRIPE_SECRET_KEY
from payments.tests.payloads import fixture
from tinko.money import Money

adapter = StripeAdapter()


def _checkout_request(**overrides: object) -> CheckoutRequest:
    fields: dict[str, object] = {
        "amount": Money(2000, "USD"),
        "description": "Order 1042",
        "idempotency_key": "checkout-rec_5pQ1-1",
        "references": PaymentReferences(transaction_ref="order-1042", link_id="rec_5pQ1"),
        "success_url": "https://tinko.example/pay/done",
        "cancel_url": "https://tinko.example/pay/back",
        "customer": CustomerDetails(email="asha@example.com"),
    }
    return CheckoutRequest(**{**fields, **overrides})  # type: ignore[arg-type]


@pytest.mark.django_db
def test_create_checkout_sends_one_line_item_our_references_and_the_idempotency_key(fake_gateway, stripe_account):
    fake_gateway.respond("POST", "/v1/checkout/sessions", fixture("stripe", "api/checkout_session.json"))

    session = adapter.create_checkout(
        credentials=gateway_credentials(account=stripe_account),
        request=_checkout_request(
            save_payment_method=True,
            expires_at=datetime(2026, 1, 2, tzinfo=UTC),
            metadata={"campaign": "winback"},
        ),
    )

    assert session == CheckoutSession(
        provider="stripe",
        checkout_id="cs_test_a1QpNew0001",
        url="https://checkout.stripe.com/c/pay/cs_test_a1QpNew0001#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        status="open",
        expires_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    [request] = fake_gateway.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.header("Idempotency-Key") == "checkout-rec_5pQ1-1"
    assert request.header("Stripe-Version") == "2026-10-28.endive"
    assert request.header("Authorization") == f"Bearer {STRIPE_SECRET_KEY}"
    assert request.form == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "2000",
        "line_items[0][price_data][product_data][name]": "Order 1042",
        "success_url": "https://tinko.example/pay/done",
        "cancel_url": "https://tinko.example/pay/back",
        "client_reference_id": "order-1042",
        "customer_email": "asha@example.com",
        "metadata[campaign]": "winback",
        "metadata[tinko_transaction_ref]": "order-1042",
        "metadata[tinko_link_id]": "rec_5pQ1",
        "payment_intent_data[metadata][campaign]": "winback",
        "payment_intent_data[metadata][tinko_transaction_ref]": "order-1042",
        "payment_intent_data[metadata][tinko_link_id]": "rec_5pQ1",
        "payment_intent_data[description]": "Order 1042",
        "payment_intent_data[setup_future_usage]": "off_session",
        "expires_at": str(int(datetime(2026, 1, 2, tzinfo=UTC).timestamp())),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "unit_amount"),
    [
        (Money(1500, "JPY"), "1500"),  # zero-decimal: yen, not hundredths of a yen
        (Money(12340, "KWD"), "12340"),  # three-decimal, last digit 0
        (Money(500, "ISK"), "50000"),  # ISO zero-decimal, two-decimal in Stripe's API
        (Money(250000, "MGA"), "2500"),  # ISO two-decimal, zero-decimal at Stripe
    ],
)
def test_checkout_amounts_are_converted_to_stripes_unit(fake_gateway, stripe_account, amount, unit_amount):
    fake_gateway.respond("POST", "/v1/checkout/sessions", fixture("stripe", "api/checkout_session.json"))

    adapter.create_checkout(
        credentials=gateway_credentials(account=stripe_account), request=_checkout_request(amount=amount)
    )

    [request] = fake_gateway.requests
    assert request.form["line_items[0][price_data][unit_amount]"] == unit_amount
    assert request.form["line_items[0][price_data][currency]"] == amount.currency.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Money(12345, "KWD"), Money(250050, "MGA")])
def test_amounts_stripe_cannot_take_are_refused_before_any_request(fake_gateway, stripe_account, amount):
    with pytest.raises(AmountNotRepresentable):
        adapter.create_checkout(
            credentials=gateway_credentials(account=stripe_account), request=_checkout_request(amount=amount)
        )

    assert fake_gateway.requests == []


@pytest.mark.django_db
def test_charge_saved_method_confirms_off_session_with_the_attempts_key(fake_gateway, stripe_account):
    fake_gateway.respond("POST", "/v1/payment_intents", fixture("stripe", "api/payment_intent_succeeded.json"))

    result = adapter.charge_saved_method(
        credentials=gateway_credentials(account=stripe_account),
        request=SavedMethodCharge(
            amount=Money(2000, "USD"),
            gateway_customer_id="cus_Rq7Payer0001",
            gateway_payment_method_id="pm_1QpCard0001",
            idempotency_key="attempt-att_8cT2",
            references=PaymentReferences(transaction_ref="order-1042", attempt_id="att_8cT2"),
            description="Retry of order 1042",
        ),
    )

    assert result == ChargeResult(
        provider="stripe",
        payment_id="pi_3QpOffSession01",
        status=PaymentStatus.SUCCEEDED,
        amount=Money(2000, "USD"),
        gateway_charge_id="ch_3QpOffSessionCh1",
    )
    [request] = fake_gateway.requests_to("POST", "/v1/payment_intents")
    assert request.header("Idempotency-Key") == "attempt-att_8cT2"
    assert request.form == {
        "amount": "2000",
        "currency": "usd",
        "customer": "cus_Rq7Payer0001",
        "payment_method": "pm_1QpCard0001",
        "off_session": "true",
        "confirm": "true",
        "description": "Retry of order 1042",
        "metadata[tinko_transaction_ref]": "order-1042",
        "metadata[tinko_attempt_id]": "att_8cT2",
    }


@pytest.mark.django_db
def test_a_card_decline_is_a_failed_result_with_stripes_codes(fake_gateway, stripe_account):
    fake_gateway.respond("POST", "/v1/payment_intents", fixture("stripe", "api/card_declined.json"), status=402)

    result = adapter.charge_saved_method(
        credentials=gateway_credentials(account=stripe_account),
        request=SavedMethodCharge(
            amount=Money(2000, "USD"),
            gateway_customer_id="cus_Rq7Payer0001",
            gateway_payment_method_id="pm_1QpCard0001",
            idempotency_key="attempt-att_8cT2",
        ),
    )

    assert result == ChargeResult(
        provider="stripe",
        payment_id="pi_3QpDeclined0001",
        status=PaymentStatus.FAILED,
        amount=Money(2000, "USD"),
        failure=FailureDetails(
            code="card_declined",
            message="Your card has insufficient funds.",
            decline_code="insufficient_funds",
            advice_code="try_again_later",
            network_decline_code="51",
        ),
    )
    assert len(fake_gateway.requests) == 1, "a decline is final: the SDK must not retry it"


@pytest.mark.django_db
def test_a_stripe_outage_is_retried_once_with_the_same_key_then_reported_transient(fake_gateway, stripe_account):
    fake_gateway.respond(
        "POST", "/v1/payment_intents", {"error": {"type": "api_error", "message": "Try again."}}, status=500
    )

    with pytest.raises(GatewayTransientError) as raised:
        adapter.charge_saved_method(
            credentials=gateway_credentials(account=stripe_account),
            request=SavedMethodCharge(
                amount=Money(2000, "USD"),
                gateway_customer_id="cus_Rq7Payer0001",
                gateway_payment_method_id="pm_1QpCard0001",
                idempotency_key="attempt-att_8cT2",
            ),
        )

    assert raised.value.http_status == 500
    keys = [request.header("Idempotency-Key") for request in fake_gateway.requests_to("POST", "/v1/payment_intents")]
    assert keys == ["attempt-att_8cT2", "attempt-att_8cT2"]


def _attempt_charge(attempt_id: str = "att_8cT2") -> SavedMethodCharge:
    return SavedMethodCharge(
        amount=Money(2000, "USD"),
        gateway_customer_id="cus_Rq7Payer0001",
        gateway_payment_method_id="pm_1QpCard0001",
        idempotency_key=f"tinko_{attempt_id}",
        references=PaymentReferences(transaction_ref="order-1042", attempt_id=attempt_id),
    )


@pytest.mark.django_db
def test_an_attempts_charge_is_found_among_the_customers_payment_intents_by_its_attempt_id(
    fake_gateway, stripe_account
):
    fake_gateway.respond("GET", "/v1/payment_intents", fixture("stripe", "api/payment_intents_of_customer.json"))

    found = adapter.find_saved_method_charge(
        credentials=gateway_credentials(account=stripe_account), request=_attempt_charge()
    )

    assert found == ChargeResult(
        provider="stripe",
        payment_id="pi_3QpDeclined0001",
        status=PaymentStatus.FAILED,
        amount=Money(2000, "USD"),
        failure=FailureDetails(
            code="card_declined",
            message="Your card has insufficient funds.",
            decline_code="insufficient_funds",
            advice_code="try_again_later",
            network_decline_code="51",
        ),
        gateway_charge_id="ch_3QpDeclinedCh01",
    )
    [request] = fake_gateway.requests
    assert (request.method, request.path) == ("GET", "/v1/payment_intents")
    assert request.query == {"customer": ["cus_Rq7Payer0001"], "limit": ["100"]}
    assert fake_gateway.requests_to("POST", "/v1/payment_intents") == [], "a lookup never charges"


@pytest.mark.django_db
def test_no_payment_intent_of_the_attempt_means_no_charge_reached_stripe(fake_gateway, stripe_account):
    fake_gateway.respond("GET", "/v1/payment_intents", fixture("stripe", "api/payment_intents_of_customer.json"))

    found = adapter.find_saved_method_charge(
        credentials=gateway_credentials(account=stripe_account), request=_attempt_charge("att_Never")
    )

    assert found is None


@pytest.mark.django_db
def test_a_lookup_without_an_attempt_id_is_refused_before_any_request(fake_gateway, stripe_account):
    request = SavedMethodCharge(
        amount=Money(2000, "USD"),
        gateway_customer_id="cus_Rq7Payer0001",
        gateway_payment_method_id="pm_1QpCard0001",
        idempotency_key="tinko_att_8cT2",
    )

    with pytest.raises(ValueError, match="attempt id"):
        adapter.find_saved_method_charge(credentials=gateway_credentials(account=stripe_account), request=request)

    assert fake_gateway.requests == []


@pytest.mark.django_db
def test_rate_limiting_is_transient(fake_gateway, stripe_account, settings):
    fake_gateway.respond(
        "GET",
        "/v1/payment_intents/pi_1",
        {"error": {"type": "invalid_request_error", "code": "rate_limit"}},
        status=429,
    )

    with pytest.raises(GatewayTransientError):
        adapter.retrieve_payment(credentials=gateway_credentials(account=stripe_account), payment_id="pi_1")


@pytest.mark.django_db
def test_refund_targets_the_payment_intent_with_the_callers_key(fake_gateway, stripe_account):
    fake_gateway.respond("POST", "/v1/refunds", fixture("stripe", "api/refund.json"))

    result = adapter.refund(
        credentials=gateway_credentials(account=stripe_account),
        request=RefundRequest(
            payment_id="pi_3QpRecovered0001",
            idempotency_key="refund-att_8cT2",
            amount=Money(1000, "USD"),
            reason="requested_by_customer",
            metadata={"tinko_attempt_id": "att_8cT2"},
        ),
    )

    assert result == RefundResult(
        provider="stripe",
        refund_id="re_3QpRefundNew01",
        payment_id="pi_3QpRecovered0001",
        status=RefundStatus.SUCCEEDED,
        amount=Money(1000, "USD"),
    )
    [request] = fake_gateway.requests
    assert request.header("Idempotency-Key") == "refund-att_8cT2"
    assert request.form == {
        "payment_intent": "pi_3QpRecovered0001",
        "amount": "1000",
        "reason": "requested_by_customer",
        "metadata[tinko_attempt_id]": "att_8cT2",
    }


@pytest.mark.django_db
def test_retrieve_payment_reads_a_declined_payment_intent(fake_gateway, stripe_account):
    fake_gateway.respond(
        "GET", "/v1/payment_intents/pi_3QpInvoicePi0001", fixture("stripe", "api/payment_intent_invoice_failed.json")
    )

    details = adapter.retrieve_payment(
        credentials=gateway_credentials(account=stripe_account), payment_id="pi_3QpInvoicePi0001"
    )

    assert details.status == PaymentStatus.FAILED
    assert details.raw_status == "requires_payment_method"
    assert details.amount == Money(4900, "USD")
    assert details.failure == FailureDetails(
        code="card_declined",
        message="Your card was declined.",
        decline_code="lost_card",
        advice_code="do_not_try_again",
        network_decline_code="41",
        network_advice_code="03",
    )
    assert details.gateway_payment_method_id == "pm_1QpCard0009"
    [request] = fake_gateway.requests
    assert request.query == {"expand[0]": ["payment_method"]}


@pytest.mark.django_db
def test_validate_credentials_reads_the_account(fake_gateway, stripe_account):
    fake_gateway.respond("GET", "/v1/account", fixture("stripe", "api/account.json"))

    check = adapter.validate_credentials(credentials=gateway_credentials(account=stripe_account))

    assert check == CredentialCheck(external_account_id="acct_1QpMerchant01", display_name="Chai and Co")
    [request] = fake_gateway.requests
    assert (request.method, request.path, request.body) == ("GET", "/v1/account", b"")


@pytest.mark.django_db
def test_validate_credentials_turns_a_refused_key_into_invalid_credentials(fake_gateway, stripe_account):
    fake_gateway.respond(
        "GET",
        "/v1/account",
        {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****0001"}},
        status=401,
    )

    with pytest.raises(GatewayCredentialsInvalid, match="Invalid API Key provided"):
        adapter.validate_credentials(credentials=gateway_credentials(account=stripe_account))


@pytest.mark.django_db
def test_an_invoice_failure_gets_its_decline_codes_from_the_invoices_payment_intent(fake_gateway, stripe_account):
    fake_gateway.respond("GET", "/v1/invoice_payments", fixture("stripe", "api/invoice_payments.json"))
    fake_gateway.respond(
        "GET", "/v1/payment_intents/pi_3QpInvoicePi0001", fixture("stripe", "api/payment_intent_invoice_failed.json")
    )
    payload = fixture("stripe", "invoice.payment_failed.json")

    outcome = adapter.parse_event(
        credentials=gateway_credentials(account=stripe_account), event_id=payload["id"], payload=payload
    )

    assert outcome is not None
    assert outcome.type == OutcomeType.PAYMENT_FAILED
    assert outcome.gateway_payment_id == "pi_3QpInvoicePi0001"
    assert outcome.gateway_order_id == "in_1QpInvoice0001"
    assert outcome.gateway_charge_id == "ch_3QpInvoiceCh0001"
    assert outcome.gateway_payment_method_id == "pm_1QpCard0009"
    assert outcome.payment_method_type == "card"
    assert outcome.failure == FailureDetails(
        code="card_declined",
        message="Your card was declined.",
        decline_code="lost_card",
        advice_code="do_not_try_again",
        network_decline_code="41",
        network_advice_code="03",
    )
    assert outcome.references == PaymentReferences(transaction_ref="sub-77-2026-01")
    [listing] = fake_gateway.requests_to("GET", "/v1/invoice_payments")
    assert listing.query == {"invoice": ["in_1QpInvoice0001"], "limit": ["10"]}


def test_the_pinned_api_version_is_the_sdks_own() -> None:
    import stripe

    from payments.gateways.stripe import consts

    assert stripe.api_version == consts.API_VERSION


@pytest.mark.parametrize(
    ("secret_key", "mode"),
    [
        (STRIPE_SECRET_KEY, "test"),
        ("sk_live_51QpLiveKey0001", "live"),
        ("rk_test_51QpRestricted01", "test"),
        ("", None),
    ],
)
def test_key_mode_reads_the_mode_from_the_secret_key(secret_key: str, mode: str | None) -> None:
    assert adapter.key_mode(secret_key=secret_key, key_id="") == mode


def test_key_mode_refuses_a_publishable_key() -> None:
    with pytest.raises(GatewayCredentialsInvalid, match="sk_test_"):
        adapter.key_mode(secret_key="pk_test_publishableKey01", key_id="")


def test_complete_credentials_needs_the_secret_key_and_makes_nothing_up() -> None:
    keys = ConnectionKeys(secret_key=STRIPE_SECRET_KEY)

    assert adapter.complete_credentials(keys=keys) == ConnectionKeys(secret_key=STRIPE_SECRET_KEY)
    with pytest.raises(GatewayCredentialsInvalid, match="A secret key is needed"):
        adapter.complete_credentials(keys=ConnectionKeys(webhook_secret="whsec_tinkoTestWebhookSecret0001"))


@pytest.mark.django_db
def test_retrieve_checkout_reads_a_decline_on_an_open_session_from_its_payment_intent(fake_gateway, stripe_account):
    fake_gateway.respond(
        "GET", "/v1/checkout/sessions/cs_test_a1QpNew0001", fixture("stripe", "api/checkout_session_open_declined.json")
    )

    state = adapter.retrieve_checkout(
        credentials=gateway_credentials(account=stripe_account), checkout_id="cs_test_a1QpNew0001"
    )

    assert state == CheckoutState(
        provider="stripe",
        checkout_id="cs_test_a1QpNew0001",
        status=CheckoutStatus.OPEN,
        payment_id="pi_3QpDecl0001",
        failure=FailureDetails(
            code="card_declined",
            message="Your card has insufficient funds.",
            decline_code="insufficient_funds",
            advice_code="try_again_later",
        ),
    )
    [request] = fake_gateway.requests
    assert request.query == {"expand[0]": ["payment_intent"]}


@pytest.mark.django_db
def test_expire_checkout_expires_an_open_session(fake_gateway, stripe_account):
    fake_gateway.respond(
        "POST",
        "/v1/checkout/sessions/cs_test_a1QpNew0001/expire",
        fixture("stripe", "api/checkout_session_expired.json"),
    )

    state = adapter.expire_checkout(
        credentials=gateway_credentials(account=stripe_account), checkout_id="cs_test_a1QpNew0001"
    )

    assert (state.status, state.payment_id, state.failure) == (CheckoutStatus.EXPIRED, None, None)
    assert [(r.method, r.path) for r in fake_gateway.requests] == [
        ("POST", "/v1/checkout/sessions/cs_test_a1QpNew0001/expire")
    ]


@pytest.mark.django_db
def test_expire_checkout_on_a_session_already_paid_answers_it_as_complete(fake_gateway, stripe_account):
    fake_gateway.respond(
        "POST",
        "/v1/checkout/sessions/cs_test_a1QpNew0001/expire",
        fixture("stripe", "api/checkout_session_not_open.json"),
        status=400,
    )
    fake_gateway.respond(
        "GET", "/v1/checkout/sessions/cs_test_a1QpNew0001", fixture("stripe", "api/checkout_session_complete.json")
    )

    state = adapter.expire_checkout(
        credentials=gateway_credentials(account=stripe_account), checkout_id="cs_test_a1QpNew0001"
    )

    assert (state.status, state.payment_id) == (CheckoutStatus.COMPLETE, "pi_3QpPaid0001")


def test_checkout_methods_offer_upi_for_rupees_only():
    assert adapter.checkout_methods(currency="INR") == ("card", "upi")
    assert adapter.checkout_methods(currency="USD") == ("card",)
