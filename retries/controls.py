"""The merchant's controls over a transaction's recovery: pause, resume, cancel and restart it, or
take a recovery link to send in a message of the merchant's own.

Each control locks the transaction, changes it and its attempts in one database transaction and
logs what it did (no audit row: an API key acted, and the transaction shows the outcome). Asking
for the state a transaction is already in changes nothing and answers that state (`changed` is
False), so a control sent twice does no harm; asking for what the state refuses (resuming a
recovered transaction) raises RecoveryConflict, having changed nothing.

    open (failed, recovering) ──pause──► paused ──resume──► open (replanned)
    open, paused, abandoned ──cancel──► cancelled (attempts cancelled, links revoked)
    abandoned ──restart──► open, with a fresh give-up window (replanned)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Organization
from messaging.exceptions import TransactionClosed
from messaging.services import IssuedLink, recovery_link_issue, recovery_links_revoke
from recovery.enums import OPEN_STATUSES, TransactionStatus
from recovery.models import Transaction
from retries.exceptions import RecoveryConflict, TransactionNotFound
from retries.planner import Reason, ReasonCode
from retries.planner.text import duration, moment
from retries.scheduling import Planned, attempts_cancel, policy_for, recovery_replan, time_zone_of
from tinko.races import RACE_ERRORS, atomic_retrying

logger = logging.getLogger(__name__)

_WHY_NOT: dict[str, str] = {
    TransactionStatus.RECOVERED: "was recovered",
    TransactionStatus.CANCELLED: "was cancelled",
    TransactionStatus.ABANDONED: "was abandoned (restart it to try again)",
}


@dataclass(frozen=True, slots=True)
class ControlResult:
    """The transaction after a control; `changed` is False when it was already in the state asked
    for. `next_step` is what the planner decided, for a control that plans (resume, restart)."""

    transaction: Transaction
    changed: bool
    next_step: Planned | None = None


def _conflict(txn: Transaction, *, action: str, code: str | None = None, why: str | None = None) -> RecoveryConflict:
    status = str(txn.status)
    state = why or _WHY_NOT.get(status, f"is {status}")
    message = f"Transaction {txn.transaction_ref!r} {state}: it cannot be {action}."
    return RecoveryConflict(message, code=code or f"transaction_{status}")


def _log(event: str, txn: Transaction, **extra: object) -> None:
    logger.info(
        event,
        extra={
            "org_id": txn.organization.public_id,
            "livemode": txn.livemode,
            "transaction_id": txn.public_id,
            **extra,
        },
    )


def _control(
    *, organization: Organization, livemode: bool, transaction_ref: str, act: Callable[[Transaction], ControlResult]
) -> ControlResult:
    """Run `act` on the locked transaction, in one database transaction (run again after a deadlock)."""

    def work() -> ControlResult:
        txn = (
            Transaction.objects.for_org(organization, livemode=livemode)
            .select_for_update()
            .filter(transaction_ref=transaction_ref)
            .first()
        )
        if txn is None:
            raise TransactionNotFound(f"No transaction with the reference {transaction_ref!r}.")
        txn.organization = organization
        return act(txn)

    return atomic_retrying(work, errors=RACE_ERRORS)


def _said_now(txn: Transaction) -> str:
    return moment(timezone.now(), time_zone_of(txn.organization))


def recovery_pause(*, organization: Organization, livemode: bool, transaction_ref: str) -> ControlResult:
    """Pause an open transaction's recovery: what was scheduled is cancelled and nothing is planned
    (not even after a new failure) until it is resumed. Attempts already running finish."""

    def act(txn: Transaction) -> ControlResult:
        if txn.recovery_paused_at is not None:
            return ControlResult(transaction=txn, changed=False)
        if txn.status not in OPEN_STATUSES:
            raise _conflict(txn, action="paused")
        now = timezone.now()
        txn.recovery_paused_at = now
        txn.updated_at = now
        txn.save(update_fields=["recovery_paused_at", "updated_at"])
        cancelled = attempts_cancel(transaction=txn, reason="recovery paused by the merchant")
        _log("recovery_paused", txn, attempts_cancelled=cancelled)
        return ControlResult(transaction=txn, changed=True)

    return _control(organization=organization, livemode=livemode, transaction_ref=transaction_ref, act=act)


def recovery_resume(*, organization: Organization, livemode: bool, transaction_ref: str) -> ControlResult:
    """Resume a paused transaction's recovery: the planner decides its next attempt from now (or
    gives it up, if its time has passed meanwhile)."""

    def act(txn: Transaction) -> ControlResult:
        if txn.recovery_paused_at is None:
            if txn.status in OPEN_STATUSES:
                return ControlResult(transaction=txn, changed=False)
            raise _conflict(txn, action="resumed")
        txn.recovery_paused_at = None
        txn.updated_at = timezone.now()
        txn.save(update_fields=["recovery_paused_at", "updated_at"])
        resumed = Reason(ReasonCode.RESUMED, f"recovery resumed by the merchant on {_said_now(txn)}")
        planned = recovery_replan(transaction=txn, because=(resumed,))
        _log("recovery_resumed", txn, next_step=planned.as_data()["action"], status=txn.status)
        return ControlResult(transaction=txn, changed=True, next_step=planned)

    return _control(organization=organization, livemode=livemode, transaction_ref=transaction_ref, act=act)


def recovery_cancel(*, organization: Organization, livemode: bool, transaction_ref: str) -> ControlResult:
    """Call off a transaction's recovery for good: it becomes `cancelled`, what was scheduled is
    cancelled and its recovery links stop working. A later failure is recorded but never reopens it."""

    def act(txn: Transaction) -> ControlResult:
        if txn.status == TransactionStatus.CANCELLED:
            return ControlResult(transaction=txn, changed=False)
        if txn.status == TransactionStatus.RECOVERED:
            raise _conflict(txn, action="cancelled")
        txn.status = TransactionStatus.CANCELLED
        txn.recovery_paused_at = None
        txn.updated_at = timezone.now()
        txn.save(update_fields=["status", "recovery_paused_at", "updated_at"])
        cancelled = attempts_cancel(transaction=txn, reason="recovery cancelled by the merchant")
        revoked = recovery_links_revoke(transaction=txn)
        _log("recovery_cancelled", txn, attempts_cancelled=cancelled, links_revoked=revoked)
        return ControlResult(transaction=txn, changed=True)

    return _control(organization=organization, livemode=livemode, transaction_ref=transaction_ref, act=act)


def recovery_restart(*, organization: Organization, livemode: bool, transaction_ref: str) -> ControlResult:
    """Reopen an abandoned transaction and plan anew: its attempts and give-up time count from now,
    while its earlier re-charges still count against the card networks' caps. An open transaction
    is already being recovered (nothing changes); a paused one is resumed, not restarted."""

    def act(txn: Transaction) -> ControlResult:
        if txn.status in OPEN_STATUSES:
            if txn.recovery_paused_at is not None:
                raise _conflict(txn, action="restarted", code="transaction_paused", why="is paused (resume it)")
            return ControlResult(transaction=txn, changed=False)
        if txn.status != TransactionStatus.ABANDONED:
            raise _conflict(txn, action="restarted")
        now = timezone.now()
        txn.status = TransactionStatus.FAILED
        txn.recovery_restarted_at = now
        txn.updated_at = now
        txn.save(update_fields=["status", "recovery_restarted_at", "updated_at"])
        window = duration(policy_for(organization=organization).give_up_after)
        text = (
            f"recovery restarted by the merchant on {_said_now(txn)}: "
            f"attempts and the {window} before giving up count afresh"
        )
        planned = recovery_replan(transaction=txn, because=(Reason(ReasonCode.RESTARTED, text),))
        _log("recovery_restarted", txn, next_step=planned.as_data()["action"], status=txn.status)
        return ControlResult(transaction=txn, changed=True, next_step=planned)

    return _control(organization=organization, livemode=livemode, transaction_ref=transaction_ref, act=act)


def merchant_link_issue(*, organization: Organization, livemode: bool, transaction_ref: str) -> IssuedLink:
    """A fresh recovery link for a merchant who sends its own messages, valid as long as the
    organization's default policy says. Raises TransactionNotFound, and RecoveryConflict for a
    transaction that was recovered, cancelled or abandoned."""
    txn = Transaction.objects.for_org(organization, livemode=livemode).filter(transaction_ref=transaction_ref).first()
    if txn is None:
        raise TransactionNotFound(f"No transaction with the reference {transaction_ref!r}.")
    try:
        return recovery_link_issue(transaction=txn, lifetime=policy_for(organization=organization).link_lifetime)
    except TransactionClosed as exc:
        raise _conflict(txn, action="paid through a new link") from exc
