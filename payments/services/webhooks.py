"""The webhook inbox: receiving verified deliveries, processing them, the sweeper and pruning."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DataError, IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.services.audit import Actor, audit_record
from payments.enums import GatewayMode, GatewayProvider, WebhookEventStatus
from payments.exceptions import (
    GatewayError,
    TransientOutcomeError,
    WebhookVerificationError,
)
from payments.gateways.sandbox import consts as sandbox_consts
from payments.models import SandboxEvent, WebhookEvent
from payments.registry import gateway_adapter, outcome_deliver
from payments.selectors import (
    REJECTION_COUNTER_KEY,
    gateway_account_for_webhook,
    gateway_credentials,
    gateway_webhook_secrets,
)
from tinko.enqueue import task_enqueue_on_commit

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 2000
PAYMENT_REFERENCE_MAX_LENGTH = WebhookEvent._meta.get_field("payment_reference").max_length or 255
# A row still `received` this long after it was due has lost its enqueue; the sweeper sends it again.
SWEEP_GRACE = timedelta(minutes=2)
# A row `processing` this long belongs to a worker that died mid-task.
PROCESSING_STALE_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 500
# However its retries were scheduled (task retries, sweeper), an event gets this many tries in all.
MAX_PROCESSING_ATTEMPTS = 10
# Found stuck in `processing` this many times, an event is taken to kill its worker and is parked as failed.
MAX_SWEEPS = 3
PRUNE_BATCH = 1000
# One daily run prunes at most this many batches per table; the rest waits for the next day.
PRUNE_MAX_BATCHES = 100
# The inbox's unique constraints that mean "this delivery is already here" (payments.models).
DUPLICATE_CONSTRAINTS = {
    "payments_webhookevent_one_per_endpoint_event": ("gateway_account_id", "event_id"),
    "payments_webhookevent_one_per_endpoint_body": ("gateway_account_id", "body_sha256"),
}
# Registered by payments.tasks; services send it by name, so they never import the tasks module.
WEBHOOK_EVENT_PROCESS_TASK = "payments.process_webhook_event"


class WebhookEndpointUnknown(LookupError):
    pass


@dataclass(frozen=True)
class WebhookReceipt:
    event_id: str
    duplicate: bool


def _count_rejection(provider: str) -> None:
    key = REJECTION_COUNTER_KEY.format(provider=provider)
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=None)


def _is_duplicate(exc: IntegrityError) -> bool:
    """Whether the INSERT broke one of DUPLICATE_CONSTRAINTS, by name: any other violation is a bug to raise."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg) names the constraint
        return diag.constraint_name in DUPLICATE_CONSTRAINTS
    # SQLite names the columns: "UNIQUE constraint failed: payments_webhookevent.gateway_account_id, …"
    table = WebhookEvent._meta.db_table
    return str(exc) in {
        "UNIQUE constraint failed: " + ", ".join(f"{table}.{column}" for column in columns)
        for columns in DUPLICATE_CONSTRAINTS.values()
    }


def webhook_receive(
    *, provider: str, endpoint_id: str, body: bytes, headers: Mapping[str, str], now: datetime | None = None
) -> WebhookReceipt:
    """Verify a delivery and put it in the inbox (once per endpoint and event id, and once per endpoint
    and body); processing is enqueued after commit. Raises WebhookEndpointUnknown or
    WebhookVerificationError, storing nothing."""

    now = now or timezone.now()
    account = (
        gateway_account_for_webhook(provider=provider, endpoint_id=endpoint_id)
        if provider in GatewayProvider.values
        else None
    )
    if account is None:
        _count_rejection(provider if provider in GatewayProvider.values else "unknown")
        logger.warning(
            "webhook_rejected", extra={"provider": provider, "endpoint_id": endpoint_id, "reason": "unknown_endpoint"}
        )
        raise WebhookEndpointUnknown(endpoint_id)
    try:
        verified = gateway_adapter(provider).verify_webhook(
            body=body, headers=headers, secrets=gateway_webhook_secrets(account=account, now=now), now=now
        )
    except WebhookVerificationError as exc:
        _count_rejection(provider)
        logger.warning(
            "webhook_rejected",
            extra={
                "provider": provider,
                "org_id": account.organization_id,
                "endpoint_id": endpoint_id,
                "reason": exc.reason,
            },
        )
        raise
    try:
        # A savepoint only when a caller's transaction is open; on its own the INSERT is one
        # autocommit statement, which keeps this hot path to a single round trip.
        with transaction.atomic(savepoint=True) if transaction.get_connection().in_atomic_block else nullcontext():
            event = WebhookEvent.objects.create(
                organization_id=account.organization_id,
                provider=provider,
                event_id=verified.event_id,
                event_type=verified.event_type[:100],
                gateway_account=account,
                livemode=verified.livemode,
                payload=dict(verified.payload),
                body_sha256=hashlib.sha256(body).hexdigest(),
                received_at=now,
                available_at=now,
                updated_at=now,
            )
    except IntegrityError as exc:
        if not _is_duplicate(exc):
            raise
        logger.info(
            "webhook_duplicate",
            extra={"provider": provider, "org_id": account.organization_id, "event_id": verified.event_id},
        )
        return WebhookReceipt(event_id=verified.event_id, duplicate=True)
    # Sent now in autocommit mode, or after the caller's transaction commits.
    task_enqueue_on_commit(WEBHOOK_EVENT_PROCESS_TASK, event.pk)
    logger.info(
        "webhook_received",
        extra={
            "provider": provider,
            "org_id": account.organization_id,
            "event_id": verified.event_id,
            "event_type": verified.event_type,
        },
    )
    return WebhookReceipt(event_id=verified.event_id, duplicate=False)


