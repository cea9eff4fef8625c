"""Writes for recovery: recording failed payments, and editing classifier rules."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
from django.db import IntegrityError, connection, models, transaction
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
from recovery.exceptions import TransactionConflict
from recovery.models import ClassifierRule, FailureEvent, Transaction
from recovery.selectors import CLASSIFIER_RULES_TOKEN, classifier_ruleset_for
from tinko.ids import new_public_id, new_public_ids
from tinko.money import normalize_currency
from tinko.sql import ChainLink, Guard, concrete_field, existing_values, insert_chain, insert_rows, update_rows

logger = logging.getLogger(__name__)

GATEWAY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
MAX_AMOUNT = 2**53 - 1  # the largest integer every JSON client reads exactly
_CODE_LIMITS = {"failure_code": 100, "network_decline_code": 8, "network_advice_code": 8, "advice_code": 64}
MAX_MESSAGE_LENGTH = 1000


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
    raw_payload: Mapping[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    source: str = EventSource.API

    def __post_init__(self) -> None:
        if not self.transaction_ref or len(self.transaction_ref) > 255:
            raise ValueError("transaction_ref must be 1 to 255 characters.")
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


def _json_safe(payload: Mapping[str, Any]) -> Any:
    # PostgreSQL's jsonb cannot hold NUL characters; gateways' payloads occasionally do.
    encoded = orjson.dumps(payload)
    if b"\\u0000" not in encoded:
        return payload
    return orjson.loads(encoded.replace(b"\\u0000", b""))


_Recorded = TypeVar("_Recorded", Transaction, FailureEvent)


@functools.cache
def _foreign_key(model: type[Transaction | FailureEvent], name: str) -> models.ForeignKey[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.ForeignKey)
    return field


def _instance(model: type[_Recorded], values: Sequence[Any], *, organization: Organization) -> _Recorded:
    """An instance from every column's value in column order, as keyword arguments would build it.

    Positional values take Django's fast path (the one it uses for rows read from the database):
    a few times cheaper than keywords, and ingest builds two instances per event.
    """
    # Typed as a plain callable: the Django type plugin reads `*values` as the id alone.
    construct: Callable[..., _Recorded] = model
    instance = construct(*values)
    _foreign_key(model, "organization").set_cached_value(instance, organization)
    return instance


def _new_transaction(
    *, organization: Organization, failure: FailureInput, public_id: str, now: datetime
) -> Transaction:
    values: tuple[Any, ...] = (
        None,  # id: the INSERT assigns it
        organization.pk,
        public_id,
        failure.transaction_ref,
        failure.amount,
        failure.currency,
        failure.gateway,
        failure.payment_method_type,
        "",  # customer_email
        "",  # customer_phone
        "",  # customer_name
        TransactionStatus.FAILED,
        "",  # category: _apply sets it
        0,  # failure_count
        failure.occurred_at,  # first_failed_at
        failure.occurred_at,  # last_failed_at
        None,  # recovered_amount
        None,  # recovered_at
        {},  # metadata
        now,  # created_at
        now,  # updated_at
    )
    return _instance(Transaction, values, organization=organization)


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
    if failure.metadata:
        txn.metadata = dict(failure.metadata)
    txn.updated_at = now
    return effect


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


_TRANSACTION_INSERT_FIELDS = (
    "organization",
    "public_id",
    "transaction_ref",
    "amount",
    "currency",
    "gateway",
    "payment_method_type",
    "customer_email",
    "customer_phone",
    "customer_name",
    "status",
    "category",
    "failure_count",
    "first_failed_at",
    "last_failed_at",
    "metadata",
    "created_at",
    "updated_at",
)
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
    "metadata",
    "updated_at",
)
_EVENT_FIELDS = (
    "organization",
    "public_id",
    "transaction",
    "occurred_at",
    "source",
    "gateway",
    "payment_method_type",
    "failure_code",
    "failure_message",
    "network_decline_code",
    "network_advice_code",
    "advice_code",
    "category",
    "retryable",
    "action",
    "recommendation",
    "alternatives",
    "cooldown_seconds",
    "rule",
    "explanation",
    "raw_payload",
    "idempotency_key",
    "created_at",
)


def _event_row(
    *,
    organization: Organization,
    txn: Transaction,
    failure: FailureInput,
    decision: Classification,
    public_id: str,
    now: datetime,
) -> list[Any]:
    """The values of a new event's row, in _EVENT_FIELDS order."""
    return [
        organization.pk,
        public_id,
        txn.pk,
        failure.occurred_at,
        failure.source,
        failure.gateway,
        failure.payment_method_type,
        failure.failure_code,
        failure.failure_message,
        failure.network_decline_code,
        failure.network_advice_code,
        failure.advice_code,
        decision.category,
        decision.retryable,
        decision.action,
        decision.recommendation,
        list(decision.alternatives),
        decision.cooldown_seconds,
        decision.rule,
        decision.explanation,
        _json_safe(failure.raw_payload),
        failure.idempotency_key or "",
        now,
    ]


