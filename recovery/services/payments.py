"""A transaction paid: recovered when the money matches, flagged when it does not, and credited to
what brought the money back."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from recovery.enums import CLOSED_STATUSES, PaymentEffect, RecoveredBy, TransactionStatus
from recovery.models import PaymentMismatch, Transaction
from retries.enums import AttemptStatus, Channel
from retries.models import RecoveryAttempt
from retries.scheduling import attempts_cancel_many
from tinko.enqueue import task_enqueue_on_commit
from tinko.rows import instance_values
from tinko.sql import update_rows

logger = logging.getLogger(__name__)

# A payer who paid after a message on one of these channels is credited to it.
_CREDITED_CHANNELS = {Channel.EMAIL: RecoveredBy.EMAIL_LINK}


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentReceived:
    """A successful payment for a merchant's transaction, as a gateway (or the merchant) reports it.

    `recovered_by` says what brought the money back when the caller knows (the merchant's own
    report, Tinko's re-charge, the payer portal); None lets the transaction's attempts say.
    """

    transaction_ref: str
    amount: int
    currency: str
    paid_at: datetime
    gateway: str = ""
    gateway_payment_id: str = ""
    recovered_by: RecoveredBy | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PaymentApplied:
    """What a payment did: `transaction` is None when no transaction has its reference; `mismatch`
    is the PaymentMismatch it was kept as (another currency, less or more than owed)."""

    effect: PaymentEffect
    transaction: Transaction | None = None
    mismatch: PaymentMismatch | None = None

    @property
    def recovered(self) -> bool:
        return self.effect == PaymentEffect.RECOVERED


def _mismatch_reason(txn: Transaction, payment: PaymentReceived) -> str | None:
    currency = payment.currency.upper()
    if currency != txn.currency:
        return f"paid in {currency}, owed in {txn.currency}"
    if payment.amount < txn.amount:
        return f"paid {payment.amount} {currency}, less than the {txn.amount} owed"
    if payment.amount > txn.amount:
        return f"paid {payment.amount} {currency}, more than the {txn.amount} owed"
    return None


# Attempts that reached the gateway or the payer: what "recovered after N attempts" counts.
_ACTED_STATUSES = (AttemptStatus.IN_PROGRESS, AttemptStatus.CHARGED, AttemptStatus.SENT, AttemptStatus.FAILED)
# What an attempt did, as crediting a payment reads it: (channel, status, gateway payment id).
_Acted = tuple[str, str, str]


def _acted_by_transaction(transaction_ids: Sequence[int]) -> dict[int, list[_Acted]]:
    acted: dict[int, list[_Acted]] = {pk: [] for pk in transaction_ids}
    rows = RecoveryAttempt.objects.filter(transaction_id__any=transaction_ids, status__in=_ACTED_STATUSES).values_list(
        "transaction_id", "channel", "status", "gateway_payment_id"
    )
    for transaction_id, channel, status, gateway_payment_id in rows:
        acted[transaction_id].append((channel, status, gateway_payment_id))
    return acted


def _credit(payment: PaymentReceived, acted: Sequence[_Acted]) -> tuple[RecoveredBy, int]:
    """What recovered it, and how many attempts had acted by then. The caller's word, else the
    transaction's attempts: a re-charge of this payment (or one in flight, whose gateway id is not
    written yet), else a message that reached the payer, else the payer paid on their own."""
    if payment.recovered_by is not None:
        return payment.recovered_by, len(acted)
    messaged: RecoveredBy | None = None
    for channel, status, gateway_payment_id in acted:
        if channel == Channel.AUTO_CHARGE:
            charging = status in (AttemptStatus.IN_PROGRESS, AttemptStatus.CHARGED)
            if charging and (gateway_payment_id == payment.gateway_payment_id or not gateway_payment_id):
                return RecoveredBy.AUTO_CHARGE, len(acted)
        elif status == AttemptStatus.SENT:
            messaged = messaged or _CREDITED_CHANNELS.get(Channel(channel))
    return messaged or RecoveredBy.PAYER, len(acted)


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentFor:
    """A payment for one of an organization's transactions, in test or live mode."""

    organization: Organization
    livemode: bool
    payment: PaymentReceived


