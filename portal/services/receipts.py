"""The receipt email after a payer paid through the portal: once per paid checkout, in the page's language."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.selectors import organization_branding
from messaging.enums import Channel
from messaging.exceptions import ChannelError
from messaging.interface import OutboundMessage, PayerContact
from messaging.registry import channel_get
from messaging.services.email import payer_address_reachable
from portal.enums import CheckoutStatus
from portal.models import PayerCheckout
from portal.selectors import payer_receipt

logger = logging.getLogger(__name__)


def payer_receipt_send(*, checkout: PayerCheckout) -> bool:
    """Email the receipt of a paid checkout to the payer's address on file; True when this call sent
    it. Claimed first (`receipt_sent_at`), so two runs send once; a failed send frees the claim and
    raises ChannelError for the task to try again."""
    transaction = checkout.transaction
    channel = channel_get(Channel.EMAIL)
    address = channel.address(
        PayerContact(email=transaction.customer_email, phone=transaction.customer_phone, name=transaction.customer_name)
    )
    receipt = payer_receipt(transaction=transaction, language=checkout.language)
    if receipt is None:
        return False
    claimed = PayerCheckout.objects.filter(
        Q(receipt_sent_at__isnull=True), pk=checkout.pk, status=CheckoutStatus.PAID
    ).update(receipt_sent_at=timezone.now())
    if not claimed:
        return False
    if address is None or not payer_address_reachable(transaction=transaction, address=address):
        # Handled, not sent: the claim stays, so the sweeper does not try again.
        logger.info("payer_receipt_not_sent", extra={"checkout_id": checkout.public_id, "has_address": bool(address)})
        return False
    branding = organization_branding(organization=transaction.organization)
    context = {
        "language": checkout.language,
        "receipt": receipt,
        "brand": branding,
        "payer_name": transaction.customer_name,
    }
    with translation.override(checkout.language):
        subject = " ".join(render_to_string("emails/receipt_subject.txt", context).split())
        text = render_to_string("emails/receipt_message.txt", context)
        html = render_to_string("emails/receipt_message.html", context)
    try:
        channel.send(
            OutboundMessage(
                recipient=address,
                subject=subject,
                text=text,
                html=html,
                language=checkout.language,
                reference=checkout.public_id,
                sender_name=branding.name,
                reply_to=branding.support_email,
            )
        )
    except ChannelError:
        PayerCheckout.objects.filter(pk=checkout.pk).update(receipt_sent_at=None)
        raise
    logger.info(
        "payer_receipt_sent",
        extra={
            "org_id": transaction.organization_id,
            "transaction_id": transaction.public_id,
            "checkout_id": checkout.public_id,
        },
    )
    return True
