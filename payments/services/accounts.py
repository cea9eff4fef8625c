"""Writes for payments' gateway accounts: connecting, rotating keys, and the calls made through an
account's adapter (the payer's checkout, the retry engine's re-charge)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.services.audit import Actor, audit_changes, audit_record
from payments.crypto import secret_decrypt, secret_encrypt, secret_hint, secret_rotate
from payments.enums import GatewayProvider
from payments.exceptions import (
    GatewayCredentialsInvalid,
    PaymentsError,
    UnknownProvider,
)
from payments.interface import (
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    ConnectionKeys,
    CredentialCheck,
    GatewayAdapter,
    GatewayCredentials,
    PaymentDetails,
    SavedMethodCharge,
)
from payments.models import GatewayAccount
from payments.registry import gateway_adapter
from payments.selectors import (
    gateway_credentials,
    gateway_webhook_url,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectedGateway:
    """The result of connecting: the account, its webhook URL, and a webhook secret the adapter made up
    for the merchant to register at the gateway (Razorpay, when none was given), shown this once."""

    account: GatewayAccount
    webhook_url: str
    created: bool
    generated_webhook_secret: str | None = None


def _mode_for(adapter: GatewayAdapter, *, keys: ConnectionKeys, mode: str | None) -> str | None:
    derived = adapter.key_mode(secret_key=keys.secret_key, key_id=keys.key_id)
    if mode and derived and mode != derived:
        raise GatewayCredentialsInvalid(f"The key is a {derived}-mode key, not {mode}.")
    return derived or mode


def _account_to_reconnect(*, organization: Organization, provider: str, mode: str | None) -> GatewayAccount | None:
    # Only a source of the keys not given: whether the account exists is settled by the INSERT.
    accounts = GatewayAccount.objects.for_org(organization).filter(provider=provider)
    if mode:
        accounts = accounts.filter(mode=mode)
    found = list(accounts[:2])
    if len(found) > 1:
        raise GatewayCredentialsInvalid("This organization has test and live accounts here: say which (--mode).")
    return found[0] if found else None


def _stored_keys(account: GatewayAccount | None) -> ConnectionKeys:
    if account is None:
        return ConnectionKeys()
    return ConnectionKeys(
        secret_key=secret_decrypt(account.secret_key_ciphertext),
        key_id=account.key_id,
        webhook_secret=secret_decrypt(account.webhook_secret_ciphertext),
    )


def _account_fill(account: GatewayAccount, *, keys: ConnectionKeys, check: CredentialCheck, now: datetime) -> list[str]:
    account.key_id = keys.key_id
    account.secret_key_ciphertext = secret_encrypt(keys.secret_key)
    account.secret_key_hint = secret_hint(keys.secret_key)
    account.external_account_id = check.external_account_id
    account.display_name = check.display_name
    account.verified_at = now
    account.updated_at = now
    return [
        "key_id",
        "secret_key_ciphertext",
        "secret_key_hint",
        "external_account_id",
        "display_name",
        "verified_at",
        "updated_at",
    ]


def _account_write(
    *,
    organization: Organization,
    provider: str,
    mode: str,
    keys: ConnectionKeys,
    check: CredentialCheck,
    new_webhook_secret: str,
    now: datetime,
    actor: Actor | None,
) -> tuple[GatewayAccount, bool]:
    """Insert the account, or (when the unique organization + provider + mode says it exists) lock
    and update it; True when inserted. A changed webhook secret keeps the one it replaces for a while."""
    new = GatewayAccount(organization=organization, provider=provider, mode=mode, connected_at=now)
    _account_fill(new, keys=keys, check=check, now=now)
    if new_webhook_secret:
        new.webhook_secret_ciphertext = secret_encrypt(new_webhook_secret)
        new.webhook_secret_hint = secret_hint(new_webhook_secret)
    with transaction.atomic():
        try:
            with transaction.atomic():
                new.save(force_insert=True)
            _audit_connect(new, actor=actor, created=True, changed=["key_id", "secret_key", "webhook_secret"])
            return new, True
        except IntegrityError as exc:
            conflict = exc
        account = (
            GatewayAccount.objects.select_for_update()
            .filter(organization=organization, provider=provider, mode=mode)
            .first()
        )
        if account is None:  # another constraint refused the row
            raise conflict
        update_fields = _account_fill(account, keys=keys, check=check, now=now)
        old_webhook_secret = secret_decrypt(account.webhook_secret_ciphertext)
        if new_webhook_secret and new_webhook_secret != old_webhook_secret:
            if old_webhook_secret:
                account.previous_webhook_secret_ciphertext = secret_encrypt(old_webhook_secret)
                account.webhook_secret_rotated_at = now
                update_fields += ["previous_webhook_secret_ciphertext", "webhook_secret_rotated_at"]
            account.webhook_secret_ciphertext = secret_encrypt(new_webhook_secret)
            account.webhook_secret_hint = secret_hint(new_webhook_secret)
            update_fields += ["webhook_secret_ciphertext", "webhook_secret_hint"]
        account.save(update_fields=update_fields)
        changed = ["key_id", "secret_key"] + (["webhook_secret"] if "webhook_secret_hint" in update_fields else [])
        _audit_connect(account, actor=actor, created=False, changed=changed)
    return account, False


def _audit_connect(account: GatewayAccount, *, actor: Actor | None, created: bool, changed: list[str]) -> None:
    # Only names of what changed: the keys themselves never reach the audit log.
    if actor is None:
        return
    audit_record(
        organization=account.organization,
        actor=actor,
        action="gateway_account.connected" if created else "gateway_account.keys_changed",
        target=account,
        target_label=f"{account.get_provider_display()} ({account.mode})",
        changes=audit_changes({}, {"provider": account.provider, "mode": account.mode, "keys": ", ".join(changed)}),
    )


def gateway_account_connect(
    *,
    organization: Organization,
    provider: str,
    secret_key: str | None = None,
    key_id: str | None = None,
    webhook_secret: str | None = None,
    mode: str | None = None,
    actor: Actor | None = None,
) -> ConnectedGateway:
    """Connect (or reconnect) an organization's gateway account after validate_credentials accepts
    the keys. Keys not given are kept from the existing account; nothing is stored if validation fails.
    With an `actor` (a person in the console) the change is audited in the transaction that writes it."""
    if provider not in GatewayProvider.values:
        raise UnknownProvider(f"Unknown provider {provider!r}; use one of {', '.join(GatewayProvider.values)}.")
    adapter = gateway_adapter(provider)
    given = ConnectionKeys(
        secret_key=(secret_key or "").strip(),
        key_id=(key_id or "").strip(),
        webhook_secret=(webhook_secret or "").strip(),
    )
    mode = _mode_for(adapter, keys=given, mode=mode)
    existing = _account_to_reconnect(organization=organization, provider=provider, mode=mode)
    mode = mode or (existing.mode if existing else None)
    if mode is None:
        raise GatewayCredentialsInvalid("A secret key (Stripe) or key id (Razorpay) is needed to connect.")
    stored = _stored_keys(existing)
    keys = adapter.complete_credentials(
        keys=ConnectionKeys(
            secret_key=given.secret_key or stored.secret_key,
            key_id=given.key_id or stored.key_id,
            webhook_secret=given.webhook_secret or stored.webhook_secret,
        )
    )
    check = adapter.validate_credentials(
        credentials=GatewayCredentials(
            account_id=existing.public_id if existing else "",
            provider=provider,
            mode=mode,
            secret_key=keys.secret_key,
            key_id=keys.key_id,
            webhook_secrets=(keys.webhook_secret,) if keys.webhook_secret else (),
        )
    )
    account, created = _account_write(
        organization=organization,
        provider=provider,
        mode=mode,
        keys=keys,
        check=check,
        # Only a secret given or made up now is written; the stored one is left as the row has it.
        new_webhook_secret=keys.webhook_secret if keys.webhook_secret != stored.webhook_secret else "",
        now=timezone.now(),
        actor=actor,
    )
    logger.info(
        "gateway_connected",
        extra={"org_id": organization.public_id, "provider": provider, "mode": mode, "account_id": account.public_id},
    )
    return ConnectedGateway(
        account=account,
        webhook_url=gateway_webhook_url(account=account),
        created=created,
        generated_webhook_secret=keys.webhook_secret if keys.webhook_secret_to_show else None,
    )


@transaction.atomic
def gateway_account_disconnect(*, account: GatewayAccount, actor: Actor) -> None:
    """Forget a gateway account and its encrypted keys: its webhook URL stops answering, re-charges
    through it stop, and its webhook inbox goes with it."""
    audit_record(
        organization=account.organization,
        actor=actor,
        action="gateway_account.disconnected",
        target=account,
        target_label=f"{account.get_provider_display()} ({account.mode})",
    )
    account.delete()
    logger.info(
        "gateway_disconnected",
        extra={"org_id": account.organization.public_id, "provider": account.provider, "mode": account.mode},
    )


def gateway_keys_rotate() -> int:
    """Re-encrypt every gateway secret under the newest GATEWAY_ENCRYPTION_KEYS key; returns the count
    of accounts rewritten. Safe to run again (and to interrupt: each account is its own transaction)."""
    rotated = 0
    for pk in GatewayAccount.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            account = GatewayAccount.objects.select_for_update().get(pk=pk)
            account.secret_key_ciphertext = secret_rotate(account.secret_key_ciphertext)
            account.webhook_secret_ciphertext = secret_rotate(account.webhook_secret_ciphertext)
            account.previous_webhook_secret_ciphertext = secret_rotate(account.previous_webhook_secret_ciphertext)
            account.save(
                update_fields=[
                    "secret_key_ciphertext",
                    "webhook_secret_ciphertext",
                    "previous_webhook_secret_ciphertext",
                ]
            )
            rotated += 1
    logger.info("gateway_keys_rotated", extra={"accounts": rotated})
    return rotated


# --- calls through the account's adapter: the payer's checkout and the retry engine's re-charge ---


def gateway_checkout_create(*, account: GatewayAccount, request: CheckoutRequest) -> CheckoutSession:
    """Open a hosted checkout at the account's gateway for one payment."""
    session = gateway_adapter(account.provider).create_checkout(
        credentials=gateway_credentials(account=account), request=request
    )
    logger.info(
        "gateway_checkout_created",
        extra={"org_id": account.organization_id, "provider": account.provider, "checkout_id": session.checkout_id},
    )
    return session


