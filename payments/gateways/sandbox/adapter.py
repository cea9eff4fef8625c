"""The sandbox gateway behind Tinko's gateway interface: a real provider for offline use."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from payments.enums import GatewayMode, PaymentStatus, RefundStatus, SandboxCheckoutStatus
from payments.exceptions import GatewayCredentialsInvalid, PaymentsError
from payments.gateways.sandbox import client, consts, gateway, webhooks
from payments.interface import (
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    ConnectionKeys,
    CredentialCheck,
    FailureDetails,
    GatewayCredentials,
    PaymentDetails,
    PaymentOutcome,
    PaymentReferences,
    RefundRequest,
    RefundResult,
    SavedMethodCharge,
    VerifiedWebhook,
)
from payments.models import SandboxCheckout, SandboxPayment
from tinko.money import Money


def _failure(payment: SandboxPayment) -> FailureDetails | None:
    return webhooks.failure_from(gateway.payment_object(payment)["failure"])


class SandboxAdapter:
    provider: ClassVar[str] = "sandbox"

    def key_mode(self, *, secret_key: str, key_id: str) -> str | None:
        """The sandbox has only a test mode."""
        return GatewayMode.TEST

    def complete_credentials(self, *, keys: ConnectionKeys) -> ConnectionKeys:
        """Sandbox keys are Tinko's own: made up on first connect, kept on every later one."""
        return ConnectionKeys(
            secret_key=keys.secret_key or consts.SECRET_KEY_PREFIX + secrets.token_urlsafe(24),
            webhook_secret=keys.webhook_secret or consts.WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(32),
        )

    def validate_credentials(self, *, credentials: GatewayCredentials) -> CredentialCheck:
        """Sandbox keys are made by Tinko; only their shape and the test mode are checked."""
        if credentials.mode != "test":
            raise GatewayCredentialsInvalid("The sandbox gateway only has a test mode.")
        if not credentials.secret_key.startswith(consts.SECRET_KEY_PREFIX):
            raise GatewayCredentialsInvalid(f"A sandbox secret key starts with {consts.SECRET_KEY_PREFIX}.")
        if credentials.webhook_secrets and not credentials.webhook_secrets[0].startswith(consts.WEBHOOK_SECRET_PREFIX):
            raise GatewayCredentialsInvalid(f"A sandbox webhook secret starts with {consts.WEBHOOK_SECRET_PREFIX}.")
        return CredentialCheck(external_account_id="", display_name="Tinko sandbox")

    def create_checkout(self, *, credentials: GatewayCredentials, request: CheckoutRequest) -> CheckoutSession:
        """A checkout page at /sandbox/checkout/<id>/ (the same one again for the same idempotency key)."""
        checkout = client.checkout_create(credentials, request)
        return CheckoutSession(
            provider=self.provider,
            checkout_id=checkout.public_id,
            url=gateway.checkout_url(checkout),
            status=checkout.status,
            expires_at=checkout.expires_at,
        )

    def checkout_methods(self, *, currency: str) -> tuple[str, ...]:
        """The sandbox plays every method, in every currency."""
        return consts.CHECKOUT_METHODS

    def _checkout_state(self, checkout: SandboxCheckout) -> CheckoutState:
        payment = client.checkout_latest_payment(checkout)
        return CheckoutState(
            provider=self.provider,
            checkout_id=checkout.public_id,
            status=consts.CHECKOUT_STATUSES[checkout.status],
            payment_id=payment.public_id if payment else None,
            failure=_failure(payment) if payment and checkout.status == SandboxCheckoutStatus.OPEN else None,
        )

    def retrieve_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        return self._checkout_state(client.checkout_get(credentials, checkout_id))

    def expire_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """Expire an open checkout (with its `checkout.expired` event), as Stripe does."""
        checkout = client.checkout_get(credentials, checkout_id)
        gateway.checkout_expire(checkout=checkout)
        checkout.refresh_from_db()
        return self._checkout_state(checkout)

    def retrieve_payment(self, *, credentials: GatewayCredentials, payment_id: str) -> PaymentDetails:
        payment = client.payment_get(credentials, payment_id)
        return PaymentDetails(
            provider=self.provider,
            payment_id=payment.public_id,
            status=self.normalize_status(payment.status),
            raw_status=payment.status,
            amount=Money(payment.amount, payment.currency),
            amount_refunded=payment.amount_refunded,
            failure=_failure(payment),
            references=PaymentReferences.from_metadata(payment.metadata),
            gateway_customer_id=payment.gateway_customer_id or None,
            gateway_payment_method_id=payment.payment_method_id or None,
            payment_method_type=payment.payment_method_type,
            created_at=payment.created_at,
        )

    def _charge_result(self, payment: SandboxPayment) -> ChargeResult:
        return ChargeResult(
            provider=self.provider,
            payment_id=payment.public_id,
            status=self.normalize_status(payment.status),
            amount=Money(payment.amount, payment.currency),
            failure=_failure(payment),
        )

    def charge_saved_method(self, *, credentials: GatewayCredentials, request: SavedMethodCharge) -> ChargeResult:
        """Succeeds for sbx_pm_card_ok; sbx_pm_card_<decline code> declines with that code."""
        return self._charge_result(client.payment_charge(credentials, request))

    def charge_saved_methods(
        self, *, credentials: GatewayCredentials, requests: Sequence[SavedMethodCharge]
    ) -> list[ChargeResult | PaymentsError]:
        """All in one call to the sandbox (its payments and events written a statement each)."""
        return [
            outcome if isinstance(outcome, PaymentsError) else self._charge_result(outcome)
            for outcome in client.payments_charge(credentials, requests)
        ]

    def find_saved_method_charge(
        self, *, credentials: GatewayCredentials, request: SavedMethodCharge
    ) -> ChargeResult | None:
        """The payment charged under the request's idempotency key, if any."""
        payment = client.payment_find(credentials, request.idempotency_key)
        return None if payment is None else self._charge_result(payment)

    def refund(self, *, credentials: GatewayCredentials, request: RefundRequest) -> RefundResult:
        refund = client.refund_create(credentials, request)
        return RefundResult(
            provider=self.provider,
            refund_id=str(refund["id"]),
            payment_id=request.payment_id,
            status=RefundStatus.SUCCEEDED,
            amount=Money(int(refund["amount"]), str(refund["currency"])),
        )

    def verify_webhook(
        self, *, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime
    ) -> VerifiedWebhook:
        return webhooks.verify(body=body, headers=headers, secrets=secrets, now=now)

    def parse_event(
        self, *, credentials: GatewayCredentials, event_id: str, payload: Mapping[str, Any]
    ) -> PaymentOutcome | None:
        return webhooks.normalize(event_id=event_id, payload=payload)

    def normalize_status(self, status: str) -> str:
        return consts.PAYMENT_STATUSES.get(status, PaymentStatus.PENDING)