def transaction_mark_recovered(
    *, organization: Organization, livemode: bool, payment: PaymentReceived
) -> PaymentApplied:
    """Mark the open transaction that `payment` pays recovered, credited to what recovered it.

    The payment must be in the transaction's currency and cover its amount: one in another
    currency or for less is flagged as a PaymentMismatch and leaves the transaction open; one for
    more recovers it and is flagged too. A success for a payment Tinko never saw fail, or for a
    transaction already recovered or cancelled, changes nothing, so repeated or late deliveries
    are harmless. Recovery ends a pause, cancels what was scheduled, and an abandoned transaction
    paid late is recovered all the same.
    """
    paid = PaymentFor(organization=organization, livemode=livemode, payment=payment)
    return transactions_mark_recovered(payments=[paid])[0]


_RECOVERY_FIELDS = (
    "status",
    "recovered_amount",
    "recovered_at",
    "recovered_by",
    "recovered_after_attempts",
    "recovery_note",
    "recovery_paused_at",
    "updated_at",
)


def _locked(payments: Sequence[PaymentFor]) -> dict[tuple[int, bool, str], Transaction]:
    """The transactions the payments name, locked in the order of their ids, a query per organization and mode."""
    refs: dict[tuple[Organization, bool], set[str]] = {}
    for paid in payments:
        refs.setdefault((paid.organization, paid.livemode), set()).add(paid.payment.transaction_ref)
    found: dict[tuple[int, bool, str], Transaction] = {}
    for (organization, livemode), wanted in refs.items():
        rows = (
            Transaction.objects.for_org(organization, livemode=livemode)
            .select_for_update()
            .filter(transaction_ref__any=sorted(wanted))
            .order_by("pk")
        )
        for txn in rows:
            found[(organization.pk, livemode, txn.transaction_ref)] = txn
    return found


def transactions_mark_recovered(*, payments: Sequence[PaymentFor]) -> list[PaymentApplied]:
    """`transaction_mark_recovered` for several payments, in order, in one database transaction and a
    few statements for them all (a worker settling its re-charges). A second payment for a
    transaction the first one recovered finds it closed."""
    applied: list[PaymentApplied] = []
    with transaction.atomic():
        transactions = _locked(payments)
        open_ids = [txn.pk for txn in transactions.values() if txn.status not in CLOSED_STATUSES]
        acted = _acted_by_transaction(open_ids) if open_ids else {}
        recovered: list[Transaction] = []
        for paid in payments:
            txn = transactions.get((paid.organization.pk, paid.livemode, paid.payment.transaction_ref))
            applied.append(_apply(paid, txn, acted))
            if applied[-1].recovered and txn is not None:
                recovered.append(txn)
        if recovered:
            update_rows(
                Transaction, _RECOVERY_FIELDS, [[txn.pk, *instance_values(txn, _RECOVERY_FIELDS)] for txn in recovered]
            )
            attempts_cancel_many(transaction_ids=[txn.pk for txn in recovered], reason="the transaction was recovered")
            transactions_settled_notify(transactions=recovered)
    for paid, result in zip(payments, applied, strict=True):
        if result.recovered and result.transaction is not None:
            logger.info(
                "transaction_recovered",
                extra={**_log_fields(paid), "recovered_by": result.transaction.recovered_by},
            )
    return applied


def _log_fields(paid: PaymentFor) -> dict[str, object]:
    return {
        "org_id": paid.organization.public_id,
        "livemode": paid.livemode,
        "transaction_ref": paid.payment.transaction_ref,
    }