def gateway_saved_method_charges(
    *, account: GatewayAccount, requests: Sequence[SavedMethodCharge]
) -> list[ChargeResult | PaymentsError]:
    """Re-charge saved payment methods off-session, each at most once per its idempotency key, in
    order: each one's result, or the error that refused that one (the others still go)."""
    if not requests:
        return []
    outcomes = gateway_adapter(account.provider).charge_saved_methods(
        credentials=gateway_credentials(account=account), requests=requests
    )
    for outcome in outcomes:
        if isinstance(outcome, ChargeResult):
            logger.info(
                "gateway_charge_attempted",
                extra={
                    "org_id": account.organization_id,
                    "provider": account.provider,
                    "payment_id": outcome.payment_id,
                    "status": outcome.status,
                },
            )
    return outcomes


def gateway_saved_method_charge_find(*, account: GatewayAccount, request: SavedMethodCharge) -> ChargeResult | None:
    """What an earlier re-charge with this request did, as the gateway knows it now (None: no such
    charge reached it). For a worker that died mid-call: ask before charging again."""
    found = gateway_adapter(account.provider).find_saved_method_charge(
        credentials=gateway_credentials(account=account), request=request
    )
    logger.info(
        "gateway_charge_looked_up",
        extra={
            "org_id": account.organization_id,
            "provider": account.provider,
            "payment_id": found.payment_id if found else None,
            "status": found.status if found else None,
        },
    )
    return found


def gateway_payment_retrieve(*, account: GatewayAccount, payment_id: str) -> PaymentDetails:
    """The gateway's current view of one payment of the account's."""
    return gateway_adapter(account.provider).retrieve_payment(
        credentials=gateway_credentials(account=account), payment_id=payment_id
    )
