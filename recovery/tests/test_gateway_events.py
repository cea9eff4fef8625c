"""Gateway webhooks through payments' inbox into recovery: failures classified, successes recovered."""

import pytest
from django.db.models import CharField

from payments.enums import WebhookEventStatus
from payments.services import webhook_event_process
from payments.tests.factories import GatewayAccountFactory, inbox_event
from payments.tests.payloads import fixture
from recovery.enums import Category, EventSource, TransactionStatus
from recovery.models import FailureEvent, Transaction


@pytest.fixture
def stripe_account(db):
    return GatewayAccountFactory.stripe()


@pytest.fixture(autouse=True)
def _real_handler(settings):
    settings.PAYMENTS_OUTCOME_HANDLER = "recovery.gateway_events.payment_outcome_handle"


def _process(account, name: str, payload: dict | None = None) -> str:
    payload = payload or fixture(account.provider, name)
    event = inbox_event(account, payload)
    return webhook_event_process(webhook_event_id=event.pk)


@pytest.mark.django_db
def test_a_stripe_charge_failure_becomes_a_classified_failed_transaction(stripe_account) -> None:
    assert _process(stripe_account, "charge.failed.json") == WebhookEventStatus.DONE

    txn = Transaction.objects.get(organization=stripe_account.organization)
    event = FailureEvent.objects.get(transaction=txn)
    assert (txn.transaction_ref, txn.amount, txn.currency, txn.gateway) == ("order-1042", 2000, "USD", "stripe")
    assert txn.status == TransactionStatus.FAILED
    assert (event.category, event.retryable) == (Category.FUNDS, True)
    assert event.failure_code == "insufficient_funds"
    assert event.network_decline_code == "51"
    # The charge carries a Tinko attempt's id: it is that attempt's re-charge, keyed as the worker keys it.
    assert (event.source, event.idempotency_key) == (EventSource.RETRY, "retry:att_8cT2")


@pytest.mark.django_db
def test_a_failure_of_a_payment_tinko_did_not_make_is_keyed_by_the_gateways_charge(stripe_account) -> None:
    payload = fixture("stripe", "charge.failed.json")
    payload["data"]["object"]["metadata"] = {"tinko_transaction_ref": "order-1042"}

    _process(stripe_account, "charge.failed.json", payload)

    event = FailureEvent.objects.get()
    assert (event.source, event.idempotency_key) == (EventSource.WEBHOOK, "stripe:ch_3QpFailedCharge01")


@pytest.mark.django_db
def test_both_stripe_events_for_one_declined_attempt_record_one_failure(stripe_account) -> None:
    _process(stripe_account, "payment_intent.payment_failed.json")
    _process(stripe_account, "charge.failed.json")

    assert FailureEvent.objects.count() == 1
    assert Transaction.objects.get().failure_count == 1


@pytest.mark.django_db
def test_a_success_recovers_and_a_late_failure_never_undoes_it(stripe_account) -> None:
    _process(stripe_account, "charge.failed.json")
    assert _process(stripe_account, "payment_intent.succeeded.json") == WebhookEventStatus.DONE

    late = fixture("stripe", "payment_intent.payment_failed.json")
    late["id"] = "evt_LateFailure0001"
    late["data"]["object"]["latest_charge"] = "ch_LateCharge0001"
    late["data"]["object"]["last_payment_error"]["charge"] = "ch_LateCharge0001"
    del late["data"]["object"]["metadata"]["tinko_attempt_id"]  # another payment of the same order
    _process(stripe_account, "payment_intent.payment_failed.json", payload=late)

    txn = Transaction.objects.get()
    assert txn.status == TransactionStatus.RECOVERED
    assert txn.recovered_amount == 2000
    assert FailureEvent.objects.filter(transaction=txn).count() == 2, "the late failure is recorded, not applied"


@pytest.mark.django_db
def test_a_success_for_a_payment_tinko_never_saw_fail_changes_nothing(stripe_account) -> None:
    assert _process(stripe_account, "payment_intent.succeeded.json") == WebhookEventStatus.DONE

    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_refunds_and_expiries_are_acknowledged_without_changes(stripe_account) -> None:
    _process(stripe_account, "charge.failed.json")

    assert _process(stripe_account, "checkout.session.expired.json") == WebhookEventStatus.DONE
    assert _process(stripe_account, "charge.refunded.json") == WebhookEventStatus.DONE

    assert Transaction.objects.get().status == TransactionStatus.FAILED


@pytest.mark.django_db
def test_a_gateway_customer_longer_than_the_columns_is_fitted_and_the_failure_recorded(stripe_account) -> None:
    payload = fixture("stripe", "charge.failed.json")
    billing = payload["data"]["object"]["billing_details"]
    billing.update(phone="+1 (555) 010-0199 extension 42", name="Asha " + "R" * 300)

    assert _process(stripe_account, "charge.failed.json", payload) == WebhookEventStatus.DONE

    txn = Transaction.objects.get(organization=stripe_account.organization)
    assert (txn.customer_phone, txn.customer_name) == ("", ("Asha " + "R" * 300)[:200])


def test_payments_fits_customers_to_recovery_columns() -> None:
    from payments import interface
    from recovery.models import Transaction as Txn

    def max_length(name: str) -> int | None:
        field = Txn._meta.get_field(name)
        assert isinstance(field, CharField)
        return field.max_length

    assert (
        (
            interface.CUSTOMER_EMAIL_MAX_LENGTH,
            interface.CUSTOMER_PHONE_MAX_LENGTH,
            interface.CUSTOMER_NAME_MAX_LENGTH,
        )
        == (max_length("customer_email"), max_length("customer_phone"), max_length("customer_name"))
        == (254, 16, 200)
    )


@pytest.mark.django_db
def test_a_gateway_failure_keeps_the_customer_and_saved_method_a_re_charge_needs(stripe_account) -> None:
    _process(stripe_account, "payment_intent.payment_failed.json")

    txn = Transaction.objects.get()
    assert (txn.gateway_customer_id, txn.gateway_payment_method_id) == ("cus_Rq7Payer0001", "pm_1QpCard0001")
