"""A transaction paid: recovered when the money matches, flagged when it does not."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from recovery.enums import CLOSED_STATUSES, TransactionStatus
from recovery.models import PaymentMismatch, Transaction
from retries.scheduling import attempts_cancel

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentReceived:
    """A successful payment for a merchant's transaction, as a gateway (or the merchant) reports it."""

    transaction_ref: str
    amount: int
    currency: str
    paid_at: datetime
    gateway: str = ""
    gateway_payment_id: str = ""


def _mismatch_reason(txn: Transaction, payment: PaymentReceived) -> str | None:
    currency = payment.currency.upper()
    if currency != txn.currency:
        return f"paid in {currency}, owed in {txn.currency}"
    if payment.amount < txn.amount:
        return f"paid {payment.amount} {currency}, less than the {txn.amount} owed"
    if payment.amount > txn.amount:
        return f"paid {payment.amount} {currency}, more than the {txn.amount} owed"
    return None


def transaction_mark_recovered(*, organization: Organization, livemode: bool, payment: PaymentReceived) -> bool:
    """Mark the open transaction that `payment` pays recovered; False if none changed.

    The payment must be in the transaction's currency and cover its amount: one in another
    currency or for less is flagged as a PaymentMismatch and leaves the transaction open; one for
    more recovers it and is flagged too. A success for a payment Tinko never saw fail, or for a
    transaction already recovered or cancelled, changes nothing, so repeated or late deliveries
    are harmless.
    """
    log = {"org_id": organization.public_id, "livemode": livemode, "transaction_ref": payment.transaction_ref}
    with transaction.atomic():
        txn = (
            Transaction.objects.for_org(organization, livemode=livemode)
            .select_for_update()
            .filter(transaction_ref=payment.transaction_ref)
            .exclude(status__in=CLOSED_STATUSES)
            .first()
        )
        if txn is None:
            logger.info("transaction_recovery_unmatched", extra=log)
            return False
        reason = _mismatch_reason(txn, payment)
        recovers = reason is None or (payment.currency.upper() == txn.currency and payment.amount > txn.amount)
        if reason is not None:
            _payment_mismatch_record(txn, payment, reason=reason, recovered=recovers)
            logger.warning("transaction_payment_mismatch", extra={**log, "reason": reason, "recovered": recovers})
        if not recovers:
            return False
        txn.status = TransactionStatus.RECOVERED
        txn.recovered_amount = payment.amount
        txn.recovered_at = payment.paid_at
        txn.updated_at = timezone.now()
        txn.save(update_fields=["status", "recovered_amount", "recovered_at", "updated_at"])
        attempts_cancel(transaction=txn, reason="the transaction was recovered")
    logger.info("transaction_recovered", extra=log)
    return True


def _payment_mismatch_record(txn: Transaction, payment: PaymentReceived, *, reason: str, recovered: bool) -> None:
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
        PaymentMismatch.objects.get_or_create(
            transaction=txn, gateway_payment_id=payment.gateway_payment_id, defaults=fields
        )
    else:
        PaymentMismatch.objects.create(transaction=txn, **fields)
