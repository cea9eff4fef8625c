"""The retry engine with a real Celery worker and beat (subprocesses) on PostgreSQL and Redis.

1. A failure ingested through the API → beat's dispatcher claims its email attempt → the worker
   sends the email → the payer pays at the sandbox, whose webhook recovers the transaction → the
   later attempt is cancelled.
2. The worker is killed (`kill -9`) inside a re-charge, after the gateway charged: after a restart
   the sweeper asks the gateway and the attempt ends charged, with one gateway charge in all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import ApiKeyFactory, OrganizationFactory
from messaging.enums import NotificationStatus
from messaging.models import NotificationLog
from payments.gateways.sandbox.gateway import checkout_pay
from payments.interface import CheckoutRequest, PaymentReferences
from payments.models import SandboxCheckout, SandboxEvent, SandboxPayment
from payments.services import gateway_checkout_create
from payments.tests.factories import GatewayAccountFactory
from recovery.enums import TransactionStatus
from recovery.models import Transaction
from recovery.tests.factories import record_failure
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.tests import factories
from retries.tests.gateway_hooks import calls
from retries.tests.processes import CeleryProcesses, beat_dispatcher_and_sweeper_every_second
from tinko.money import Money

pytestmark = [
    pytest.mark.integration,
    # Transactional (the worker must see committed rows); the flush after each test would also take
    # the classifier rules migrations wrote, so they are put back.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not django_settings.REDIS_URL,
        reason="needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL): a real worker and beat share them",
    ),
]


def _all_day_policy(organization: Any, channels: list[str]) -> None:
    factories.policy(
        organization=organization,
        channels=channels,
        first_delay=timedelta(minutes=1),
        window_start=time(0, 0),
        window_end=time(23, 59),
    )


def _due_now(attempt_id: str) -> RecoveryAttempt:
    """Time passes: the attempt the planner scheduled a minute ahead is due."""
    RecoveryAttempt.objects.filter(public_id=attempt_id).update(scheduled_at=timezone.now())
    return RecoveryAttempt.objects.get(public_id=attempt_id)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    (tmp_path / "mail").mkdir()
    return tmp_path


@pytest.fixture
def processes(run_dir: Path) -> Iterator[CeleryProcesses]:
    started = CeleryProcesses(directory=run_dir, env={"RETRY_STUCK_AFTER_SECONDS": "3"})
    try:
        yield started
    finally:
        started.stop()


def test_an_ingested_failure_is_emailed_then_paid_and_its_later_attempts_cancelled(
    processes: CeleryProcesses, run_dir: Path, live_server: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    processes.env["PUBLIC_BASE_URL"] = live_server.url
    organization = OrganizationFactory.create()
    account = GatewayAccountFactory.sandbox(organization=organization)
    _all_day_policy(organization, [Channel.EMAIL, Channel.AUTO_CHARGE])
    key = ApiKeyFactory.issue(organization=organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.plaintext}")
    body = {
        "transaction_ref": "order-7001",
        "amount": 149900,
        "currency": "INR",
        "gateway": "sandbox",
        "failure_code": "insufficient_funds",
        "network_decline_code": "51",
        "payment_method_type": "card",
        "occurred_at": timezone.now().isoformat(),
        "customer": {"email": "asha.rao@example.com", "name": "Asha Rao"},
        "gateway_payment_method_id": "sbx_pm_card_ok",
    }
    response = client.post(
        "/v1/events/payment_failed", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-7001"
    )
    assert response.status_code == 201, response.content
    next_step = response.json()["next_step"]
    assert next_step["action"] == Channel.EMAIL
    first = _due_now(next_step["attempt"])

    beat_dispatcher_and_sweeper_every_second()
    processes.start_worker()
    processes.start_beat()

    def emailed() -> bool:
        first.refresh_from_db()
        return first.status == AttemptStatus.SENT

    processes.wait_for(emailed, "the dispatcher and the worker to send the email")
    log = NotificationLog.objects.get(transaction=first.transaction)
    assert (log.status, log.recipient_masked) == (NotificationStatus.SENT, "a***@e***.com")
    [mail_file] = list((run_dir / "mail").iterdir())
    message = mail_file.read_text()
    assert "To: asha.rao@example.com" in message
    assert f"{live_server.url}/pay/retry/" in message
    second = RecoveryAttempt.objects.get(transaction=first.transaction, number=2)
    assert second.status == AttemptStatus.SCHEDULED
    assert second.scheduled_at > timezone.now()
    txn = Transaction.objects.get(pk=first.transaction_id)
    assert txn.status == TransactionStatus.RECOVERING

    # The payer pays at the sandbox; its webhook reaches Tinko's endpoint on the live server.
    session = gateway_checkout_create(
        account=account,
        request=CheckoutRequest(
            amount=Money(txn.amount, txn.currency),
            description="Order 7001",
            idempotency_key=f"checkout-{txn.public_id}",
            references=PaymentReferences(transaction_ref=txn.transaction_ref),
        ),
    )
    assert checkout_pay(checkout=SandboxCheckout.objects.get(public_id=session.checkout_id)) is not None

    assert SandboxEvent.objects.get().delivered_at is not None, "the webhook was acknowledged"
    txn.refresh_from_db()
    second.refresh_from_db()
    assert (txn.status, txn.recovered_amount) == (TransactionStatus.RECOVERED, 149900)
    assert (second.status, second.error) == (AttemptStatus.CANCELLED, "the transaction was recovered")
    assert calls(run_dir, "charges") == [], "the payer paid before any re-charge"


def test_a_worker_killed_after_the_gateway_charged_is_finished_once_after_a_restart(
    processes: CeleryProcesses, run_dir: Path
) -> None:
    # Nothing listens here: the sandbox's own webhook for the charge goes nowhere, so it is the
    # sweeper, asking the gateway, that finishes the attempt.
    processes.env["PUBLIC_BASE_URL"] = "http://127.0.0.1:9"
    organization = OrganizationFactory.create()
    GatewayAccountFactory.sandbox(organization=organization)
    _all_day_policy(organization, [Channel.AUTO_CHARGE])
    recorded = record_failure(
        organization=organization,
        gateway="sandbox",
        currency="USD",
        amount=4200,
        gateway_customer_id="cus_sbx_asha",
        gateway_payment_method_id="sbx_pm_card_ok",
    )
    planned = recorded.next_step.attempt if recorded.next_step else None
    assert planned is not None, recorded.next_step
    attempt = _due_now(planned.public_id)
    assert attempt.channel == Channel.AUTO_CHARGE
    (run_dir / "hold").touch()

    beat_dispatcher_and_sweeper_every_second()
    processes.start_worker()
    processes.start_beat()
    processes.wait_for(lambda: (run_dir / "held").exists(), "the worker to charge and hang")
    processes.kill_worker()

    attempt.refresh_from_db()
    payment = SandboxPayment.objects.get()
    assert (run_dir / "held").read_text() == payment.public_id
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.idempotency_key == f"tinko_{attempt.public_id}" == payment.idempotency_key
    assert attempt.gateway_payment_id == "", "the worker died before it wrote anything down"

    (run_dir / "hold").unlink()
    processes.start_worker()

    def finished() -> bool:
        attempt.refresh_from_db()
        return attempt.status != AttemptStatus.IN_PROGRESS

    processes.wait_for(finished, "the sweeper to finish the attempt")
    assert (attempt.status, attempt.gateway_payment_id) == (AttemptStatus.CHARGED, payment.public_id)
    assert Transaction.objects.get(pk=attempt.transaction_id).status == TransactionStatus.RECOVERED
    assert SandboxPayment.objects.count() == 1
    assert calls(run_dir, "charges") == [attempt.idempotency_key], "one gateway charge in all"
    assert calls(run_dir, "lookups") == [attempt.idempotency_key], "the sweeper asked before doing anything"
