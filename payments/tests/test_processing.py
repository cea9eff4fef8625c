"""Processing the inbox: dispatch to the outcome handler, statuses, retries, sweeping, idempotency."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.db import DataError
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from payments.enums import OutcomeType, WebhookEventStatus
from payments.exceptions import TransientOutcomeError
from payments.models import WebhookEvent
from payments.services import (
    MAX_SWEEPS,
    PROCESSING_STALE_AFTER,
    SWEEP_GRACE,
    webhook_event_process,
    webhook_events_sweep,
)
from payments.tasks import webhook_event_process_task, webhook_inbox_sweep_task
from payments.tests import recording
from payments.tests.factories import STRIPE_WEBHOOK_SECRET, inbox_event
from payments.tests.payloads import fixture, fixture_bytes, stripe_signature


def _inbox(account, name: str, **fields) -> WebhookEvent:
    return inbox_event(account, fixture(account.provider, name), **fields)


@pytest.mark.django_db
def test_a_received_event_reaches_the_handler_and_is_marked_done(stripe_account, outcomes):
    event = _inbox(stripe_account, "payment_intent.payment_failed.json")

    result = webhook_event_process(webhook_event_id=event.pk)

    assert result == WebhookEventStatus.DONE
    [(outcome, account)] = outcomes
    assert account == stripe_account
    assert (outcome.type, outcome.event_id, outcome.gateway_payment_id) == (
        OutcomeType.PAYMENT_FAILED,
        "evt_3QpFailedPi0001",
        "pi_3QpFailed0001",
    )
    assert outcome.failure.decline_code == "insufficient_funds"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (WebhookEventStatus.DONE, 1, "")
    assert event.processed_at is not None


@pytest.mark.django_db
def test_a_processed_event_keeps_what_its_payment_is_known_by(stripe_account, outcomes):
    named = _inbox(stripe_account, "payment_intent.payment_failed.json")
    unnamed = _inbox(stripe_account, "charge.failed.json")
    payload = fixture("stripe", "charge.failed.json")
    payload["type"] = "customer.created"
    ignored = _inbox(
        stripe_account, "charge.failed.json", payload=payload, event_type="customer.created", event_id="evt_Customer1"
    )

    webhook_event_process(webhook_event_id=named.pk)
    webhook_event_process(webhook_event_id=unnamed.pk)
    webhook_event_process(webhook_event_id=ignored.pk)

    named.refresh_from_db()
    unnamed.refresh_from_db()
    ignored.refresh_from_db()
    assert ignored.payment_reference == ""
    # The merchant's reference from the payment's metadata; else the gateway's payment id.
    assert named.payment_reference == "order-1042"
    [_, (charge_outcome, _account)] = outcomes
    assert unnamed.payment_reference == (charge_outcome.references.transaction_ref or charge_outcome.gateway_payment_id)
    assert unnamed.payment_reference


@pytest.mark.django_db
def test_processing_the_same_event_twice_changes_nothing(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json")

    first = webhook_event_process(webhook_event_id=event.pk)
    processed_at = WebhookEvent.objects.get(pk=event.pk).processed_at
    second = webhook_event_process(webhook_event_id=event.pk)

    assert (first, second) == (WebhookEventStatus.DONE, "skipped")
    assert len(outcomes) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, event.processed_at) == (WebhookEventStatus.DONE, 1, processed_at)


@pytest.mark.django_db
def test_an_event_type_without_a_handler_is_ignored(stripe_account, outcomes):
    payload = fixture("stripe", "charge.failed.json")
    payload["type"] = "customer.created"
    event = _inbox(stripe_account, "charge.failed.json", payload=payload, event_type="customer.created")

    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.IGNORED

    assert outcomes == []
    event.refresh_from_db()
    assert (event.status, event.last_error) == (WebhookEventStatus.IGNORED, "No handler for customer.created.")


@pytest.mark.django_db
def test_a_live_event_at_a_test_account_is_ignored(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json", livemode=True)

    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.IGNORED

    assert outcomes == []


@pytest.mark.django_db
def test_a_transient_handler_error_puts_the_event_back_for_a_later_retry(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json")
    recording.FAIL_WITH.append(TransientOutcomeError("row locked"))

    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        result = webhook_event_process(webhook_event_id=event.pk, retry_delay=timedelta(seconds=60))

    assert result == "retry"
    assert outcomes == []
    event.refresh_from_db()
    assert event.status == WebhookEventStatus.RECEIVED
    assert event.attempts == 1
    assert event.last_error == "TransientOutcomeError: row locked"
    assert event.available_at == datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.DONE
    assert len(outcomes) == 1


@pytest.mark.django_db
def test_on_the_last_attempt_a_transient_error_is_recorded_as_failed(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json")
    recording.FAIL_WITH.append(TransientOutcomeError("still locked"))

    assert webhook_event_process(webhook_event_id=event.pk, final_attempt=True) == WebhookEventStatus.FAILED

    event.refresh_from_db()
    assert (event.status, event.last_error) == (WebhookEventStatus.FAILED, "TransientOutcomeError: still locked")


@pytest.mark.django_db
def test_any_other_handler_error_fails_the_event_with_the_error_recorded(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json")
    recording.FAIL_WITH.append(RuntimeError("bug in the handler"))

    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.FAILED

    event.refresh_from_db()
    assert (event.status, event.last_error) == (WebhookEventStatus.FAILED, "RuntimeError: bug in the handler")
    assert event.processed_at is not None


@pytest.mark.django_db
def test_a_malformed_event_fails_without_reaching_the_handler(stripe_account, outcomes):
    payload = fixture("stripe", "charge.failed.json")
    del payload["created"]
    event = _inbox(stripe_account, "charge.failed.json", payload=payload)

    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.FAILED

    assert outcomes == []
    assert WebhookEvent.objects.get(pk=event.pk).last_error.startswith("Malformed event: ValueError")


@pytest.mark.django_db
def test_a_gateway_outage_while_completing_an_invoice_failure_is_retried(stripe_account, outcomes, fake_gateway):
    fake_gateway.respond("GET", "/v1/invoice_payments", {"error": {"type": "api_error"}}, status=503)
    event = _inbox(stripe_account, "invoice.payment_failed.json")

    assert webhook_event_process(webhook_event_id=event.pk) == "retry"

    assert outcomes == []
    assert WebhookEvent.objects.get(pk=event.pk).status == WebhookEventStatus.RECEIVED


@pytest.mark.django_db
def test_out_of_order_delivery_hands_both_outcomes_over_with_the_times_to_order_them(stripe_account, outcomes):
    succeeded = _inbox(stripe_account, "payment_intent.succeeded.json")
    late_failure = fixture("stripe", "payment_intent.payment_failed.json")
    late_failure["data"]["object"]["id"] = "pi_3QpRecovered0001"
    failed = _inbox(stripe_account, "payment_intent.payment_failed.json", payload=late_failure)

    webhook_event_process(webhook_event_id=succeeded.pk)
    webhook_event_process(webhook_event_id=failed.pk)

    (success, _), (failure, _) = outcomes
    assert (success.type, failure.type) == (OutcomeType.PAYMENT_SUCCEEDED, OutcomeType.PAYMENT_FAILED)
    assert success.gateway_payment_id == failure.gateway_payment_id == "pi_3QpRecovered0001"
    assert failure.occurred_at < success.occurred_at, "the handler can see the failure is older than the success"


@pytest.mark.django_db
def test_the_task_processes_an_event_and_retries_transient_errors(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json")
    recording.FAIL_WITH.append(TransientOutcomeError("deadlock"))

    with pytest.raises(Retry):
        webhook_event_process_task.apply(args=[event.pk], throw=True)
    assert WebhookEvent.objects.get(pk=event.pk).status == WebhookEventStatus.RECEIVED

    WebhookEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())
    assert webhook_event_process_task.apply(args=[event.pk], throw=True).get() == WebhookEventStatus.DONE
    assert len(outcomes) == 1


@pytest.mark.django_db
def test_the_sweeper_finds_events_whose_processing_was_lost(stripe_account):
    now = timezone.now()
    lost = _inbox(stripe_account, "charge.failed.json", available_at=now - SWEEP_GRACE - timedelta(seconds=1))
    fresh = _inbox(stripe_account, "payment_intent.succeeded.json", available_at=now)
    stuck = _inbox(
        stripe_account,
        "charge.refunded.json",
        status=WebhookEventStatus.PROCESSING,
        updated_at=now - PROCESSING_STALE_AFTER - timedelta(minutes=1),
    )
    busy = _inbox(
        stripe_account, "checkout.session.completed.json", status=WebhookEventStatus.PROCESSING, updated_at=now
    )
    done = _inbox(
        stripe_account,
        "checkout.session.expired.json",
        status=WebhookEventStatus.DONE,
        available_at=now - timedelta(days=1),
    )

    with time_machine.travel(now + SWEEP_GRACE + timedelta(seconds=1), tick=False):
        due = webhook_events_sweep()

    assert set(due) == {lost.pk, stuck.pk, fresh.pk}
    assert WebhookEvent.objects.get(pk=stuck.pk).status == WebhookEventStatus.RECEIVED
    assert WebhookEvent.objects.get(pk=busy.pk).status == WebhookEventStatus.PROCESSING
    assert WebhookEvent.objects.get(pk=done.pk).status == WebhookEventStatus.DONE


@pytest.mark.django_db
def test_the_sweeper_task_processes_what_it_finds(stripe_account, outcomes):
    _inbox(stripe_account, "charge.failed.json", available_at=timezone.now() - timedelta(hours=1))

    assert webhook_inbox_sweep_task.apply(throw=True).get() == 1

    assert WebhookEvent.objects.get().status == WebhookEventStatus.DONE
    assert len(outcomes) == 1


@pytest.mark.django_db
def test_a_failure_webhook_becomes_a_failure_outcome_end_to_end(
    client: Client, stripe_account, outcomes, django_capture_on_commit_callbacks
):
    body = fixture_bytes("stripe", "payment_intent.payment_failed.json")
    header = stripe_signature(body, STRIPE_WEBHOOK_SECRET, int(time.time()))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/webhooks/stripe/{stripe_account.webhook_endpoint_id}/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )

    assert response.status_code == 200
    [(outcome, account)] = outcomes
    assert account.organization == stripe_account.organization
    assert outcome.type == OutcomeType.PAYMENT_FAILED
    assert outcome.references.transaction_ref == "order-1042"
    assert (outcome.amount, outcome.currency) == (2000, "USD")
    assert outcome.failure.code == "card_declined"
    assert WebhookEvent.objects.get().status == WebhookEventStatus.DONE


@pytest.mark.django_db
def test_an_event_that_keeps_failing_transiently_stops_after_the_attempt_limit(stripe_account, outcomes):
    from payments.services import MAX_PROCESSING_ATTEMPTS

    event = _inbox(stripe_account, "charge.failed.json", attempts=MAX_PROCESSING_ATTEMPTS - 1)
    recording.FAIL_WITH.append(TransientOutcomeError("locked again"))

    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.FAILED

    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookEventStatus.FAILED, MAX_PROCESSING_ATTEMPTS)


@pytest.mark.django_db
def test_a_data_error_in_the_handler_ends_done_with_a_warning_not_in_a_retry_loop(stripe_account, outcomes):
    event = _inbox(stripe_account, "charge.failed.json")
    recording.FAIL_WITH.append(DataError("value too long for type character varying(16)"))

    assert webhook_event_process(webhook_event_id=event.pk) == WebhookEventStatus.DONE

    event.refresh_from_db()
    assert event.status == WebhookEventStatus.DONE
    assert event.last_error == (
        "Processed with a warning: the outcome was not applied: "
        "DataError: value too long for type character varying(16)"
    )
    assert outcomes == []


@pytest.mark.django_db
def test_an_event_that_keeps_killing_its_worker_is_parked_as_failed_after_the_sweep_cap(stripe_account):
    now = timezone.now()
    stale = now - PROCESSING_STALE_AFTER - timedelta(minutes=1)
    poison = _inbox(
        stripe_account,
        "charge.failed.json",
        status=WebhookEventStatus.PROCESSING,
        updated_at=stale,
        sweeps=MAX_SWEEPS,
    )
    unlucky = _inbox(
        stripe_account, "charge.refunded.json", status=WebhookEventStatus.PROCESSING, updated_at=stale, sweeps=1
    )

    with time_machine.travel(now, tick=False):
        due = webhook_events_sweep()

    assert due == [unlucky.pk]
    poison.refresh_from_db()
    unlucky.refresh_from_db()
    assert (poison.status, poison.sweeps, poison.processed_at) == (WebhookEventStatus.FAILED, MAX_SWEEPS, now)
    assert poison.last_error == (
        "Stuck in processing: reset 3 times after its worker died, parked instead of trying again."
    )
    assert (unlucky.status, unlucky.sweeps) == (WebhookEventStatus.RECEIVED, 2)


@pytest.mark.django_db
def test_a_parked_event_is_listed_in_admin_with_its_sweeps_and_error(client, stripe_account):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    _inbox(
        stripe_account,
        "charge.failed.json",
        status=WebhookEventStatus.FAILED,
        sweeps=MAX_SWEEPS,
        last_error="Stuck in processing: reset 3 times after its worker died, parked instead of trying again.",
    )

    response = client.get("/admin/payments/webhookevent/", {"status__exact": "failed"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Stuck in processing: reset 3 times after its worker died" in html
    assert '<td class="field-sweeps">3</td>' in html
