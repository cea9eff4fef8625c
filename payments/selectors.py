"""Reads for payments: gateway accounts, their decrypted credentials, webhook URLs and counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from payments.crypto import secret_decrypt
from payments.enums import GatewayProvider
from payments.gateways.razorpay import consts as razorpay_consts
from payments.gateways.stripe import consts as stripe_consts
from payments.interface import GatewayCredentials
from payments.models import GatewayAccount, SandboxCheckout, WebhookEvent

# Stripe retries a delivery for up to three days; events signed with the old secret may arrive that late.
PREVIOUS_WEBHOOK_SECRET_GRACE = timedelta(days=3)
REJECTION_COUNTER_KEY = "payments:webhook_rejected:{provider}"


def gateway_webhook_secrets(*, account: GatewayAccount, now: datetime | None = None) -> tuple[str, ...]:
    """The secrets a delivery may be signed with: the current one, then a recently replaced one."""
    now = now or timezone.now()
    webhook_secrets = [secret_decrypt(account.webhook_secret_ciphertext)]
    rotated_at = account.webhook_secret_rotated_at
    if account.previous_webhook_secret_ciphertext and rotated_at and now - rotated_at < PREVIOUS_WEBHOOK_SECRET_GRACE:
        webhook_secrets.append(secret_decrypt(account.previous_webhook_secret_ciphertext))
    return tuple(secret for secret in webhook_secrets if secret)


def gateway_credentials(*, account: GatewayAccount, now: datetime | None = None) -> GatewayCredentials:
    """The account's secrets, decrypted, for one call. Never log or store the result."""
    return GatewayCredentials(
        account_id=account.public_id,
        provider=account.provider,
        mode=account.mode,
        secret_key=secret_decrypt(account.secret_key_ciphertext),
        key_id=account.key_id,
        webhook_secrets=gateway_webhook_secrets(account=account, now=now),
    )


def gateway_account_for_webhook(*, provider: str, endpoint_id: str) -> GatewayAccount | None:
    """The account a webhook URL belongs to (its provider must match the URL's)."""
    # An organization being deleted hears nothing more.
    return GatewayAccount.objects.filter(
        provider=provider, webhook_endpoint_id=endpoint_id, organization__deletion_started_at__isnull=True
    ).first()


def sandbox_checkout_find(*, checkout_id: str) -> SandboxCheckout | None:
    """The sandbox's hosted checkout at /sandbox/checkout/<checkout_id>/, with its account and merchant."""
    # An organization being deleted takes no more payments: its checkouts are gone like unknown ones.
    return (
        SandboxCheckout.objects.select_related("gateway_account", "organization")
        .filter(public_id=checkout_id, organization__deletion_started_at__isnull=True)
        .first()
    )


def gateway_account_for_org(
    *, organization: Organization, provider: str | None = None, mode: str | None = None
) -> GatewayAccount | None:
    """The organization's gateway account (the most recently connected one, if several fit)."""
    accounts = GatewayAccount.objects.for_org(organization)
    if provider:
        accounts = accounts.filter(provider=provider)
    if mode:
        accounts = accounts.filter(mode=mode)
    return accounts.order_by("-connected_at", "-pk").first()


def gateway_webhook_url(*, account: GatewayAccount) -> str:
    """The URL to register at the gateway: PUBLIC_BASE_URL + /webhooks/<provider>/<endpoint id>/."""
    path = reverse("payments:webhook", args=[account.provider, account.webhook_endpoint_id])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def webhook_rejections_count(*, provider: str) -> int:
    """Deliveries refused for a bad or missing signature since the cache was last cleared."""
    return int(cache.get(REJECTION_COUNTER_KEY.format(provider=provider), 0))


# The events to turn on in each gateway's dashboard for the webhook URL (the sandbox sends its own).
EVENTS_TO_ENABLE: dict[str, tuple[str, ...]] = {
    GatewayProvider.STRIPE: stripe_consts.HANDLED_EVENTS,
    GatewayProvider.RAZORPAY: razorpay_consts.HANDLED_EVENTS,
    GatewayProvider.SANDBOX: (),
}
RECENT_DELIVERIES = 25


@dataclass(frozen=True)
class GatewayShown:
    """A connected account as the console shows it: where its gateway sends webhooks, and which events."""

    account: GatewayAccount
    webhook_url: str
    events: tuple[str, ...]


def gateway_accounts_shown(*, organization: Organization, mode: str) -> list[GatewayShown]:
    """The organization's accounts of one mode (test or live), each with its webhook URL and events."""
    accounts = GatewayAccount.objects.for_org(organization).filter(mode=mode).order_by("provider")
    return [
        GatewayShown(
            account=account, webhook_url=gateway_webhook_url(account=account), events=EVENTS_TO_ENABLE[account.provider]
        )
        for account in accounts
    ]


def webhook_deliveries_recent(*, organization: Organization, mode: str) -> list[WebhookEvent]:
    """The latest webhook deliveries to the organization's accounts of one mode, newest first."""
    return list(
        WebhookEvent.objects.for_org(organization)
        .filter(gateway_account__mode=mode)
        .select_related("gateway_account")
        .defer("payload")
        .order_by("-received_at", "-pk")[:RECENT_DELIVERIES]
    )
