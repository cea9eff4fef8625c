"""What a person in the console does to a transaction's recovery: the same services the API calls
(retries.controls, recovery's payment service, messaging's link and email), each with its audit
row. An API key's call is logged only; a person's is audited, as every change made in the console is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from django.db import transaction as db_transaction

from accounts.models import Organization
from accounts.services import Actor, audit_record
from messaging.models import NotificationLog
from messaging.services import recovery_email_send
from recovery.enums import PaymentEffect, RecoveredBy
from recovery.services import PaymentApplied, PaymentReceived, transaction_mark_recovered
from retries.controls import (
    ControlResult,
    merchant_link_issue,
    recovery_cancel,
    recovery_pause,
    recovery_restart,
    recovery_resume,
)
from tinko.races import RACE_ERRORS, atomic_retrying


class Control(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    RESTART = "restart"


_CONTROLS: dict[Control, Callable[..., ControlResult]] = {
    Control.PAUSE: recovery_pause,
    Control.RESUME: recovery_resume,
    Control.CANCEL: recovery_cancel,
    Control.RESTART: recovery_restart,
}
AUDIT_ACTIONS: dict[Control, str] = {
    Control.PAUSE: "transaction.recovery_paused",
    Control.RESUME: "transaction.recovery_resumed",
    Control.CANCEL: "transaction.recovery_cancelled",
    Control.RESTART: "transaction.recovery_restarted",
}


def recovery_control_by_member(
    *, organization: Organization, livemode: bool, transaction_ref: str, control: Control, actor: Actor
) -> ControlResult:
    """Pause, resume, cancel or restart a transaction's recovery as retries.controls does, with the
    audit row in the same database transaction when it changed something. Raises what the control
    raises (TransactionNotFound, RecoveryConflict), having changed nothing."""

    def work() -> ControlResult:
        result = _CONTROLS[control](organization=organization, livemode=livemode, transaction_ref=transaction_ref)
        if result.changed:
            txn = result.transaction
            changes = {"status": [None, str(txn.status)]}
            if result.next_step is not None:
                changes["next_step"] = [None, str(result.next_step.as_data()["action"])]
            audit_record(
                organization=organization, actor=actor, action=AUDIT_ACTIONS[control], target=txn, changes=changes
            )
        return result

    return atomic_retrying(work, errors=RACE_ERRORS)


def transaction_mark_recovered_by_member(
    *,
    organization: Organization,
    livemode: bool,
    transaction_ref: str,
    amount: int,
    currency: str,
    paid_at: datetime,
    note: str,
    actor: Actor,
) -> PaymentApplied:
    """Record a payment the merchant received outside Tinko, as `POST /v1/events/payment_succeeded`
    does (credited to the merchant; a payment in another currency or for less is kept as a
    mismatch), audited in the same database transaction."""
    payment = PaymentReceived(
        transaction_ref=transaction_ref,
        amount=amount,
        currency=currency,
        paid_at=paid_at,
        recovered_by=RecoveredBy.MERCHANT,
        note=note,
    )
    with db_transaction.atomic():
        applied = transaction_mark_recovered(organization=organization, livemode=livemode, payment=payment)
        if applied.effect in (PaymentEffect.RECOVERED, PaymentEffect.MISMATCH) and applied.transaction is not None:
            audit_record(
                organization=organization,
                actor=actor,
                action="transaction.marked_recovered"
                if applied.effect == PaymentEffect.RECOVERED
                else "transaction.payment_mismatch",
                target=applied.transaction,
                changes={"paid": [None, f"{amount} {currency}"], "note": [None, note]},
            )
    return applied


def recovery_link_send_by_member(
    *, organization: Organization, livemode: bool, transaction_ref: str, actor: Actor
) -> NotificationLog:
    """Email the payer a fresh recovery link now: the link the API's `…/link` issues, sent by the
    email the retry engine sends. The mail server is called outside any database transaction (a
    crash cannot roll back the record of a sent email); the audit row follows the send. Raises
    TransactionNotFound, and RecoveryConflict for a transaction that was settled."""
    issued = merchant_link_issue(organization=organization, livemode=livemode, transaction_ref=transaction_ref)
    txn = issued.link.transaction
    txn.organization = organization
    log = recovery_email_send(transaction=txn, link=issued.link)
    with db_transaction.atomic():
        audit_record(
            organization=organization,
            actor=actor,
            action="transaction.link_sent",
            target=txn,
            changes={"message": [None, log.public_id], "message_status": [None, str(log.status)]},
        )
    return log
