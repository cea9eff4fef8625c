"""Emailing a payer their recovery link: in their language, in the merchant's brand, once per attempt."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Membership
from accounts.selectors import Branding, organization_branding
from messaging.copy import decline_copy
from messaging.enums import Channel, LinkState, NotificationStatus, SuppressionReason, Template
from messaging.exceptions import ChannelError
from messaging.i18n import amount_display, moment_display, payer_language_choose
from messaging.interface import Delivery, OutboundMessage, PayerContact
from messaging.models import NotificationLog, RecoveryLink, ReminderOptOut
from messaging.registry import channel_get
from messaging.rendering import Rendering, templates_render_many
from messaging.selectors import recovery_link_state
from messaging.services.links import recovery_link_url
from messaging.services.optouts import reminders_stop_url
from recovery.models import Transaction
from tinko.ids import new_public_id
from tinko.rows import insert_fields, instance_build, instance_mark_saved, instance_relate, instance_values
from tinko.sql import insert_rows, update_rows

logger = logging.getLogger(__name__)

# What a send's outcome writes on its log row.
_SETTLED_FIELDS = ("status", "error", "provider_message_id", "sent_at")
# Tinko's own accent (static/css/tinko.css) where the merchant set none; white text on it is 7.9:1.
DEFAULT_ACCENT = "#4338ca"


@dataclass(frozen=True)
class EmailRequest:
    """One recovery email to send: `link` to pay `transaction`, in `language` (else the organization's)."""

    transaction: Transaction
    link: RecoveryLink
    language: str | None = None


def recovery_email_send(
    *, transaction: Transaction, link: RecoveryLink, language: str | None = None
) -> NotificationLog:
    """Email the payer `link` to pay `transaction` again, in `language` (else the organization's).

    Once per transaction, attempt and channel: a second call returns the first call's log, except
    that a send that failed is tried again. The log says sent, failed (with the provider's error) or
    not sent and why (reminders stopped, no address, link no longer working)."""
    return recovery_emails_send(requests=[EmailRequest(transaction=transaction, link=link, language=language)])[0]


@dataclass
class _Send:
    request: EmailRequest
    language: str
    address: str | None
    log: NotificationLog | None = None


def recovery_emails_send(*, requests: Sequence[EmailRequest]) -> list[NotificationLog]:
    """`recovery_email_send` for several emails, in order: their logs written, checked and settled a
    few statements for all, the messages handed to the mail server over one connection."""
    channel = channel_get(Channel.EMAIL)
    sends: list[_Send] = []
    for request in requests:
        if request.link.transaction_id != request.transaction.pk:
            raise ValueError("The link belongs to another transaction.")
        transaction = request.transaction
        language = payer_language_choose(organization=transaction.organization, requested=request.language)
        contact = PayerContact(
            email=transaction.customer_email, phone=transaction.customer_phone, name=transaction.customer_name
        )
        sends.append(_Send(request=request, language=language, address=channel.address(contact)))
    owned = _claim_all(sends, mask=channel.mask)
    reasons = _suppression_reasons(owned)
    finished: list[NotificationLog] = []
    ready: list[tuple[_Send, Branding]] = []
    brandings: dict[int, Branding] = {}
    for send in owned:
        assert send.log is not None
        reason = reasons.get(send.log.pk)
        if reason is not None:
            finished.append(_settled(send.log, status=NotificationStatus.SUPPRESSED, error=reason.value))
            continue
        organization = send.request.transaction.organization
        if organization.pk not in brandings:
            brandings[organization.pk] = organization_branding(organization=organization)
        ready.append((send, brandings[organization.pk]))
    outcomes = channel.send_many(_messages(ready)) if ready else []
    now = timezone.now()
    for (send, _), outcome in zip(ready, outcomes, strict=True):
        finished.append(_delivered(send, outcome, now=now))
    update_rows(
        NotificationLog, _SETTLED_FIELDS, [[log.pk, *instance_values(log, _SETTLED_FIELDS)] for log in finished]
    )
    return [send.log for send in sends if send.log is not None]


def _delivered(send: _Send, outcome: Delivery | ChannelError, *, now: datetime) -> NotificationLog:
    log = send.log
    assert log is not None
    transaction, link = send.request.transaction, send.request.link
    org_id = transaction.organization.public_id
    if isinstance(outcome, ChannelError):
        logger.warning(
            "recovery_email_failed",
            extra={"org_id": org_id, "notification_id": log.public_id, "transient": outcome.transient},
        )
        return _settled(log, status=NotificationStatus.FAILED, error=str(outcome)[:1000])
    logger.info(
        "recovery_email_sent",
        extra={
            "org_id": org_id,
            "transaction_id": transaction.public_id,
            "notification_id": log.public_id,
            "message_id": outcome.provider_message_id,
            "language": send.language,
            # The link's own line is one for a worker's batch (recovery_links_issued).
            "link_id": link.public_id,
            "attempt_number": link.attempt_number,
        },
    )
    return _settled(log, status=NotificationStatus.SENT, provider_message_id=outcome.provider_message_id, sent_at=now)


def _claim_all(sends: list[_Send], *, mask: Callable[[str], str]) -> list[_Send]:
    """Insert the sends' log rows in one statement and own them all; if a row of an earlier run of
    the same attempt is there, claim them one by one. The sends this call owns, in order."""
    for send in sends:
        transaction, link = send.request.transaction, send.request.link
        send.log = instance_build(
            NotificationLog,
            public_id=new_public_id("ntf"),
            organization_id=transaction.organization_id,
            livemode=transaction.livemode,
            transaction_id=transaction.pk,
            attempt_number=link.attempt_number,
            channel=Channel.EMAIL,
            template=Template.RECOVERY,
            link_id=link.pk,
            language=send.language,
            recipient_masked=mask(send.address) if send.address else "",
        )
        instance_relate(send.log, "transaction", transaction)
        instance_relate(send.log, "link", link)
    logs = [send.log for send in sends if send.log is not None]
    fields = insert_fields(NotificationLog)
    try:
        with db_transaction.atomic():
            written = insert_rows(
                NotificationLog, fields, [instance_values(log, fields) for log in logs], returning=("id", "public_id")
            )
        by_public_id = {log.public_id: log for log in logs}
        for pk, public_id in written:
            instance_mark_saved(by_public_id[public_id], pk=pk)
        return sends
    except IntegrityError:
        pass
    owned: list[_Send] = []
    for send in sends:
        assert send.log is not None
        send.log, claimed = _claim(send.log)
        if claimed:
            owned.append(send)
    return owned


def _claim(fresh: NotificationLog) -> tuple[NotificationLog, bool]:
    """Insert this send's log row and own it; or find the row of an earlier run of the same attempt,
    owning it only if that send failed. The unique constraint decides, never a look first."""
    fresh.pk = None
    try:
        with db_transaction.atomic():
            fresh.save(force_insert=True)
        return fresh, True
    except IntegrityError:
        existing = NotificationLog.objects.filter(
            transaction_id=fresh.transaction_id, attempt_number=fresh.attempt_number, channel=Channel.EMAIL
        ).first()
        if fresh.attempt_number is None or existing is None:
            raise
    values = {"link": fresh.link, "language": fresh.language, "recipient_masked": fresh.recipient_masked}
    retried = NotificationLog.objects.filter(pk=existing.pk, status=NotificationStatus.FAILED).update(
        status=NotificationStatus.PENDING, error="", **values
    )
    if retried:
        existing.refresh_from_db()
    return existing, bool(retried)


# Domains that never reach a real person (RFC 2606, RFC 6761).
_TEST_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_TEST_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


def _reserved_for_tests(address: str) -> bool:
    domain = address.rpartition("@")[2].lower()
    return domain in _TEST_DOMAINS or domain.endswith(_TEST_SUFFIXES)


def _organizations_people(wanted: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (organization id, lower-cased address) pairs of `wanted` that are the organization's own
    people, in one query."""
    if not wanted:
        return set()
    members = (
        Membership.objects.annotate(address=Lower("user__email"))
        .filter(
            organization_id__in={organization_id for organization_id, _ in wanted},
            address__in={address for _, address in wanted},
        )
        .values_list("organization_id", "address")
    )
    return wanted & set(members)


def _members_addressed(sends: list[_Send]) -> set[tuple[int, str]]:
    """(organization id, address) of the test-mode sends written to the organization's own people,
    who try their own flows: as at the gateways, test data never writes to anyone else."""
    return _organizations_people(
        {
            (send.request.transaction.organization_id, send.address.lower())
            for send in sends
            if send.address and not send.request.transaction.livemode and not _reserved_for_tests(send.address)
        }
    )


def _suppression_reasons(sends: list[_Send]) -> dict[int, SuppressionReason]:
    """Why each send (by log id) must not go out, for those that must not, in three queries for all."""
    if not sends:
        return {}
    members = _members_addressed(sends)
    transaction_ids = {send.request.transaction.pk for send in sends}
    stopped = set(
        ReminderOptOut.objects.filter(transaction_id__any=transaction_ids).values_list("transaction_id", flat=True)
    )
    # As the rows stand now: the payment may have come back since the send was planned.
    links = (
        RecoveryLink.objects.select_related("transaction")
        .only("status", "expires_at", "transaction__status")
        .in_bulk([send.request.link.pk for send in sends])
    )
    now = timezone.now()
    reasons: dict[int, SuppressionReason] = {}
    for send in sends:
        assert send.log is not None
        transaction = send.request.transaction
        reason: SuppressionReason | None = None
        if send.address is None:
            reason = SuppressionReason.NO_ADDRESS
        elif not transaction.livemode and not (
            _reserved_for_tests(send.address) or (transaction.organization_id, send.address.lower()) in members
        ):
            reason = SuppressionReason.TEST_MODE_RECIPIENT
        elif transaction.pk in stopped:
            reason = SuppressionReason.REMINDERS_STOPPED
        elif recovery_link_state(link=links[send.request.link.pk], now=now) != LinkState.USABLE:
            reason = SuppressionReason.LINK_UNUSABLE
        if reason is not None:
            reasons[send.log.pk] = reason
    return reasons


def _settled(log: NotificationLog, *, status: NotificationStatus, **fields: Any) -> NotificationLog:
    log.status = status
    for name, value in fields.items():
        setattr(log, name, value)
    return log


def _unsubscribe_headers(stop_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, which mail programs offer only for an HTTPS URL; over plain
    HTTP (a laptop) the link is listed without the one-click promise."""
    headers = {"List-Unsubscribe": f"<{stop_url}>"}
    if stop_url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


# The recovery email's subject, text and HTML: ordinary templates (templates/emails/).
_TEMPLATES = ("emails/recovery_subject.txt", "emails/recovery_message.txt", "emails/recovery_message.html")
# What differs from one payer to the next. The rest of the context (brand, language, the decline's
# copy) is shared by a task's emails, which are rendered once for all who share it.
_PAYER_VALUES = frozenset({"payer_name", "amount", "pay_url", "expires", "stop_url"})


def _context(send: _Send, *, branding: Branding) -> dict[str, Any]:
    transaction, link, log = send.request.transaction, send.request.link, send.log
    assert log is not None
    language = log.language
    copy = decline_copy(category=transaction.category, currency=transaction.currency)
    return {
        "language": language,
        "brand_name": branding.name,
        "logo_url": f"{settings.PUBLIC_BASE_URL}{branding.logo_url}" if branding.logo_url else "",
        "accent": branding.accent_colour or DEFAULT_ACCENT,
        "support_email": branding.support_email,
        "support_phone": branding.support_phone,
        "payer_name": transaction.customer_name,
        "amount": amount_display(amount=transaction.amount, currency=transaction.currency, language=language),
        "headline": copy.headline,
        "advice": copy.advice,
        "pay_url": f"{recovery_link_url(link)}?lang={language}",
        "expires": moment_display(
            moment=link.expires_at,
            time_zone=str(transaction.organization.time_zone),
            language=language,
            currency=transaction.currency,
        ),
        "stop_url": reminders_stop_url(log),
    }


def _messages(sends: Sequence[tuple[_Send, Branding]]) -> list[OutboundMessage]:
    """The sends' emails, each with its organization's branding, in order."""
    contexts = [_context(send, branding=branding) for send, branding in sends]
    rendered = templates_render_many(
        template_names=_TEMPLATES,
        renderings=[Rendering(language=context["language"], context=context) for context in contexts],
        varying=_PAYER_VALUES,
    )
    messages: list[OutboundMessage] = []
    for (send, branding), context, (subject, text, html) in zip(sends, contexts, rendered, strict=True):
        assert send.log is not None
        assert send.address is not None
        messages.append(
            OutboundMessage(
                recipient=send.address,
                subject=" ".join(subject.split()),
                text=text,
                html=html,
                language=context["language"],
                reference=send.log.public_id,
                sender_name=branding.name,
                reply_to=branding.support_email,
                headers=_unsubscribe_headers(context["stop_url"]),
            )
        )
    return messages


def recovery_email_render(*, log: NotificationLog, transaction: Transaction) -> OutboundMessage:
    """The recovery email of `log` rendered again exactly as `recovery_email_send` renders it, for
    the console to show what the payer saw; `transaction` as it stood when the email went out."""
    if log.link is None:
        raise ValueError("The message's recovery link is gone: it cannot be rendered again.")
    send = _Send(
        request=EmailRequest(transaction=transaction, link=log.link, language=log.language),
        language=log.language,
        address=log.recipient_masked,
        log=log,
    )
    return _messages([(send, organization_branding(organization=transaction.organization))])[0]


def payer_address_reachable(*, transaction: Transaction, address: str) -> bool:
    """Whether a message about `transaction` may go to `address`: always for live data; for test data
    only to reserved test domains and the organization's own people."""
    if transaction.livemode or _reserved_for_tests(address):
        return True
    return bool(_organizations_people({(transaction.organization_id, address.lower())}))