def _apply(paid: PaymentFor, txn: Transaction | None, acted: dict[int, list[_Acted]]) -> PaymentApplied:
    """What `paid` does to `txn` (changed in memory; the caller writes it)."""
    payment, log = paid.payment, _log_fields(paid)
    if txn is None:
        logger.info("transaction_recovery_unmatched", extra=log)
        return PaymentApplied(effect=PaymentEffect.UNMATCHED)
    if txn.status in CLOSED_STATUSES:
        logger.info("transaction_recovery_already_closed", extra={**log, "status": txn.status})
        return PaymentApplied(effect=PaymentEffect.ALREADY_CLOSED, transaction=txn)
    reason = _mismatch_reason(txn, payment)
    recovers = reason is None or (payment.currency.upper() == txn.currency and payment.amount > txn.amount)
    mismatch = None
    if reason is not None:
        mismatch = _payment_mismatch_record(txn, payment, reason=reason, recovered=recovers)
        logger.warning("transaction_payment_mismatch", extra={**log, "reason": reason, "recovered": recovers})
    if not recovers:
        return PaymentApplied(effect=PaymentEffect.MISMATCH, transaction=txn, mismatch=mismatch)
    txn.status = TransactionStatus.RECOVERED
    txn.recovered_amount = payment.amount
    txn.recovered_at = payment.paid_at
    txn.recovered_by, txn.recovered_after_attempts = _credit(payment, acted.get(txn.pk, ()))
    txn.recovery_note = payment.note
    txn.recovery_paused_at = None
    txn.updated_at = timezone.now()
    return PaymentApplied(effect=PaymentEffect.RECOVERED, transaction=txn, mismatch=mismatch)


def _payment_mismatch_record(
    txn: Transaction, payment: PaymentReceived, *, reason: str, recovered: bool
) -> PaymentMismatch:
    fields = {
        "organization_id": txn.organization_id,
        "livemode": txn.livemode,
        "amount": payment.amount,
        "currency": payment.currency.upper(),
        "gateway": payment.gateway,
        "paid_at": payment.paid_at,
        "recovered": recovered,
        "reason": reason,
    }
    if payment.gateway_payment_id:
        mismatch, _ = PaymentMismatch.objects.get_or_create(
            transaction=txn, gateway_payment_id=payment.gateway_payment_id, defaults=fields
        )
        return mismatch
    return PaymentMismatch.objects.create(transaction=txn, **fields)


def transactions_settled_notify(*, transactions: Sequence[Transaction]) -> None:
    """Send each of TRANSACTION_SETTLED_TASKS once for `transactions`, with all their ids, once the
    surrounding transaction commits (the payer portal closes the checkouts that could still take
    the payers' money)."""
    for name in settings.TRANSACTION_SETTLED_TASKS:
        task_enqueue_on_commit(name, *(transaction.pk for transaction in transactions))


@dataclass(frozen=True, kw_only=True, slots=True)
class RefundReceived:
    """A refund of a payment, as its gateway reports it: `amount` is this refund, `total_refunded`
    (when the gateway says) everything refunded on the payment so far."""

    transaction_ref: str
    refunded_at: datetime
    amount: int | None = None
    total_refunded: int | None = None


def transaction_record_refund(*, organization: Organization, livemode: bool, refund: RefundReceived) -> bool:
    """Record a refund of a recovered transaction's payment (refunded after recovery); False when no
    recovered transaction has its reference. A running total, when the gateway gives one, makes a
    repeated delivery harmless; the refunded amount never exceeds what was recovered."""
    log = {"org_id": organization.public_id, "livemode": livemode, "transaction_ref": refund.transaction_ref}
    with transaction.atomic():
        txn = (
            Transaction.objects.for_org(organization, livemode=livemode)
            .select_for_update()
            .filter(transaction_ref=refund.transaction_ref, status=TransactionStatus.RECOVERED)
            .first()
        )
        if txn is None or txn.recovered_amount is None:
            logger.info("transaction_refund_unmatched", extra=log)
            return False
        if refund.total_refunded is not None:
            refunded = max(txn.refunded_amount, refund.total_refunded)
        else:
            refunded = txn.refunded_amount + (refund.amount or 0)
        refunded = min(refunded, txn.recovered_amount)
        if refunded <= txn.refunded_amount:
            return True
        txn.refunded_amount = refunded
        txn.refunded_at = refund.refunded_at
        txn.updated_at = timezone.now()
        txn.save(update_fields=["refunded_amount", "refunded_at", "updated_at"])
    logger.info("transaction_refunded", extra={**log, "refunded_amount": refunded})
    return True
