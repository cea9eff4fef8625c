"""Reads for the payer portal: the link behind a page, the methods a payment may use, its checkouts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from messaging.i18n import amount_display, moment_display
from messaging.models import RecoveryLink
from payments.enums import GatewayMode
from payments.models import GatewayAccount
from payments.registry import gateway_adapter
from portal.enums import CheckoutStatus
from portal.models import PayerCheckout
from recovery.enums import PaymentMethodType, TransactionStatus
from recovery.models import FailureEvent, Transaction


def payer_link_get(*, link_id: str) -> RecoveryLink | None:
    """The link `link_id` names, with its transaction and organization, and as `alternatives` the
    classifier's methods for the transaction's latest failure (one query); None for none, or for a
    link of an organization being deleted (its pages then answer as if it never existed)."""
    latest = FailureEvent.objects.filter(transaction=OuterRef("transaction_id")).order_by("-occurred_at", "-pk")
    return (
        RecoveryLink.objects.select_related("transaction", "organization")
        .annotate(alternatives=Subquery(latest.values("alternatives")[:1]))
        .filter(public_id=link_id, organization__deletion_started_at__isnull=True)
        .first()
    )


def payer_gateway_account(*, transaction: Transaction) -> GatewayAccount | None:
    """The account that takes the payment again: the one at the transaction's own gateway in its mode,
    else the organization's most recently connected account in that mode (a payment that failed at
    a gateway Tinko does not connect to can still be paid at one it does)."""
    mode = GatewayMode.LIVE if transaction.livemode else GatewayMode.TEST
    accounts = list(
        GatewayAccount.objects.filter(organization_id=transaction.organization_id, mode=mode).order_by(
            "-connected_at", "-pk"
        )
    )
    own = [account for account in accounts if account.provider == transaction.gateway]
    chosen = own or accounts
    return chosen[0] if chosen else None


def payer_methods(
    *,
    transaction: Transaction,
    account: GatewayAccount | None,
    alternatives: Sequence[str] | None,
    declined: str | None = None,
) -> list[str]:
    """The methods to offer, in order: the classifier's alternatives first, then whatever else the
    gateway's hosted checkout takes in this currency; only methods the checkout takes. A method the
    payer was just declined on goes last."""
    if account is None:
        return []
    offered = gateway_adapter(account.provider).checkout_methods(currency=transaction.currency)
    known = set(PaymentMethodType.values)
    ordered = [m for m in dict.fromkeys(str(a) for a in alternatives or ()) if m in offered and m in known]
    ordered += [m for m in offered if m not in ordered and m in known]
    if declined in ordered and len(ordered) > 1:
        ordered.remove(declined)
        ordered.append(declined)
    return ordered


def payer_checkout_get(*, link: RecoveryLink, checkout_id: str) -> PayerCheckout | None:
    return PayerCheckout.objects.filter(link=link, public_id=checkout_id).select_related("gateway_account").first()


def payer_checkout_latest_declined(*, link: RecoveryLink) -> PayerCheckout | None:
    """The link's checkout the payer was most recently declined on, if any."""
    return PayerCheckout.objects.filter(link=link, declined_at__isnull=False).order_by("-declined_at", "-pk").first()


def payer_checkout_paid(*, transaction: Transaction) -> PayerCheckout | None:
    """The checkout that paid `transaction`, if the payer paid through the portal."""
    return PayerCheckout.objects.filter(transaction=transaction, status=CheckoutStatus.PAID).order_by("pk").first()


@dataclass(frozen=True)
class Receipt:
    """What the payer paid, as the receipt page and email show it."""

    merchant: str
    amount: str
    paid_at: str
    reference: str
    payment_id: str
    method: str


def payer_receipt(*, transaction: Transaction, language: str) -> Receipt | None:
    """The receipt of a recovered transaction, in `language`; None while it is not recovered."""
    if transaction.status != TransactionStatus.RECOVERED or transaction.recovered_at is None:
        return None
    paid = payer_checkout_paid(transaction=transaction)
    organization = transaction.organization
    return Receipt(
        merchant=organization.brand_name,
        amount=amount_display(
            amount=transaction.recovered_amount or transaction.amount, currency=transaction.currency, language=language
        ),
        paid_at=moment_display(
            moment=transaction.recovered_at,
            time_zone=str(organization.time_zone),
            language=language,
            currency=transaction.currency,
        ),
        reference=transaction.transaction_ref,
        payment_id=paid.gateway_payment_id if paid else "",
        method=paid.method if paid else "",
    )