def _finish(
    webhook_event: WebhookEvent,
    status: str,
    *,
    error: str = "",
    available_at: datetime | None = None,
    payment_reference: str = "",
) -> None:
    now = timezone.now()
    updates: dict[str, Any] = {"status": status, "last_error": error[:ERROR_MAX_LENGTH], "updated_at": now}
    if payment_reference:
        updates["payment_reference"] = payment_reference[:PAYMENT_REFERENCE_MAX_LENGTH]
    if status in (WebhookEventStatus.DONE, WebhookEventStatus.IGNORED, WebhookEventStatus.FAILED):
        updates["processed_at"] = now
    if available_at is not None:
        updates["available_at"] = available_at
    WebhookEvent.objects.filter(pk=webhook_event.pk, status=WebhookEventStatus.PROCESSING).update(**updates)
    log = logger.warning if status == WebhookEventStatus.FAILED else logger.info
    log(
        "webhook_processed",
        extra={
            "provider": webhook_event.provider,
            "org_id": webhook_event.organization_id,
            "event_id": webhook_event.event_id,
            "event_type": webhook_event.event_type,
            "status": status,
            "error": error[:200],
        },
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def webhook_event_process(
    *, webhook_event_id: int, final_attempt: bool = False, retry_delay: timedelta = timedelta(seconds=30)
) -> str:
    """Process one inbox row: claim it (received → processing), normalize it through the adapter's
    dispatch table, hand the outcome to PAYMENTS_OUTCOME_HANDLER in the same transaction that marks
    it done. Returns the new status, "retry" (transient trouble, due again after retry_delay), or
    "skipped" when the row is gone or not waiting (already done, or another worker has it)."""
    now = timezone.now()
    claimed = WebhookEvent.objects.filter(pk=webhook_event_id, status=WebhookEventStatus.RECEIVED).update(
        status=WebhookEventStatus.PROCESSING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return "skipped"
    webhook_event = WebhookEvent.objects.select_related("gateway_account").get(pk=webhook_event_id)
    account = webhook_event.gateway_account
    final_attempt = final_attempt or webhook_event.attempts >= MAX_PROCESSING_ATTEMPTS

    def transient(exc: BaseException) -> str:
        if final_attempt:
            _finish(webhook_event, WebhookEventStatus.FAILED, error=_describe(exc))
            return WebhookEventStatus.FAILED
        _finish(webhook_event, WebhookEventStatus.RECEIVED, error=_describe(exc), available_at=now + retry_delay)
        return "retry"

    if webhook_event.livemode is not None and webhook_event.livemode != (account.mode == GatewayMode.LIVE):
        _finish(
            webhook_event,
            WebhookEventStatus.IGNORED,
            error=f"A livemode={webhook_event.livemode} event for a {account.mode} account.",
        )
        return WebhookEventStatus.IGNORED
    try:
        outcome = gateway_adapter(webhook_event.provider).parse_event(
            credentials=gateway_credentials(account=account),
            event_id=webhook_event.event_id,
            payload=webhook_event.payload,
        )
    except GatewayError as exc:
        if exc.transient:
            return transient(exc)
        _finish(webhook_event, WebhookEventStatus.FAILED, error=_describe(exc))
        return WebhookEventStatus.FAILED
    except (KeyError, ValueError, TypeError) as exc:
        _finish(webhook_event, WebhookEventStatus.FAILED, error=f"Malformed event: {_describe(exc)}")
        return WebhookEventStatus.FAILED
    if outcome is None:
        _finish(webhook_event, WebhookEventStatus.IGNORED, error=f"No handler for {webhook_event.event_type}.")
        return WebhookEventStatus.IGNORED
    reference = outcome.references.transaction_ref or outcome.gateway_payment_id or ""
    try:
        with transaction.atomic():
            outcome_deliver(outcome=outcome, account=account)
            _finish(webhook_event, WebhookEventStatus.DONE, payment_reference=reference)
    except TransientOutcomeError as exc:
        return transient(exc)
    except DataError as exc:
        # A value the database refuses will be refused on every retry: the event is done, its
        # outcome not applied, and the row says so instead of looping.
        logger.warning("webhook_outcome_data_error", extra={"event_id": webhook_event.event_id})
        _finish(
            webhook_event,
            WebhookEventStatus.DONE,
            error=f"Processed with a warning: the outcome was not applied: {_describe(exc)}",
            payment_reference=reference,
        )
        return WebhookEventStatus.DONE
    except Exception as exc:  # the handler is another app's code: record any failure on the row
        logger.exception("webhook_handler_failed", extra={"event_id": webhook_event.event_id})
        _finish(webhook_event, WebhookEventStatus.FAILED, error=_describe(exc), payment_reference=reference)
        return WebhookEventStatus.FAILED
    return WebhookEventStatus.DONE


def webhook_events_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of inbox rows whose processing was lost (never enqueued, broker flushed, worker killed),
    after putting rows stuck in `processing` back to `received`, or parking them as failed once they
    have been found stuck MAX_SWEEPS times (an event that kills its worker would loop for ever)."""
    now = now or timezone.now()
    stuck = WebhookEvent.objects.filter(
        status=WebhookEventStatus.PROCESSING, updated_at__lt=now - PROCESSING_STALE_AFTER
    )
    stuck_ids = list(stuck.values_list("pk", flat=True)[:limit])
    parked = WebhookEvent.objects.filter(
        pk__in=stuck_ids, status=WebhookEventStatus.PROCESSING, sweeps__gte=MAX_SWEEPS
    ).update(
        status=WebhookEventStatus.FAILED,
        last_error=(
            f"Stuck in processing: reset {MAX_SWEEPS} times after its worker died, parked instead of trying again."
        ),
        processed_at=now,
        updated_at=now,
    )
    if parked:
        logger.warning("webhook_events_parked", extra={"count": parked})
    WebhookEvent.objects.filter(pk__in=stuck_ids, status=WebhookEventStatus.PROCESSING).update(
        status=WebhookEventStatus.RECEIVED, sweeps=F("sweeps") + 1, available_at=now, updated_at=now
    )
    reset_ids = list(
        WebhookEvent.objects.filter(pk__in=stuck_ids, status=WebhookEventStatus.RECEIVED).values_list("pk", flat=True)
    )
    lost_ids = list(
        WebhookEvent.objects.filter(status=WebhookEventStatus.RECEIVED, available_at__lte=now - SWEEP_GRACE)
        .order_by("available_at")
        .values_list("pk", flat=True)[: max(limit - len(stuck_ids), 0)]
    )
    return reset_ids + [pk for pk in lost_ids if pk not in reset_ids]


def webhook_event_requeue(*, webhook_event: WebhookEvent, actor: Actor | None = None) -> bool:
    """Send a failed or ignored event through processing again (after a fix); False if it wasn't.
    With an `actor` (a person in the console) the request is audited."""
    now = timezone.now()
    with transaction.atomic():
        changed = WebhookEvent.objects.filter(
            Q(status=WebhookEventStatus.FAILED) | Q(status=WebhookEventStatus.IGNORED), pk=webhook_event.pk
        ).update(status=WebhookEventStatus.RECEIVED, available_at=now, updated_at=now)
        if changed:
            task_enqueue_on_commit(WEBHOOK_EVENT_PROCESS_TASK, webhook_event.pk)
            if actor is not None:
                audit_record(
                    organization=webhook_event.organization,
                    actor=actor,
                    action="webhook_event.reprocessed",
                    target=webhook_event,
                    target_label=f"{webhook_event.provider} {webhook_event.event_id}",
                    changes={"status": [webhook_event.status, WebhookEventStatus.RECEIVED]},
                )
    return bool(changed)


def _prune_batches(
    rows: QuerySet[WebhookEvent] | QuerySet[SandboxEvent],
    *,
    oldest_first: str,
    empty: dict[str, Any],
    now: datetime,
    batch_size: int,
) -> int:
    pruned = 0
    for _ in range(PRUNE_MAX_BATCHES):
        pks = list(rows.order_by(oldest_first).values_list("pk", flat=True)[:batch_size])
        if not pks:
            break
        pruned += rows.filter(pk__in=pks).update(**empty, payload_pruned_at=now)
        if len(pks) < batch_size:
            break
    return pruned


def webhook_payloads_prune(*, now: datetime | None = None, batch_size: int = PRUNE_BATCH) -> int:
    """Replace the raw bodies of inbox rows done with (done, ignored, failed) and of sandbox events no
    longer owed, once older than WEBHOOK_PAYLOAD_RETENTION_DAYS, by `{}`; returns how many rows.
    The body hash stays, so a replay of a pruned delivery is still a duplicate."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBHOOK_PAYLOAD_RETENTION_DAYS)
    finished = (WebhookEventStatus.DONE, WebhookEventStatus.IGNORED, WebhookEventStatus.FAILED)
    inbox = WebhookEvent.objects.filter(payload_pruned_at__isnull=True, received_at__lt=cutoff, status__in=finished)
    sandbox = SandboxEvent.objects.filter(payload_pruned_at__isnull=True, created_at__lt=cutoff).exclude(
        delivered_at__isnull=True, delivery_attempts__lt=sandbox_consts.DELIVERY_MAX_ATTEMPTS
    )
    pruned = _prune_batches(inbox, oldest_first="received_at", empty={"payload": {}}, now=now, batch_size=batch_size)
    pruned += _prune_batches(sandbox, oldest_first="created_at", empty={"body": "{}"}, now=now, batch_size=batch_size)
    logger.info("webhook_payloads_pruned", extra={"rows": pruned})
    return pruned
