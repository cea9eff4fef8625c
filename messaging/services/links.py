"""Recovery links: issued per attempt, resolved from a signed token, revoked, used once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils import timezone

from messaging.enums import LinkState, LinkStatus
from messaging.exceptions import TransactionClosed
from messaging.models import RecoveryLink
from messaging.selectors import LINK_DEAD_TRANSACTION_STATUSES, recovery_link_find, recovery_link_state
from messaging.tokens import recovery_link_token, token_url
from recovery.models import Transaction
from tinko.rows import instances_insert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedLink:
    """A link and the URL that carries its token (`${PUBLIC_BASE_URL}/pay/retry/<token>/`)."""

    expires_at: datetime
    link: RecoveryLink

    @cached_property
    def url(self) -> str:
        # Signed when first asked for: a worker that hands the link to the email writes it there.
        return recovery_link_url(self.link)


def recovery_link_url(link: RecoveryLink) -> str:
    """The link's public URL; the same every time, since the token is the signed public id."""
    return token_url(view="messaging:recovery_link", token=recovery_link_token(link.public_id))


def _issued(link: RecoveryLink) -> IssuedLink:
    return IssuedLink(expires_at=link.expires_at, link=link)


@dataclass(frozen=True)
class LinkRequest:
    """A link to pay `transaction`, working for `lifetime`; one per attempt when `attempt_number` is given."""

    transaction: Transaction
    lifetime: timedelta
    attempt_number: int | None = None


def _new_link(request: LinkRequest, *, now: datetime) -> RecoveryLink:
    if request.lifetime <= timedelta(0):
        raise ValueError("A recovery link needs a positive lifetime.")
    transaction = request.transaction
    return RecoveryLink(
        organization_id=transaction.organization_id,
        livemode=transaction.livemode,
        transaction=transaction,
        attempt_number=request.attempt_number,
        expires_at=now + request.lifetime,
        created_at=now,
    )


def recovery_link_issue(
    *, transaction: Transaction, lifetime: timedelta, attempt_number: int | None = None
) -> IssuedLink:
    """A new link to pay `transaction`, working for `lifetime`. For an attempt that already has one
    (a task run twice), that link, as it is. Raises TransactionClosed for a settled transaction."""
    link = _new_link(
        LinkRequest(transaction=transaction, lifetime=lifetime, attempt_number=attempt_number), now=timezone.now()
    )
    if transaction.status in LINK_DEAD_TRANSACTION_STATUSES:
        raise TransactionClosed(f"Transaction {transaction.public_id} is {transaction.status}: no link to pay it.")
    try:
        with db_transaction.atomic():
            link.save(force_insert=True)
    except IntegrityError:
        # Only the one-per-attempt constraint can be broken by a second issue: find its winner.
        existing = RecoveryLink.objects.filter(transaction=transaction, attempt_number=attempt_number).first()
        if attempt_number is None or existing is None:
            raise
        return _issued(existing)
    logger.info(
        "recovery_link_issued",
        extra={
            "transaction_id": transaction.public_id,
            "link_id": link.public_id,
            "attempt_number": attempt_number,
        },
    )
    return _issued(link)


def recovery_links_issue(*, requests: Sequence[LinkRequest]) -> list[IssuedLink | None]:
    """`recovery_link_issue` for several links, in order (None for a settled transaction): one
    statement for all, or one by one when an attempt already has its link (a task run twice).
    Logged as one line for all: each link is named in the log line of the email that carries it."""
    now = timezone.now()
    fresh = {
        index: _new_link(request, now=now)
        for index, request in enumerate(requests)
        if request.transaction.status not in LINK_DEAD_TRANSACTION_STATUSES
    }
    try:
        with db_transaction.atomic():
            instances_insert(list(fresh.values()))
    except IntegrityError:
        return [_issue_or_none(request) for request in requests]
    if fresh:
        logger.info("recovery_links_issued", extra={"count": len(fresh)})
    return [_issued(fresh[index]) if index in fresh else None for index in range(len(requests))]


def _issue_or_none(request: LinkRequest) -> IssuedLink | None:
    try:
        return recovery_link_issue(
            transaction=request.transaction, lifetime=request.lifetime, attempt_number=request.attempt_number
        )
    except TransactionClosed:
        return None


@dataclass(frozen=True)
class LinkVisit:
    """A genuine link and whether it works now (or why not)."""

    link: RecoveryLink
    state: LinkState


def _visit(token: str) -> LinkVisit | None:
    link = recovery_link_find(token=token)
    if link is None:
        return None
    now = timezone.now()
    state = recovery_link_state(link=link, now=now)
    if state == LinkState.EXPIRED and link.status == LinkStatus.ACTIVE:
        # Written when first noticed, so counts by status hold without a sweeper.
        RecoveryLink.objects.filter(pk=link.pk, status=LinkStatus.ACTIVE, expires_at__lte=now).update(
            status=LinkStatus.EXPIRED
        )
        link.status = LinkStatus.EXPIRED
    return LinkVisit(link=link, state=state)


def recovery_link_resolve(token: str) -> RecoveryLink | None:
    """The link behind `token` if it works now; None for a forged token, or a link that expired, was
    used or revoked, or whose transaction was recovered, cancelled or abandoned."""
    visit = _visit(token)
    return visit.link if visit is not None and visit.state == LinkState.USABLE else None


def recovery_link_open(token: str) -> LinkVisit | None:
    """A payer opened the link: its state for the page to explain, the first opening recorded if it
    works; None for a forged token (the page then says nothing at all)."""
    visit = _visit(token)
    if visit is not None and visit.state == LinkState.USABLE:
        recovery_link_mark_opened(link=visit.link)
    return visit


def recovery_links_revoke(*, transaction: Transaction) -> int:
    """Revoke every active link of `transaction` (recovered, cancelled, abandoned, or the merchant's
    call); returns how many stopped working."""
    revoked = recovery_links_revoke_many(transaction_ids=[transaction.pk])
    if revoked:
        logger.info("recovery_links_revoked", extra={"transaction_id": transaction.public_id, "count": revoked})
    return revoked


def recovery_links_revoke_many(*, transaction_ids: Sequence[int]) -> int:
    """`recovery_links_revoke` for several transactions in one statement."""
    return RecoveryLink.objects.filter(transaction_id__any=transaction_ids, status=LinkStatus.ACTIVE).update(
        status=LinkStatus.REVOKED, revoked_at=timezone.now()
    )


def recovery_link_mark_opened(*, link: RecoveryLink) -> bool:
    """Record the first time the page behind the link was shown; False if it was before."""
    now = timezone.now()
    opened = RecoveryLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)
    if opened:
        link.opened_at = now
    return bool(opened)


def recovery_link_mark_used(*, link: RecoveryLink) -> bool:
    """Consume the link (the payer paid through it): True for the one call that does, while it is
    active and unexpired; every later call, and one on a dead link, returns False."""
    now = timezone.now()
    used = RecoveryLink.objects.filter(pk=link.pk, status=LinkStatus.ACTIVE, expires_at__gt=now).update(
        status=LinkStatus.USED, used_at=now
    )
    if used:
        link.status, link.used_at = LinkStatus.USED, now
    return bool(used)
