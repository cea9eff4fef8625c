"""Raw gateway bodies are kept for WEBHOOK_PAYLOAD_RETENTION_DAYS, then replaced by `{}`."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from payments.enums import WebhookEventStatus
from payments.gateways.sandbox import consts as sandbox_consts
from payments.models import SandboxEvent, WebhookEvent
from payments.services import webhook_payloads_prune
from payments.tasks import webhook_payloads_prune_task
from payments.tests.factories import inbox_event
from payments.tests.payloads import fixture


def _event(account, event_id: str, **fields) -> WebhookEvent:
    return inbox_event(account, fixture("stripe", "charge.failed.json"), event_id=event_id, **fields)


def _sandbox_event(account, **fields) -> SandboxEvent:
    return SandboxEvent.objects.create(
        organization_id=account.organization_id,
        gateway_account=account,
        event_type="payment.failed",
        body='{"id": "evt_sbx_1"}',
        **fields,
    )


@pytest.mark.django_db
def test_processed_rows_past_the_retention_lose_their_payload_and_the_rest_keep_it(
    settings, stripe_account, sandbox_account
):
    settings.WEBHOOK_PAYLOAD_RETENTION_DAYS = 30
    now = timezone.now()
    old = now - timedelta(days=31)
    recent = now - timedelta(days=29)
    done = _event(stripe_account, "evt_done", status=WebhookEventStatus.DONE, received_at=old)
    ignored = _event(stripe_account, "evt_ignored", status=WebhookEventStatus.IGNORED, received_at=old)
    failed = _event(stripe_account, "evt_failed", status=WebhookEventStatus.FAILED, received_at=old)
    waiting = _event(stripe_account, "evt_waiting", status=WebhookEventStatus.RECEIVED, received_at=old)
    fresh = _event(stripe_account, "evt_fresh", status=WebhookEventStatus.DONE, received_at=recent)
    delivered = _sandbox_event(sandbox_account, created_at=old, delivered_at=old)
    given_up = _sandbox_event(sandbox_account, created_at=old, delivery_attempts=sandbox_consts.DELIVERY_MAX_ATTEMPTS)
    still_owed = _sandbox_event(sandbox_account, created_at=old, delivery_attempts=1)
    fresh_sandbox = _sandbox_event(sandbox_account, created_at=recent, delivered_at=recent)

    with time_machine.travel(now, tick=False):
        assert webhook_payloads_prune(batch_size=2) == 5

    pruned = {row.event_id: (row.payload, row.payload_pruned_at) for row in WebhookEvent.objects.all()}
    for row in (done, ignored, failed):
        assert pruned[row.event_id] == ({}, now)
    for row in (waiting, fresh):
        assert pruned[row.event_id] == (fixture("stripe", "charge.failed.json"), None)
    sandbox = {row.pk: (row.body, row.payload_pruned_at) for row in SandboxEvent.objects.all()}
    assert sandbox == {
        delivered.pk: ("{}", now),
        given_up.pk: ("{}", now),
        still_owed.pk: ('{"id": "evt_sbx_1"}', None),
        fresh_sandbox.pk: ('{"id": "evt_sbx_1"}', None),
    }


@pytest.mark.django_db
def test_the_daily_task_prunes_and_a_second_run_finds_nothing(settings, stripe_account):
    settings.WEBHOOK_PAYLOAD_RETENTION_DAYS = 30
    _event(stripe_account, "evt_done", status=WebhookEventStatus.DONE, received_at=timezone.now() - timedelta(days=40))

    assert webhook_payloads_prune_task.apply(throw=True).get() == 1
    assert webhook_payloads_prune_task.apply(throw=True).get() == 0


def test_the_pruner_is_scheduled_daily() -> None:
    from tinko.schedules import PERIODIC_TASKS

    [spec] = [spec for spec in PERIODIC_TASKS if spec.task == "payments.prune_webhook_payloads"]
    assert spec.every_seconds == 86_400