def _event(*, pk: int | None, row: Sequence[Any], organization: Organization, txn: Transaction) -> FailureEvent:
    # _EVENT_FIELDS are every column but the id, in column order.
    event = _instance(FailureEvent, (pk, *row), organization=organization)
    _foreign_key(FailureEvent, "transaction").set_cached_value(event, txn)
    return event


@functools.cache
def _attnames(model: type[Transaction | FailureEvent], fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(concrete_field(model, name).attname for name in fields)


def _row(instance: Transaction | FailureEvent, attnames: Sequence[str]) -> list[Any]:
    return [getattr(instance, name) for name in attnames]


def _record(
    *, organization: Organization, failures: Sequence[FailureInput], rules: RuleSet
) -> list[FailureRecorded | TransactionConflict]:
    now = timezone.now()
    results: list[FailureRecorded | TransactionConflict | None] = [None] * len(failures)

    keys = [failure.idempotency_key for failure in failures if failure.idempotency_key]
    if len(keys) != len(set(keys)):
        raise ValueError("Each failure in one call needs its own idempotency_key.")
    if keys:
        # Keys already recorded (a client retrying after its stored response expired, a gateway
        # redelivering): report the first recording, change nothing. One indexed read; the unique
        # constraint on (organization, idempotency_key) still decides a race.
        index_of_key = {failure.idempotency_key: index for index, failure in enumerate(failures)}
        recorded = existing_values(FailureEvent, "idempotency_key", keys, where={"organization": organization.pk})
        seen = (
            # `<> ''` as the partial unique index says it, so that the index serves the read.
            FailureEvent.objects.filter(organization=organization, idempotency_key__in=recorded)
            .exclude(idempotency_key="")
            .select_related("transaction")
            if recorded
            else []
        )
        for event in seen:
            results[index_of_key[event.idempotency_key]] = FailureRecorded(
                transaction=event.transaction,
                event=event,
                classification=_decision_of(event),
                created=False,
                transaction_effect=TransactionEffect.UNCHANGED,
            )

    decisions: dict[int, Classification] = {}
    by_ref: dict[str, list[int]] = {}
    for index, failure in enumerate(failures):
        if results[index] is None:
            decisions[index] = classify(rules=rules, request=failure.classifier_input())
            by_ref.setdefault(failure.transaction_ref, []).append(index)
    if not by_ref:
        return [result for result in results if result is not None]

    # Most failures are a payment's first: insert every transaction as new, folding in all of
    # its failures; the insert skips those that exist, and only they are read and updated.
    effects: dict[int, TransactionEffect | TransactionConflict] = {}
    fresh: dict[str, Transaction] = {}
    for (ref, indexes), public_id in zip(by_ref.items(), new_public_ids("txn", len(by_ref)), strict=True):
        txn = _new_transaction(organization=organization, failure=failures[indexes[0]], public_id=public_id, now=now)
        for index in indexes:
            effects[index] = _apply(txn, failures[index], decisions[index], now=now)
        fresh[ref] = txn
    insert_attnames = _attnames(Transaction, _TRANSACTION_INSERT_FIELDS)
    inserted = insert_rows(
        Transaction,
        _TRANSACTION_INSERT_FIELDS,
        [_row(txn, insert_attnames) for txn in fresh.values()],
        ignore_conflicts=True,
        returning=("id", "transaction_ref"),
    )
    rows: dict[str, Transaction] = {}
    for pk, ref in inserted:
        fresh[ref].pk = pk
        rows[ref] = fresh[ref]
    existing = [ref for ref in by_ref if ref not in rows]
    if existing:
        changed: list[Transaction] = []
        for txn in Transaction.objects.select_for_update().filter(
            organization=organization, transaction_ref__in=existing
        ):
            rows[txn.transaction_ref] = txn
            for index in by_ref[txn.transaction_ref]:
                effects[index] = _apply(txn, failures[index], decisions[index], now=now)
            if any(
                isinstance(effects[index], TransactionEffect) and effects[index] != TransactionEffect.NOT_REOPENED
                for index in by_ref[txn.transaction_ref]
            ):
                changed.append(txn)
        update_attnames = _attnames(Transaction, _TRANSACTION_UPDATE_FIELDS)
        update_rows(Transaction, _TRANSACTION_UPDATE_FIELDS, [[txn.pk, *_row(txn, update_attnames)] for txn in changed])

    recordable: list[tuple[int, TransactionEffect]] = []
    for index, effect in effects.items():
        if isinstance(effect, TransactionConflict):
            results[index] = effect
        else:
            recordable.append((index, effect))
    public_ids = new_public_ids("fev", len(recordable))
    event_rows = [
        _event_row(
            organization=organization,
            txn=rows[failures[index].transaction_ref],
            failure=failures[index],
            decision=decisions[index],
            public_id=public_id,
            now=now,
        )
        for (index, _), public_id in zip(recordable, public_ids, strict=True)
    ]
    inserted_events = insert_rows(FailureEvent, _EVENT_FIELDS, event_rows, returning=("id", "public_id"))
    pk_of = {public_id: pk for pk, public_id in inserted_events}
    for (index, effect), public_id, row in zip(recordable, public_ids, event_rows, strict=True):
        txn = rows[failures[index].transaction_ref]
        results[index] = FailureRecorded(
            transaction=txn,
            event=_event(pk=pk_of[public_id], row=row, organization=organization, txn=txn),
            classification=decisions[index],
            created=True,
            transaction_effect=effect,
        )
    return [result for result in results if result is not None]


def transaction_record_failures(
    *, organization: Organization, failures: Sequence[FailureInput]
) -> list[FailureRecorded | TransactionConflict]:
    """Record many failures at once (results in input order), in a constant number of queries.

    Runs in the caller's transaction when there is one (the API stores its idempotent response
    in it); otherwise in its own, run again once if a concurrent recording of the same event
    wins the unique constraint, so that the second run reports that recording.
    """
    rules = classifier_ruleset_for(organization=organization)
    attempts = 1 if transaction.get_connection().in_atomic_block else 2
    for attempt in range(attempts):
        try:
            with transaction.atomic(savepoint=False):
                results = _record(organization=organization, failures=failures, rules=rules)
            break
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    created = sum(1 for result in results if isinstance(result, FailureRecorded) and result.created)
    logger.info(
        "failures_recorded",
        extra={"org_id": organization.public_id, "received": len(failures), "events_created": created},
    )
    return results


def transaction_record_failure(*, organization: Organization, failure: FailureInput) -> FailureRecorded:
    """Record one failed payment: upsert its transaction, store the event, classify it.

    Idempotent on `failure.idempotency_key`. A failure on a recovered or cancelled transaction
    is recorded but does not reopen it; one on an abandoned transaction reopens it. Raises
    TransactionConflict when the transaction exists with another amount or currency.
    """
    (result,) = transaction_record_failures(organization=organization, failures=[failure])
    if isinstance(result, TransactionConflict):
        raise result
    return result


def transaction_record_new(
    *,
    organization: Organization,
    failure: FailureInput,
    guards: Sequence[Guard],
    then: Callable[[FailureRecorded], Sequence[ChainLink]],
) -> FailureRecorded | None:
    """Record `failure` as the first failure of a new transaction in one statement (PostgreSQL),
    with the rows `then` adds from the result (written only with it), if every guard holds.

    This is the common case of ingest: one round trip where the general path takes seven (begin,
    key lock, repeat check, two inserts, the stored response, commit). None, having written
    nothing, in any other case: another database, a guard that fails, a transaction that exists,
    an event recorded before, or a lost race; the caller then takes the general path
    (`transaction_record_failures`).
    """
    if connection.vendor != "postgresql":
        return None
    rules = classifier_ruleset_for(organization=organization)
    now = timezone.now()
    decision = classify(rules=rules, request=failure.classifier_input())
    txn_public_id, event_public_id = new_public_id("txn"), new_public_id("fev")
    txn = _new_transaction(organization=organization, failure=failure, public_id=txn_public_id, now=now)
    effect = _apply(txn, failure, decision, now=now)
    assert effect is TransactionEffect.CREATED, effect
    event_row = _event_row(
        organization=organization, txn=txn, failure=failure, decision=decision, public_id=event_public_id, now=now
    )
    event = _event(pk=None, row=event_row, organization=organization, txn=txn)
    result = FailureRecorded(
        transaction=txn, event=event, classification=decision, created=True, transaction_effect=effect
    )
    transaction_values = _row(txn, _attnames(Transaction, _TRANSACTION_INSERT_FIELDS))
    links = [
        ChainLink(
            model=Transaction,
            values=dict(zip(_TRANSACTION_INSERT_FIELDS, transaction_values, strict=True)),
            ignore_conflicts=True,
        ),
        # The event's transaction is the row the link before it inserted.
        ChainLink(
            model=FailureEvent,
            values={name: value for name, value in zip(_EVENT_FIELDS, event_row, strict=True) if name != "transaction"},
            parent="transaction",
        ),
        *then(result),
    ]
    if failure.idempotency_key:
        # Only quoted names from the model are interpolated.
        table = connection.ops.quote_name(FailureEvent._meta.db_table)
        guards = [
            *guards,
            Guard(
                f"NOT EXISTS (SELECT 1 FROM {table} WHERE organization_id = %s "  # noqa: S608
                "AND idempotency_key = %s AND idempotency_key <> '')",
                (organization.pk, failure.idempotency_key),
            ),
        ]
    # In a caller's transaction a savepoint keeps a lost race from spoiling it; on its own the
    # statement is its own transaction.
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            _, ids = insert_chain(links, guards=guards)
    except IntegrityError:
        return None
    if any(pk is None for pk in ids):
        return None
    txn.pk, event.pk = ids[0], ids[1]
    event.transaction_id = txn.pk
    logger.info("failures_recorded", extra={"org_id": organization.public_id, "received": 1, "events_created": 1})
    return result


def transaction_mark_recovered(
    *, organization: Organization, transaction_ref: str, amount: int, currency: str, recovered_at: datetime
) -> bool:
    """Mark the organization's open transaction `transaction_ref` recovered; False if none changed.

    A success for a payment Tinko never saw fail, in another currency, or for a transaction
    already recovered or cancelled changes nothing, so repeated or late deliveries are harmless.
    """
    changed = (
        Transaction.objects.for_org(organization)
        .filter(transaction_ref=transaction_ref, currency=currency.upper())
        .exclude(status__in=CLOSED_STATUSES)
        .update(
            status=TransactionStatus.RECOVERED,
            recovered_amount=amount,
            recovered_at=recovered_at,
            updated_at=timezone.now(),
        )
    )
    logger.info(
        "transaction_recovered" if changed else "transaction_recovery_unmatched",
        extra={"org_id": organization.public_id, "transaction_ref": transaction_ref},
    )
    return bool(changed)


# --- classifier rules ------------------------------------------------------------------------


def classifier_rules_changed() -> None:
    """Tell every process that the rules changed (each reloads within CLASSIFIER_RULES_CHECK_SECONDS),
    now and again when the transaction commits."""
    CLASSIFIER_RULES_TOKEN.bump()


def classifier_rule_save(*, rule: ClassifierRule) -> ClassifierRule:
    """Validate and save a rule (create or edit); the change takes effect without a restart."""
    rule.full_clean()
    rule.updated_at = timezone.now()
    rule.save()
    classifier_rules_changed()
    logger.info("classifier_rule_saved", extra={"rule": rule.slug, "org_id": rule.organization_id})
    return rule


def classifier_rule_delete(*, rule: ClassifierRule) -> None:
    """Delete a rule; the change takes effect without a restart."""
    slug, organization_id = rule.slug, rule.organization_id
    rule.delete()
    classifier_rules_changed()
    logger.info("classifier_rule_deleted", extra={"rule": slug, "org_id": organization_id})
