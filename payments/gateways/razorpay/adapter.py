"""Razorpay behind Tinko's gateway interface (Payment Links, recurring payments on tokens, refunds).

Razorpay has no idempotency key on these APIs, so every call that moves money is made
idempotent here: a Payment Link's reference_id is unique at Razorpay; one order per attempt
(its receipt is the attempt's key) is looked up before a token is charged; a refund's receipt
is looked up before another refund is created.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from payments.enums import CheckoutStatus, PaymentStatus, RefundStatus
from payments.exceptions import GatewayCredentialsInvalid, GatewayTerminalError, PaymentsError
from payments.gateways.amounts import from_gateway_amount, to_gateway_amount
from payments.gateways.charging import charges_in_flight
from payments.gateways.payloads import string_map, timestamp
from payments.gateways.razorpay import client, consts, webhooks
from payments.interface import (
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    ConnectionKeys,
    CredentialCheck,
    GatewayCredentials,
    PaymentDetails,
    PaymentOutcome,
    PaymentReferences,
    RefundRequest,
    RefundResult,
    SavedMethodCharge,
    VerifiedWebhook,
)
from tinko.money import Money

KEY_ID_PATTERN = re.compile(r"^rzp_(test|live)_[A-Za-z0-9]{6,}$")
WEBHOOK_SECRET_MIN_LENGTH = 8


def razorpay_amount(money: Money) -> int:
    return to_gateway_amount(money, exponents=consts.CURRENCY_EXPONENTS, round_to_tens=consts.THREE_DECIMAL_CURRENCIES)


def _money(amount: Any, currency: Any) -> Money:
    return from_gateway_amount(int(amount), str(currency), exponents=consts.CURRENCY_EXPONENTS)


def key_mode(key_id: str) -> str:
    """test or live, from a Razorpay key id; GatewayCredentialsInvalid if malformed."""
    match = KEY_ID_PATTERN.match(key_id)
    if not match:
        raise GatewayCredentialsInvalid("A Razorpay key id looks like rzp_test_… or rzp_live_….")
    return match.group(1)


def reference_for(idempotency_key: str) -> str:
    """A reference_id / receipt (40 characters at most) that is the same for the same key."""
    if len(idempotency_key) <= consts.REFERENCE_MAX_LENGTH:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[: consts.REFERENCE_MAX_LENGTH]


def _notes(references: PaymentReferences, metadata: Mapping[str, str]) -> dict[str, str]:
    notes = {**metadata, **references.as_metadata()}
    # Razorpay keeps at most 15 notes; ours are added last, so they are the ones kept.
    return dict(list(notes.items())[-consts.NOTES_MAX_ITEMS :])


class RazorpayAdapter:
    provider: ClassVar[str] = "razorpay"

    def key_mode(self, *, secret_key: str, key_id: str) -> str | None:
        """The mode is in the key id (rzp_test_…, rzp_live_…); the key secret doesn't say."""
        return key_mode(key_id) if key_id else None

    def complete_credentials(self, *, keys: ConnectionKeys) -> ConnectionKeys:
        """Both halves of the key pair are needed. Razorpay lets the merchant choose the webhook
        secret, so when they have none Tinko makes up a strong one for them to paste at Razorpay."""
        if not keys.secret_key:
            raise GatewayCredentialsInvalid("A secret key is needed to connect.")
        if not keys.key_id:
            raise GatewayCredentialsInvalid("A Razorpay key id is needed to connect.")
        if keys.webhook_secret:
            return keys
        return dataclasses.replace(keys, webhook_secret=secrets.token_urlsafe(32), webhook_secret_to_show=True)

    def validate_credentials(self, *, credentials: GatewayCredentials) -> CredentialCheck:
        """GET /v1/payments?count=1 with the key pair; a refused pair raises GatewayCredentialsInvalid."""
        if key_mode(credentials.key_id) != credentials.mode:
            raise GatewayCredentialsInvalid(f"This is not a {credentials.mode}-mode Razorpay key id.")
        if not credentials.secret_key:
            raise GatewayCredentialsInvalid("A Razorpay key secret is required.")
        if credentials.webhook_secrets and len(credentials.webhook_secrets[0]) < WEBHOOK_SECRET_MIN_LENGTH:
            raise GatewayCredentialsInvalid(f"Use a webhook secret of at least {WEBHOOK_SECRET_MIN_LENGTH} characters.")
        try:
            client.payments_list_one(credentials)
        except GatewayTerminalError as exc:
            raise GatewayCredentialsInvalid(f"Razorpay refused the key pair: {exc}") from exc
        return CredentialCheck(external_account_id="", display_name=f"Razorpay {credentials.key_id}")

    def create_checkout(self, *, credentials: GatewayCredentials, request: CheckoutRequest) -> CheckoutSession:
        """POST /v1/payment_links; the reference_id (from the idempotency key) makes a retry find the
        link the first call made instead of opening a second one."""
        reference = reference_for(request.idempotency_key)
        data: dict[str, Any] = {
            "amount": razorpay_amount(request.amount),
            "currency": request.amount.currency,
            "accept_partial": False,
            "description": request.description,
            "reference_id": reference,
            # Tinko sends its own messages to the payer.
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "notes": _notes(request.references, request.metadata),
        }
        customer = {
            key: value
            for key, value in (
                ("name", request.customer.name),
                ("email", request.customer.email),
                ("contact", request.customer.phone),
            )
            if value
        }
        if customer:
            data["customer"] = customer
        if request.success_url:
            data["callback_url"] = request.success_url
            data["callback_method"] = "get"
        if request.expires_at:
            data["expire_by"] = int(request.expires_at.timestamp())
        if request.payment_method_types:
            data["options"] = {
                "checkout": {
                    "method": {
                        method: "1" if method in request.payment_method_types else "0"
                        for method in consts.CHECKOUT_METHODS
                    }
                }
            }
        try:
            link = client.payment_link_create(credentials, data)
        except GatewayTerminalError:
            existing = client.payment_links_with_reference(credentials, reference)
            if not existing:
                raise
            link = existing[0]
        return CheckoutSession(
            provider=self.provider,
            checkout_id=str(link["id"]),
            url=str(link.get("short_url") or ""),
            status=str(link.get("status") or ""),
            expires_at=timestamp(link.get("expire_by")),
        )

    def checkout_methods(self, *, currency: str) -> tuple[str, ...]:
        """Cards, UPI, netbanking and wallets for rupees; cards alone in other currencies."""
        return consts.CHECKOUT_METHODS if currency.upper() == "INR" else consts.CHECKOUT_METHODS_OTHER_CURRENCIES

    def _checkout_state(self, link: Mapping[str, Any]) -> CheckoutState:
        payments = [item for item in link.get("payments") or [] if isinstance(item, Mapping)]
        paid = [item for item in payments if item.get("status") == "captured"]
        latest = (paid or payments or [{}])[-1]
        return CheckoutState(
            provider=self.provider,
            checkout_id=str(link["id"]),
            status=consts.PAYMENT_LINK_STATUSES.get(str(link.get("status")), CheckoutStatus.OPEN),
            payment_id=str(latest["payment_id"]) if latest.get("payment_id") else None,
        )

    def retrieve_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """GET /v1/payment_links/:id."""
        return self._checkout_state(client.payment_link_fetch(credentials, checkout_id))

    def expire_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """POST /v1/payment_links/:id/cancel; a link already paid, expired or cancelled is read as it stands."""
        try:
            return self._checkout_state(client.payment_link_cancel(credentials, checkout_id))
        except GatewayTerminalError:
            state = self.retrieve_checkout(credentials=credentials, checkout_id=checkout_id)
            if state.status == CheckoutStatus.OPEN:
                raise
            return state

    def retrieve_payment(self, *, credentials: GatewayCredentials, payment_id: str) -> PaymentDetails:
        """GET /v1/payments/:id."""
        payment = client.payment_fetch(credentials, payment_id)
        facts = webhooks.payment_facts(payment)
        raw_status = str(payment.get("status"))
        status = self.normalize_status(raw_status)
        return PaymentDetails(
            provider=self.provider,
            payment_id=payment_id,
            status=status,
            raw_status=raw_status,
            amount=_money(payment["amount"], payment["currency"]),
            amount_refunded=facts.amount_refunded,
            failure=webhooks.failure_from_payment(payment) if status == PaymentStatus.FAILED else None,
            references=PaymentReferences.from_metadata(string_map(payment.get("notes"))),
            gateway_customer_id=facts.gateway_customer_id,
            gateway_payment_method_id=facts.gateway_payment_method_id,
            payment_method_type=facts.payment_method_type,
            created_at=timestamp(payment.get("created_at")),
        )

    def _charge_result(self, payment: Mapping[str, Any], order_id: str) -> ChargeResult:
        raw_status = str(payment.get("status"))
        status = self.normalize_status(raw_status)
        return ChargeResult(
            provider=self.provider,
            payment_id=str(payment["id"]),
            status=status,
            amount=_money(payment["amount"], payment["currency"]),
            failure=webhooks.failure_from_payment(payment) if status == PaymentStatus.FAILED else None,
            gateway_order_id=order_id,
        )

    def _order_charge(self, credentials: GatewayCredentials, order: Mapping[str, Any]) -> ChargeResult | None:
        """The charge made against one attempt's order (a settled payment before a failed one), if any."""
        payments = sorted(
            client.order_payments(credentials, str(order["id"])), key=lambda p: int(p.get("created_at") or 0)
        )
        settled = [p for p in payments if p.get("status") in ("captured", "authorized", "refunded")]
        if not payments:
            return None
        return self._charge_result((settled or payments)[-1], str(order["id"]))

    def charge_saved_method(self, *, credentials: GatewayCredentials, request: SavedMethodCharge) -> ChargeResult:
        """One order per attempt (receipt = the attempt's key), looked up first; the token is charged
        (POST /v1/payments/create/recurring) only if that order has no payment yet."""
        receipt = reference_for(request.idempotency_key)
        notes = _notes(request.references, request.metadata)
        orders = client.orders_with_receipt(credentials, receipt)
        if orders:
            order = orders[0]
            earlier = self._order_charge(credentials, order)
            if earlier is not None:
                # This attempt already charged the token: report that charge rather than charge twice.
                return earlier
        else:
            order = client.order_create(
                credentials,
                {
                    "amount": razorpay_amount(request.amount),
                    "currency": request.amount.currency,
                    "receipt": receipt,
                    "notes": notes,
                },
            )
        data: dict[str, Any] = {
            "amount": razorpay_amount(request.amount),
            "currency": request.amount.currency,
            "order_id": order["id"],
            "customer_id": request.gateway_customer_id,
            "token": request.gateway_payment_method_id,
            "recurring": "1",
            "notes": notes,
        }
        if request.customer.email:
            data["email"] = request.customer.email
        if request.customer.phone:
            data["contact"] = request.customer.phone
        if request.description:
            data["description"] = request.description
        created = client.recurring_payment_create(credentials, data)
        payment = client.payment_fetch(credentials, str(created["razorpay_payment_id"]))
        return self._charge_result(payment, str(order["id"]))

    def charge_saved_methods(
        self, *, credentials: GatewayCredentials, requests: Sequence[SavedMethodCharge]
    ) -> list[ChargeResult | PaymentsError]:
        """One order and payment per request (Razorpay takes one per call), a few in flight at once."""
        return charges_in_flight(
            lambda request: self.charge_saved_method(credentials=credentials, request=request),
            requests,
            account_id=credentials.account_id,
        )

    def find_saved_method_charge(
        self, *, credentials: GatewayCredentials, request: SavedMethodCharge
    ) -> ChargeResult | None:
        """GET /v1/orders?receipt=… (the attempt's order), then its payments; None without either."""
        orders = client.orders_with_receipt(credentials, reference_for(request.idempotency_key))
        return self._order_charge(credentials, orders[0]) if orders else None

    def refund(self, *, credentials: GatewayCredentials, request: RefundRequest) -> RefundResult:
        """POST /v1/payments/:id/refund, unless a refund with this receipt already exists."""
        receipt = reference_for(request.idempotency_key)
        existing = [r for r in client.payment_refunds(credentials, request.payment_id) if r.get("receipt") == receipt]
        if existing:
            refund = existing[0]
        else:
            data: dict[str, Any] = {"speed": "normal", "receipt": receipt, "notes": dict(request.metadata)}
            if request.amount is not None:
                data["amount"] = razorpay_amount(request.amount)
            refund = client.refund_create(credentials, request.payment_id, data)
        return RefundResult(
            provider=self.provider,
            refund_id=str(refund["id"]),
            payment_id=request.payment_id,
            status=consts.REFUND_STATUSES.get(str(refund.get("status")), RefundStatus.PENDING),
            amount=_money(refund["amount"], refund["currency"]),
        )

    def verify_webhook(
        self, *, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime
    ) -> VerifiedWebhook:
        return webhooks.verify(body=body, headers=headers, secrets=secrets, now=now)

    def parse_event(
        self, *, credentials: GatewayCredentials, event_id: str, payload: Mapping[str, Any]
    ) -> PaymentOutcome | None:
        return webhooks.normalize(event_id=event_id, payload=payload, livemode=credentials.livemode)

    def normalize_status(self, status: str) -> str:
        return consts.PAYMENT_STATUSES.get(status, PaymentStatus.PENDING)
