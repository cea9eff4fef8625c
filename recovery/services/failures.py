"""Recording failed payments: the transaction, its failure events and their classification."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.utils import timezone

from accounts.models import Organization
from recovery.classifier import Classification, ClassifierInput, RuleSet, classify
from recovery.enums import (
    CLOSED_STATUSES,
    Action,
    Category,
    EventSource,
    PaymentMethodType,
    TransactionEffect,
    TransactionStatus,
)
from recovery.exceptions import EventKeyReused, TransactionConflict
from recovery.limits import CODE_LIMITS as _CODE_LIMITS
from recovery.limits import FAILURE_MESSAGE_MAX_LENGTH as MAX_MESSAGE_LENGTH
from recovery.limits import (
    GATEWAY_ID_MAX_LENGTH,
    GATEWAY_PATTERN,
    MAX_AMOUNT,
    SAVED_METHOD_FIELDS,
    TRANSACTION_REF_MAX_LENGTH,
)
from recovery.models import FailureEvent, Transaction
from recovery.selectors import classifier_ruleset_for
from recovery.services.planning import first_step_build, plan_recorded
from retries.models import RecoveryAttempt
from retries.scheduling import Planned
from tinko.ids import new_public_id, new_public_ids
from tinko.money import normalize_currency
from tinko.races import atomic_retrying
from tinko.rows import (
    insert_fields,
    instance_build,
    instance_mark_saved,
    instance_relate,
    instance_values,
    instances_rows,
)
from tinko.sql import ChainLink, Guard, existing_values, insert_rows, row_absent, update_rows

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
class Customer:
    email: str = ""
    phone: str = ""
    name: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class FailureInput:
    """One failed payment, as a merchant's system or a gateway webhook reports it.

    `idempotency_key` makes recording it idempotent: the API passes the request's key; a gateway
    webhook passes its provider and event id (e.g. "stripe:evt_123"). `raw_payload` is what was
    received (never card data). Codes are the gateway's: for Stripe the decline_code (else the
    error code) as `failure_code` and its advice_code as `advice_code`; for Razorpay the error
    reason; raw ISO 8583 or NPCI codes as `network_decline_code`; a Mastercard MAC as
    `network_advice_code`.
    """

    transaction_ref: str
    amount: int
    currency: str
    occurred_at: datetime
    gateway: str = "other"
    failure_code: str = ""
    failure_message: str = ""
    network_decline_code: str = ""
    network_advice_code: str = ""
    advice_code: str = ""
    payment_method_type: str = PaymentMethodType.OTHER
    customer: Customer = field(default_factory=Customer)
    metadata: Mapping[str, str] = field(default_factory=dict)
    # How the payment could be charged again (the gateway's customer and saved method); never card data.
    gateway_customer_id: str = ""
    gateway_payment_method_id: str = ""
    raw_payload: Mapping[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    # The API's fingerprint of the request (tinko.idempotency.request_fingerprint): kept on the
    # event, so that its key sent again with another request is refused even after the purge.
    request_fingerprint: str = ""
    source: str = EventSource.API

    def __post_init__(self) -> None:
        if not self.transaction_ref or len(self.transaction_ref) > TRANSACTION_REF_MAX_LENGTH:
            raise ValueError(f"transaction_ref must be 1 to {TRANSACTION_REF_MAX_LENGTH} characters.")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or not 0 < self.amount <= MAX_AMOUNT:
            raise ValueError("amount must be a positive integer number of minor units.")
        object.__setattr__(self, "currency", normalize_currency(self.currency))
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware.")
        gateway = self.gateway.strip().lower()
        if not GATEWAY_PATTERN.match(gateway):
            raise ValueError(f"gateway {self.gateway!r} must be a short lower-case name such as 'stripe'.")
        object.__setattr__(self, "gateway", gateway)
        object.__setattr__(self, "payment_method_type", PaymentMethodType(self.payment_method_type))
        object.__setattr__(self, "source", EventSource(self.source))
        for name, limit in _CODE_LIMITS.items():
            value = getattr(self, name).strip()
            if len(value) > limit:
                raise ValueError(f"{name} is longer than {limit} characters.")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "failure_message", self.failure_message.strip()[:MAX_MESSAGE_LENGTH])
        for name in SAVED_METHOD_FIELDS:
            if len(getattr(self, name)) > GATEWAY_ID_MAX_LENGTH:
                raise ValueError(f"{name} is longer than {GATEWAY_ID_MAX_LENGTH} characters.")

    def classifier_input(self) -> ClassifierInput:
        return ClassifierInput(
            gateway=self.gateway,
            code=self.failure_code,
            message=self.failure_message,
            payment_method_type=self.payment_method_type,
            network_decline_code=self.network_decline_code,
            network_advice_code=self.network_advice_code,
            advice_code=self.advice_code,
        )


@dataclass(frozen=True, slots=True)
class FailureRecorded:
    """The outcome of recording one failure.

    `created` is False when this idempotency key was recorded before: `event` is that first
    event and nothing changed. `transaction_effect` says what happened to the transaction.
    """

    transaction: Transaction
    event: FailureEvent
    classification: Classification
    created: bool
    transaction_effect: TransactionEffect
    # What the retry engine scheduled next (or why nothing): None for a failure recorded before.
    next_step: Planned | None = None


def _json_safe(payload: Mapping[str, Any]) -> Any:
    # PostgreSQL's jsonb cannot hold NUL characters; gateways' payloads occasionally do.
    encoded = orjson.dumps(payload)
    if b"\\u0000" not in encoded:
        return payload
    return orjson.loads(encoded.replace(b"\\u0000", b""))


def _new_transaction(
    *, organization: Organization, livemode: bool, failure: FailureInput, public_id: str, now: datetime
) -> Transaction:
    """A transaction as its first failure opens it (`_apply` then folds the failures in)."""
    txn = instance_build(
        Transaction,
        organization_id=organization.pk,
        livemode=livemode,
        public_id=public_id,
        transaction_ref=failure.transaction_ref,
        amount=failure.amount,
        currency=failure.currency,
        gateway=failure.gateway,
        payment_method_type=failure.payment_method_type,
        status=TransactionStatus.FAILED,
        failure_count=0,
        first_failed_at=failure.occurred_at,
        last_failed_at=failure.occurred_at,
        metadata={},
        created_at=now,
        updated_at=now,
    )
    instance_relate(txn, "organization", organization)
    return txn


def _new_event(
    *,
    organization: Organization,
    txn: Transaction,
    failure: FailureInput,
    decision: Classification,
    public_id: str,
    now: datetime,
) -> FailureEvent:
    event = instance_build(
        FailureEvent,
        organization_id=organization.pk,
        livemode=txn.livemode,
        public_id=public_id,
        transaction_id=txn.pk,
        occurred_at=failure.occurred_at,
        source=failure.source,
        gateway=failure.gateway,
        payment_method_type=failure.payment_method_type,
        failure_code=failure.failure_code,
        failure_message=failure.failure_message,
        network_decline_code=failure.network_decline_code,
        network_advice_code=failure.network_advice_code,
        advice_code=failure.advice_code,
        category=decision.category,
        retryable=decision.retryable,
        action=decision.action,
        recommendation=decision.recommendation,
        alternatives=list(decision.alternatives),
        cooldown_seconds=decision.cooldown_seconds,
        rule=decision.rule,
        explanation=decision.explanation,
        raw_payload=_json_safe(failure.raw_payload),
        idempotency_key=failure.idempotency_key or "",
        request_fingerprint=failure.request_fingerprint,
        created_at=now,
    )
    instance_relate(event, "organization", organization)
    instance_relate(event, "transaction", txn)
    return event


def _apply(
    txn: Transaction, failure: FailureInput, decision: Classification, *, now: datetime
) -> TransactionEffect | TransactionConflict:
    """Fold one failure into its transaction (in memory); the caller writes the rows."""
    if txn.currency != failure.currency:
        return TransactionConflict(
            field="currency",
            message=f"Transaction {failure.transaction_ref!r} exists in {txn.currency}, not {failure.currency}.",
        )
    if txn.amount != failure.amount:
        return TransactionConflict(
            field="amount",
            message=f"Transaction {failure.transaction_ref!r} exists with amount {txn.amount}, not {failure.amount}.",
        )
    if txn.status in CLOSED_STATUSES:
        # Recorded, not folded in; but the transaction has a new event, which whatever follows
        # changed transactions (the analytics' rollups) must see.
        txn.updated_at = now
        return TransactionEffect.NOT_REOPENED
    if txn.failure_count == 0:
        effect = TransactionEffect.CREATED
    elif txn.status == TransactionStatus.ABANDONED:
        txn.status = TransactionStatus.FAILED
        effect = TransactionEffect.REOPENED
    else:
        effect = TransactionEffect.UPDATED
    # Events may arrive out of order: the latest failure, by when it happened, describes the transaction.
    if txn.failure_count == 0 or failure.occurred_at >= txn.last_failed_at:
        txn.last_failed_at = failure.occurred_at
        txn.category = decision.category
        txn.gateway = failure.gateway
        txn.payment_method_type = failure.payment_method_type
    txn.first_failed_at = min(txn.first_failed_at, failure.occurred_at)
    txn.failure_count += 1
    customer = failure.customer
    if customer.email:
        txn.customer_email = customer.email
    if customer.phone:
        txn.customer_phone = customer.phone
    if customer.name:
        txn.customer_name = customer.name
    # What a failure names replaces what was known (the payer may have saved another card).
    if failure.gateway_customer_id:
        txn.gateway_customer_id = failure.gateway_customer_id
    if failure.gateway_payment_method_id:
        txn.gateway_payment_method_id = failure.gateway_payment_method_id
    if failure.metadata:
        txn.metadata = dict(failure.metadata)
    txn.updated_at = now
    return effect


# What `_apply` may change on a transaction that exists.
_TRANSACTION_UPDATE_FIELDS = (
    "status",
    "category",
    "gateway",
    "payment_method_type",
    "first_failed_at",
    "last_failed_at",
    "failure_count",
    "customer_email",
    "customer_phone",
    "customer_name",
    "gateway_customer_id",
    "gateway_payment_method_id",
    "metadata",
    "updated_at",
)


def _decision_of(event: FailureEvent) -> Classification:
    return Classification(
        category=Category(event.category),
        retryable=event.retryable,
        action=Action(event.action),
        recommendation=event.recommendation,
        alternatives=tuple(event.alternatives),
        cooldown_seconds=event.cooldown_seconds,
        rule=event.rule,
        explanation=event.explanation,
    )


def _insert(instances: Sequence[Transaction] | Sequence[FailureEvent], *, ignore_conflicts: bool = False) -> None:
    """INSERT new rows and mark those written saved with their ids (matched by public id)."""
    if not instances:
        return
    model = type(instances[0])
    fields = insert_fields(model)
    written = insert_rows(
        model,
        fields,
        instances_rows(instances, fields),
        ignore_conflicts=ignore_conflicts,
        returning=("id", "public_id"),
    )
    by_public_id = {instance.public_id: instance for instance in instances}
    for pk, public_id in written:
        instance_mark_saved(by_public_id[public_id], pk=pk)


def _already_recorded(
    *, organization: Organization, livemode: bool, failures: Sequence[FailureInput]
) -> dict[int, FailureRecorded | EventKeyReused]:
    """The failures (by index) whose idempotency key was recorded before: a client retrying after
    its stored response expired, a gateway redelivering. One indexed read; the unique constraint
    on (organization, livemode, idempotency_key) still decides a race. A key recorded for another API
    request is refused, as the idempotency store refuses it within its window."""
    index_of_key = {failure.idempotency_key: index for index, failure in enumerate(failures) if failure.idempotency_key}
    if len(index_of_key) != sum(1 for failure in failures if failure.idempotency_key):
        raise ValueError("Each failure in one call needs its own idempotency_key.")
    if not index_of_key:
        return {}
    recorded = existing_values(
        FailureEvent,
        "idempotency_key",
        list(index_of_key),
        where={"organization": organization.pk, "livemode": livemode},
    )
    if not recorded:
        return {}
    # `<> ''` as the partial unique index says it, so that the index serves the read.
    seen = (
        FailureEvent.objects.for_org(organization, livemode=livemode)
        .filter(idempotency_key__in=recorded)
        .exclude(idempotency_key="")
        .select_related("transaction")
    )
    results: dict[int, FailureRecorded | EventKeyReused] = {}
    for event in seen:
        index = index_of_key[event.idempotency_key]
        fingerprint = failures[index].request_fingerprint
        if fingerprint and event.request_fingerprint and fingerprint != event.request_fingerprint:
            results[index] = EventKeyReused(key=event.idempotency_key)
            continue
        results[index] = FailureRecorded(
            transaction=event.transaction,
            event=event,
            classification=_decision_of(event),
            created=False,
            transaction_effect=TransactionEffect.UNCHANGED,
        )
    return results


def _record(
    *, organization: Organization, livemode: bool, failures: Sequence[FailureInput], rules: RuleSet
) -> list[FailureRecorded | TransactionConflict | EventKeyReused]:
    now = timezone.now()
    results: dict[int, FailureRecorded | TransactionConflict | EventKeyReused] = {
        **_already_recorded(organization=organization, livemode=livemode, failures=failures)
    }
    decisions: dict[int, Classification] = {}
    # A batch's failures are mostly a few kinds of decline, and classify is a pure function of the
    # rules and the decline: each kind is classified once (a Classification is immutable).
    decided: dict[ClassifierInput, Classification] = {}
    by_ref: dict[str, list[int]] = {}
    for index, failure in enumerate(failures):
        if index not in results:
            request = failure.classifier_input()
            decision = decided.get(request)
            if decision is None:
                decision = decided[request] = classify(rules=rules, request=request)
            decisions[index] = decision
            by_ref.setdefault(failure.transaction_ref, []).append(index)

    # Most failures are a payment's first: insert every transaction as new, folding in all of
    # its failures; the insert skips those that exist, and only they are read and updated.
    effects: dict[int, TransactionEffect | TransactionConflict] = {}
    fresh: dict[str, Transaction] = {}
    for (ref, indexes), public_id in zip(by_ref.items(), new_public_ids("txn", len(by_ref)), strict=True):
        txn = _new_transaction(
            organization=organization, livemode=livemode, failure=failures[indexes[0]], public_id=public_id, now=now
        )
        for index in indexes:
            effects[index] = _apply(txn, failures[index], decisions[index], now=now)
        fresh[ref] = txn
    _insert(list(fresh.values()), ignore_conflicts=True)
    rows = {ref: txn for ref, txn in fresh.items() if txn.pk is not None}
    existing = [ref for ref in by_ref if ref not in rows]
    if existing:
        changed: list[Transaction] = []
        for txn in (
            Transaction.objects.for_org(organization, livemode=livemode)
            .select_for_update()
            .filter(transaction_ref__in=existing)
        ):
            instance_relate(txn, "organization", organization)
            rows[txn.transaction_ref] = txn
            for index in by_ref[txn.transaction_ref]:
                effects[index] = _apply(txn, failures[index], decisions[index], now=now)
            if any(isinstance(effects[index], TransactionEffect) for index in by_ref[txn.transaction_ref]):
                changed.append(txn)
        update_rows(
            Transaction,
            _TRANSACTION_UPDATE_FIELDS,
            [[txn.pk, *instance_values(txn, _TRANSACTION_UPDATE_FIELDS)] for txn in changed],
        )

    recordable = [index for index, effect in effects.items() if not isinstance(effect, TransactionConflict)]
    events = [
        _new_event(
            organization=organization,
            txn=rows[failures[index].transaction_ref],
            failure=failures[index],
            decision=decisions[index],
            public_id=public_id,
            now=now,
        )
        for index, public_id in zip(recordable, new_public_ids("fev", len(recordable)), strict=True)
    ]
    _insert(events)
    recorded = [(event, effect) for event, effect in zip(events, (effects[index] for index in recordable), strict=True)]
    planned = plan_recorded(
        [(event, effect) for event, effect in recorded if isinstance(effect, TransactionEffect)], now=now
    )
    for index, event in zip(recordable, events, strict=True):
        effect = effects[index]
        assert isinstance(effect, TransactionEffect)
        results[index] = FailureRecorded(
            transaction=event.transaction,
            event=event,
            classification=decisions[index],
            created=True,
            transaction_effect=effect,
            next_step=planned.get(event.transaction_id),
        )
    for index, effect in effects.items():
        if isinstance(effect, TransactionConflict):
            results[index] = effect
    return [results[index] for index in range(len(failures))]


def transaction_record_failures(
    *, organization: Organization, livemode: bool, failures: Sequence[FailureInput]
) -> list[FailureRecorded | TransactionConflict | EventKeyReused]:
    """Record many failures of one organization's test or live data at once (results in input
    order), in a constant number of queries.

    Runs in an atomic block of its own (a savepoint inside a caller's transaction). If a
    concurrent recording of the same event wins the unique constraint (a gateway's two events
    for one decline, processed at once), it runs once more and reports that recording.
    """
    rules = classifier_ruleset_for(organization=organization)
    results = atomic_retrying(
        lambda: _record(organization=organization, livemode=livemode, failures=failures, rules=rules)
    )
    created = sum(1 for result in results if isinstance(result, FailureRecorded) and result.created)
    logger.info(
        "failures_recorded",
        extra={
            "org_id": organization.public_id,
            "livemode": livemode,
            "received": len(failures),
            "events_created": created,
        },
    )
    return results


def transaction_record_failure(*, organization: Organization, livemode: bool, failure: FailureInput) -> FailureRecorded:
    """Record one failed payment: upsert its transaction, store the event, classify it.

    Idempotent on `failure.idempotency_key`. A failure on a recovered or cancelled transaction
    is recorded but does not reopen it; one on an abandoned transaction reopens it. Raises
    TransactionConflict when the transaction exists with another amount or currency, and
    EventKeyReused when its key was recorded for another API request.
    """
    (result,) = transaction_record_failures(organization=organization, livemode=livemode, failures=[failure])
    if isinstance(result, TransactionConflict | EventKeyReused):
        raise result
    return result


@dataclass(frozen=True)
class FirstFailure:
    """A new transaction's first failure, built in memory but not written: the rows that one
    statement can insert (see `recovery.services.ingest`), and the result once it has."""

    recorded: FailureRecorded

    def links(self) -> list[ChainLink]:
        """The transaction, then its event and its first attempt (if the planner scheduled one),
        whose `transaction` is the transaction's row."""
        txn, event = self.recorded.transaction, self.recorded.event
        event_fields = [name for name in insert_fields(FailureEvent) if name != "transaction_id"]
        links = [
            # A transaction that exists is not overwritten: the chain then stops, having written nothing.
            ChainLink(
                model=Transaction, values=_values_by_name(txn, insert_fields(Transaction)), ignore_conflicts=True
            ),
            ChainLink(model=FailureEvent, values=_values_by_name(event, event_fields), parent="transaction"),
        ]
        attempt = self._attempt()
        if attempt is not None:
            attempt_fields = [name for name in insert_fields(RecoveryAttempt) if name != "transaction_id"]
            values = dict(zip(attempt_fields, instance_values(attempt, attempt_fields), strict=True))
            links.append(ChainLink(model=RecoveryAttempt, values=values, parent="transaction", parent_link=0))
        return links

    def _attempt(self) -> RecoveryAttempt | None:
        step = self.recorded.next_step
        return step.attempt if step is not None else None

    def guards(self) -> list[Guard]:
        """The event was not recorded before under its idempotency key."""
        event = self.recorded.event
        if not event.idempotency_key:
            return []
        return [
            row_absent(
                FailureEvent,
                {
                    "organization": event.organization_id,
                    "livemode": event.livemode,
                    "idempotency_key": event.idempotency_key,
                },
                non_empty=("idempotency_key",),
            )
        ]

    def written(self, ids: Sequence[int]) -> FailureRecorded:
        """The result, once the links were inserted with these ids (in the order of `links`)."""
        txn, event = self.recorded.transaction, self.recorded.event
        transaction_pk, event_pk, *attempt_pk = ids
        instance_mark_saved(txn, pk=transaction_pk)
        event.transaction_id = transaction_pk
        instance_mark_saved(event, pk=event_pk)
        attempt = self._attempt()
        if attempt is not None:
            attempt.transaction_id = transaction_pk
            instance_mark_saved(attempt, pk=attempt_pk[0])
        logger.info(
            "failures_recorded",
            extra={"org_id": txn.organization.public_id, "livemode": txn.livemode, "received": 1, "events_created": 1},
        )
        return self.recorded


def _values_by_name(instance: Transaction | FailureEvent, fields: Sequence[str]) -> dict[str, Any]:
    return dict(zip(fields, instance_values(instance, fields), strict=True))


def transaction_first_failure(*, organization: Organization, livemode: bool, failure: FailureInput) -> FirstFailure:
    """`failure` as the first failure of a new transaction, classified, in memory: nothing is written."""
    rules = classifier_ruleset_for(organization=organization)
    now = timezone.now()
    decision = classify(rules=rules, request=failure.classifier_input())
    txn_public_id, event_public_id = new_public_id("txn"), new_public_id("fev")
    txn = _new_transaction(
        organization=organization, livemode=livemode, failure=failure, public_id=txn_public_id, now=now
    )
    effect = _apply(txn, failure, decision, now=now)
    assert effect is TransactionEffect.CREATED, effect
    event = _new_event(
        organization=organization, txn=txn, failure=failure, decision=decision, public_id=event_public_id, now=now
    )
    recorded = FailureRecorded(
        transaction=txn,
        event=event,
        classification=decision,
        created=True,
        transaction_effect=effect,
        next_step=first_step_build(txn=txn, event=event, now=now),
    )
    return FirstFailure(recorded=recorded)
