"""Emailing a payer their recovery link: in their language, in the merchant's brand, once per attempt."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Membership, Organization
from accounts.selectors import organization_branding
from messaging.copy import decline_copy
from messaging.enums import Channel, LinkState, NotificationStatus, SuppressionReason, Template
from messaging.exceptions import ChannelError
from messaging.i18n import amount_display, moment_display, payer_language_choose
from messaging.interface import OutboundMessage, PayerContact
from messaging.models import NotificationLog, RecoveryLink
from messaging.registry import channel_get
from messaging.selectors import recovery_link_state, reminders_stopped
from messaging.services.links import recovery_link_url
from messaging.services.optouts import reminders_stop_url
from recovery.models import Transaction

logger = logging.getLogger(__name__)

# Tinko's own accent (static/css/tinko.css) where the merchant set none; white text on it is 7.9:1.
DEFAULT_ACCENT = "#4338ca"


def recovery_email_send(
    *, transaction: Transaction, link: RecoveryLink, language: str | None = None
) -> NotificationLog:
    """Email the payer `link` to pay `transaction` again, in `language` (else the organization's).

    Once per transaction, attempt and channel: a second call returns the first call's log, except
    that a send that failed is tried again. The log says sent, failed (with the provider's error) or
    not sent and why (reminders stopped, no address, link no longer working)."""
    if link.transaction_id != transaction.pk:
        raise ValueError("The link belongs to another transaction.")
    organization = transaction.organization
    language = payer_language_choose(organization=organization, requested=language)
    channel = channel_get(Channel.EMAIL)
    address = channel.address(
        PayerContact(email=transaction.customer_email, phone=transaction.customer_phone, name=transaction.customer_name)
    )
    log, claimed = _claim(
        transaction=transaction, link=link, language=language, masked=channel.mask(address) if address else ""
    )
    if not claimed:
        return log
    reason = _suppression_reason(transaction=transaction, link=link, address=address)
    if reason is not None:
        return _finish(log, status=NotificationStatus.SUPPRESSED, error=reason.value)
    assert address is not None
    message = _message(transaction=transaction, organization=organization, link=link, log=log, address=address)
    try:
        delivery = channel.send(message)
    except ChannelError as exc:
        logger.warning(
            "recovery_email_failed",
            extra={"org_id": organization.public_id, "notification_id": log.public_id, "transient": exc.transient},
        )
        return _finish(log, status=NotificationStatus.FAILED, error=str(exc)[:1000])
    logger.info(
        "recovery_email_sent",
        extra={
            "org_id": organization.public_id,
            "transaction_id": transaction.public_id,
            "notification_id": log.public_id,
            "message_id": delivery.provider_message_id,
            "language": language,
        },
    )
    return _finish(
        log, status=NotificationStatus.SENT, provider_message_id=delivery.provider_message_id, sent_at=timezone.now()
    )


def _claim(*, transaction: Transaction, link: RecoveryLink, language: str, masked: str) -> tuple[NotificationLog, bool]:
    """Insert this send's log row and own it; or find the row of an earlier run of the same attempt,
    owning it only if that send failed. The unique constraint decides, never a look first."""
    values: dict[str, Any] = {
        "link": link,
        "language": language,
        "recipient_masked": masked,
    }
    try:
        with db_transaction.atomic():
            created = NotificationLog.objects.create(
                organization_id=transaction.organization_id,
                livemode=transaction.livemode,
                transaction=transaction,
                attempt_number=link.attempt_number,
                channel=Channel.EMAIL,
                template=Template.RECOVERY,
                **values,
            )
        return created, True
    except IntegrityError:
        existing = NotificationLog.objects.filter(
            transaction=transaction, attempt_number=link.attempt_number, channel=Channel.EMAIL
        ).first()
        if link.attempt_number is None or existing is None:
            raise
    retried = NotificationLog.objects.filter(pk=existing.pk, status=NotificationStatus.FAILED).update(
        status=NotificationStatus.PENDING, error="", **values
    )
    if retried:
        existing.refresh_from_db()
    return existing, bool(retried)


# Domains that never reach a real person (RFC 2606, RFC 6761).
_TEST_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_TEST_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


def _reachable_in_test_mode(transaction: Transaction, address: str) -> bool:
    """As at the gateways, test data never writes to a real payer: only to reserved test domains
    and to the organization's own people (who try their own flows)."""
    domain = address.rpartition("@")[2].lower()
    if domain in _TEST_DOMAINS or domain.endswith(_TEST_SUFFIXES):
        return True
    return Membership.objects.filter(organization_id=transaction.organization_id, user__email__iexact=address).exists()


def _suppression_reason(
    *, transaction: Transaction, link: RecoveryLink, address: str | None
) -> SuppressionReason | None:
    if address is None:
        return SuppressionReason.NO_ADDRESS
    if not transaction.livemode and not _reachable_in_test_mode(transaction, address):
        return SuppressionReason.TEST_MODE_RECIPIENT
    if reminders_stopped(transaction=transaction):
        return SuppressionReason.REMINDERS_STOPPED
    # As the row stands now: the payment may have come back since the send was planned.
    current = RecoveryLink.objects.select_related("transaction").get(pk=link.pk)
    if recovery_link_state(link=current, now=timezone.now()) != LinkState.USABLE:
        return SuppressionReason.LINK_UNUSABLE
    return None


def _finish(log: NotificationLog, *, status: NotificationStatus, **fields: Any) -> NotificationLog:
    log.status = status
    for name, value in fields.items():
        setattr(log, name, value)
    log.save(update_fields=["status", *fields])
    return log


def _unsubscribe_headers(stop_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, which mail programs offer only for an HTTPS URL; over plain
    HTTP (a laptop) the link is listed without the one-click promise."""
    headers = {"List-Unsubscribe": f"<{stop_url}>"}
    if stop_url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _message(
    *, transaction: Transaction, organization: Organization, link: RecoveryLink, log: NotificationLog, address: str
) -> OutboundMessage:
    language = log.language
    branding = organization_branding(organization=organization)
    copy = decline_copy(category=transaction.category, currency=transaction.currency)
    stop_url = reminders_stop_url(log)
    context = {
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
            time_zone=str(organization.time_zone),
            language=language,
            currency=transaction.currency,
        ),
        "stop_url": stop_url,
    }
    with translation.override(language):
        subject = " ".join(render_to_string("emails/recovery_subject.txt", context).split())
        text = render_to_string("emails/recovery_message.txt", context)
        html = render_to_string("emails/recovery_message.html", context)
    return OutboundMessage(
        recipient=address,
        subject=subject,
        text=text,
        html=html,
        language=language,
        reference=log.public_id,
        sender_name=branding.name,
        reply_to=branding.support_email,
        headers=_unsubscribe_headers(stop_url),
    )


def payer_address_reachable(*, transaction: Transaction, address: str) -> bool:
    """Whether a message about `transaction` may go to `address`: always for live data; for test data
    only to reserved test domains and the organization's own people."""
    return transaction.livemode or _reachable_in_test_mode(transaction, address)
