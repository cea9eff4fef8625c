"""Stripe behind Tinko's gateway interface (Checkout Sessions, off-session PaymentIntents, refunds)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from stripe.params import PaymentIntentCreateParams, RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from payments.enums import CheckoutStatus, OutcomeType, PaymentStatus, RefundStatus
from payments.exceptions import GatewayCredentialsInvalid, GatewayTerminalError, PaymentDeclined, PaymentsError
from payments.gateways.amounts import from_gateway_amount, to_gateway_amount
from payments.gateways.charging import charges_in_flight
from payments.gateways.payloads import as_mapping, object_id, string_map, text, timestamp
from payments.gateways.stripe import client, consts, webhooks
from payments.interface import (
    METADATA_ATTEMPT_ID,
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

SECRET_KEY_PATTERN = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$")
WEBHOOK_SECRET_PATTERN = re.compile(r"^whsec_[A-Za-z0-9+/=]{8,}$")


def stripe_amount(money: Money) -> int:
    return to_gateway_amount(money, exponents=consts.CURRENCY_EXPONENTS, round_to_tens=consts.THREE_DECIMAL_CURRENCIES)


def _money(amount: Any, currency: Any) -> Money:
    return from_gateway_amount(int(amount), str(currency), exponents=consts.CURRENCY_EXPONENTS)


def key_mode(secret_key: str) -> str:
    """test or live, from a Stripe secret (or restricted) key; GatewayCredentialsInvalid if malformed."""
    match = SECRET_KEY_PATTERN.match(secret_key)
    if not match:
        raise GatewayCredentialsInvalid("A Stripe secret key looks like sk_test_… or sk_live_… (or rk_…).")
    return match.group(2)


class StripeAdapter:
    provider: ClassVar[str] = "stripe"

    def key_mode(self, *, secret_key: str, key_id: str) -> str | None:
        """The mode is in the secret key (sk_test_…, sk_live_…)."""
        return key_mode(secret_key) if secret_key else None

    def complete_credentials(self, *, keys: ConnectionKeys) -> ConnectionKeys:
        """Stripe needs only the secret key; its webhook signing secret is Stripe's to make, added later."""
        if not keys.secret_key:
            raise GatewayCredentialsInvalid("A secret key is needed to connect.")
        return keys

    def validate_credentials(self, *, credentials: GatewayCredentials) -> CredentialCheck:
        """GET /v1/account with the key; a refused key raises GatewayCredentialsInvalid."""
        if key_mode(credentials.secret_key) != credentials.mode:
            raise GatewayCredentialsInvalid(f"This is not a {credentials.mode}-mode Stripe key.")
        for secret in credentials.webhook_secrets[:1]:
            if not WEBHOOK_SECRET_PATTERN.match(secret):
                raise GatewayCredentialsInvalid("A Stripe webhook signing secret looks like whsec_….")
        try:
            account = client.account_retrieve(credentials)
        except GatewayTerminalError as exc:
            raise GatewayCredentialsInvalid(f"Stripe refused the key: {exc}") from exc
        settings_dashboard = as_mapping(as_mapping(account.get("settings")).get("dashboard"))
        profile = as_mapping(account.get("business_profile"))
        return CredentialCheck(
            external_account_id=text(account.get("id")) or "",
            display_name=text(settings_dashboard.get("display_name")) or text(profile.get("name")) or "",
        )

    def create_checkout(self, *, credentials: GatewayCredentials, request: CheckoutRequest) -> CheckoutSession:
        """POST /v1/checkout/sessions: one line item, our references in metadata on the session and its
        PaymentIntent (so payment_intent.* events carry them too), under the caller's idempotency key."""
        metadata = {**request.metadata, **request.references.as_metadata()}
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": stripe_amount(request.amount),
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "success_url": request.success_url,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "description": request.description},
        }
        if request.cancel_url:
            params["cancel_url"] = request.cancel_url
        if request.references.transaction_ref:
            params["client_reference_id"] = request.references.transaction_ref
        if request.gateway_customer_id:
            params["customer"] = request.gateway_customer_id
        elif request.customer.email:
            params["customer_email"] = request.customer.email
        if request.payment_method_types:
            params["allowed_payment_method_types"] = list(request.payment_method_types)
        if request.save_payment_method:
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
        if request.expires_at:
            params["expires_at"] = int(request.expires_at.timestamp())
        session = client.checkout_session_create(credentials, params, idempotency_key=request.idempotency_key)
        return CheckoutSession(
            provider=self.provider,
            checkout_id=str(session["id"]),
            url=str(session.get("url") or ""),
            status=str(session.get("status") or ""),
            expires_at=timestamp(session.get("expires_at")),
        )

    def checkout_methods(self, *, currency: str) -> tuple[str, ...]:
        """Cards everywhere; UPI too for rupees."""
        return consts.CHECKOUT_METHODS_INR if currency.upper() == "INR" else consts.CHECKOUT_METHODS

    def _checkout_state(self, session: Mapping[str, Any]) -> CheckoutState:
        intent = session.get("payment_intent")
        failure = None
        if isinstance(intent, Mapping) and intent.get("last_payment_error") and session.get("status") == "open":
            failure = webhooks.failure_from_error(as_mapping(intent.get("last_payment_error")))
        return CheckoutState(
            provider=self.provider,
            checkout_id=str(session["id"]),
            status=consts.CHECKOUT_STATUSES.get(str(session.get("status")), CheckoutStatus.OPEN),
            payment_id=object_id(intent),
            failure=failure,
        )

    def retrieve_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """GET /v1/checkout/sessions/:id, its PaymentIntent expanded."""
        return self._checkout_state(client.checkout_session_retrieve(credentials, checkout_id))

    def expire_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """POST /v1/checkout/sessions/:id/expire; a session no longer open is read as it stands."""
        try:
            return self._checkout_state(client.checkout_session_expire(credentials, checkout_id))
        except GatewayTerminalError:
            state = self.retrieve_checkout(credentials=credentials, checkout_id=checkout_id)
            if state.status == CheckoutStatus.OPEN:
                raise
            return state

    def retrieve_payment(self, *, credentials: GatewayCredentials, payment_id: str) -> PaymentDetails:
        """GET /v1/payment_intents/:id (or /v1/charges/:id for a ch_ id)."""
        if payment_id.startswith("ch_"):
            charge = client.charge_retrieve(credentials, payment_id)
            outcome = as_mapping(charge.get("outcome"))
            failure = None
            if charge.get("status") == "failed":
                failure = webhooks.failure_from_error(
                    {
                        "code": charge.get("failure_code"),
                        "message": charge.get("failure_message"),
                        "decline_code": outcome.get("reason"),
                        "advice_code": outcome.get("advice_code"),
                        "network_decline_code": outcome.get("network_decline_code"),
                        "network_advice_code": outcome.get("network_advice_code"),
                    }
                )
            raw_status = str(charge.get("status"))
            status: str = consts.CHARGE_STATUSES.get(raw_status, PaymentStatus.PENDING)
            if charge.get("refunded"):
                status = PaymentStatus.REFUNDED
            return PaymentDetails(
                provider=self.provider,
                payment_id=payment_id,
                status=status,
                raw_status=raw_status,
                amount=_money(charge["amount"], charge["currency"]),
                amount_refunded=_money(charge.get("amount_refunded") or 0, charge["currency"]).amount,
                failure=failure,
                references=PaymentReferences.from_metadata(string_map(charge.get("metadata"))),
                gateway_customer_id=object_id(charge.get("customer")),
                gateway_payment_method_id=text(charge.get("payment_method")),
                payment_method_type=text(as_mapping(charge.get("payment_method_details")).get("type")),
                created_at=timestamp(charge.get("created")),
            )
        intent = client.payment_intent_retrieve(credentials, payment_id)
        facts = webhooks.payment_intent_facts(intent)
        raw_status = str(intent.get("status"))
        status = self.normalize_status(raw_status)
        return PaymentDetails(
            provider=self.provider,
            payment_id=payment_id,
            status=status,
            raw_status=raw_status,
            amount=_money(intent["amount"], intent["currency"]),
            failure=facts.failure if status == PaymentStatus.FAILED else None,
            references=PaymentReferences.from_metadata(string_map(intent.get("metadata"))),
            gateway_customer_id=facts.gateway_customer_id,
            gateway_payment_method_id=facts.gateway_payment_method_id,
            payment_method_type=facts.payment_method_type,
            created_at=timestamp(intent.get("created")),
        )

    def charge_saved_method(self, *, credentials: GatewayCredentials, request: SavedMethodCharge) -> ChargeResult:
        """POST /v1/payment_intents with off_session=true, confirm=true, the saved customer and method."""
        metadata = {**request.metadata, **request.references.as_metadata()}
        params: PaymentIntentCreateParams = {
            "amount": stripe_amount(request.amount),
            "currency": request.amount.currency.lower(),
            "customer": request.gateway_customer_id,
            "payment_method": request.gateway_payment_method_id,
            "off_session": True,
            "confirm": True,
            "metadata": metadata,
        }
        if request.description:
            params["description"] = request.description
        try:
            intent = client.payment_intent_create(credentials, params, idempotency_key=request.idempotency_key)
        except PaymentDeclined as declined:
            return ChargeResult(
                provider=self.provider,
                payment_id=declined.payment_id or "",
                status=PaymentStatus.FAILED,
                amount=request.amount,
                failure=declined.failure,
            )
        return self._intent_result(intent)

    def _intent_result(self, intent: Mapping[str, Any]) -> ChargeResult:
        raw_status = str(intent.get("status"))
        return ChargeResult(
            provider=self.provider,
            payment_id=str(intent["id"]),
            status=self.normalize_status(raw_status),
            amount=_money(intent["amount"], intent["currency"]),
            failure=webhooks.failure_from_error(as_mapping(intent.get("last_payment_error")))
            if intent.get("last_payment_error")
            else None,
            gateway_charge_id=object_id(intent.get("latest_charge")),
        )

    def charge_saved_methods(
        self, *, credentials: GatewayCredentials, requests: Sequence[SavedMethodCharge]
    ) -> list[ChargeResult | PaymentsError]:
        """One PaymentIntent per request (Stripe takes one per call), a few in flight at once."""
        return charges_in_flight(
            lambda request: self.charge_saved_method(credentials=credentials, request=request),
            requests,
            account_id=credentials.account_id,
        )

    def find_saved_method_charge(
        self, *, credentials: GatewayCredentials, request: SavedMethodCharge
    ) -> ChargeResult | None:
        """GET /v1/payment_intents?customer=…: the customer's PaymentIntent whose metadata names the
        request's attempt (Stripe keeps no idempotency key on objects, and its search is not
        read-your-writes). A declined one is there too, back at requires_payment_method."""
        attempt_id = request.references.attempt_id
        if not attempt_id:
            raise ValueError("A Stripe charge is found by its attempt id: give references.attempt_id.")
        for intent in client.payment_intents_for_customer(credentials, request.gateway_customer_id):
            if string_map(intent.get("metadata")).get(METADATA_ATTEMPT_ID) == attempt_id:
                return self._intent_result(intent)
        return None

    def refund(self, *, credentials: GatewayCredentials, request: RefundRequest) -> RefundResult:
        """POST /v1/refunds against the PaymentIntent (or charge), under the caller's idempotency key."""
        params: RefundCreateParams = {"metadata": dict(request.metadata)}
        if request.payment_id.startswith("ch_"):
            params["charge"] = request.payment_id
        else:
            params["payment_intent"] = request.payment_id
        if request.amount is not None:
            params["amount"] = stripe_amount(request.amount)
        if request.reason in ("duplicate", "fraudulent", "requested_by_customer"):
            params["reason"] = request.reason
        refund = client.refund_create(credentials, params, idempotency_key=request.idempotency_key)
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
        """Normalize the event; an invoice failure is completed from its PaymentIntent, since invoices
        stopped carrying the charge and its decline codes in API 2025-03-31."""
        outcome = webhooks.normalize(event_id=event_id, payload=payload)
        if outcome is None or payload.get("type") != consts.EVENT_INVOICE_PAYMENT_FAILED:
            return outcome
        if outcome.failure is not None or outcome.type != OutcomeType.PAYMENT_FAILED:
            return outcome
        intent_id = outcome.gateway_payment_id if str(outcome.gateway_payment_id).startswith("pi_") else None
        if intent_id is None and outcome.gateway_order_id:
            for item in client.invoice_payments_list(credentials, outcome.gateway_order_id):
                intent_id = object_id(as_mapping(item.get("payment")).get("payment_intent"))
                if intent_id:
                    break
        if intent_id is None:
            return outcome
        facts = webhooks.payment_intent_facts(client.payment_intent_retrieve(credentials, intent_id))
        return dataclasses.replace(
            outcome,
            gateway_payment_id=intent_id,
            gateway_charge_id=facts.gateway_charge_id,
            gateway_payment_method_id=facts.gateway_payment_method_id,
            payment_method_type=facts.payment_method_type,
            failure=facts.failure,
        )

    def normalize_status(self, status: str) -> str:
        return consts.PAYMENT_INTENT_STATUSES.get(status, PaymentStatus.PENDING)
