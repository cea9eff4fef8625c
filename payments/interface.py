"""The one small interface every gateway adapter implements, and the types that cross it.

Amounts are integers in the currency's ISO 4217 minor unit (`tinko.money`); each adapter
converts to and from its gateway's own unit at the edge. Datetimes are aware, in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from payments.exceptions import PaymentsError
from tinko.money import Money

# Keys under which Tinko's own references travel in Stripe metadata and Razorpay notes.
METADATA_TRANSACTION_REF = "tinko_transaction_ref"
METADATA_ATTEMPT_ID = "tinko_attempt_id"
METADATA_LINK_ID = "tinko_link_id"


@dataclass(frozen=True, kw_only=True)
class PaymentReferences:
    """Tinko's references to a payment: the merchant's transaction_ref and Tinko's attempt/link ids."""

    transaction_ref: str | None = None
    attempt_id: str | None = None
    link_id: str | None = None

    def as_metadata(self) -> dict[str, str]:
        pairs = {
            METADATA_TRANSACTION_REF: self.transaction_ref,
            METADATA_ATTEMPT_ID: self.attempt_id,
            METADATA_LINK_ID: self.link_id,
        }
        return {key: value for key, value in pairs.items() if value}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> PaymentReferences:
        def text(key: str) -> str | None:
            value = metadata.get(key)
            return str(value) if value not in (None, "") else None

        return cls(
            transaction_ref=text(METADATA_TRANSACTION_REF),
            attempt_id=text(METADATA_ATTEMPT_ID),
            link_id=text(METADATA_LINK_ID),
        )


@dataclass(frozen=True, kw_only=True)
class FailureDetails:
    """Why a payment failed, as the gateway said it.

    Stripe: `code` is the error code (`card_declined`), `decline_code` the issuer's reason
    (`insufficient_funds`), plus `advice_code` and the raw network codes.
    Razorpay: `code` is `error_code` (`BAD_REQUEST_ERROR`), `decline_code` is `error_reason`
    (`insufficient_funds`, the field Razorpay says to match on), `source` and `step` as sent.
    """

    code: str | None = None
    message: str | None = None
    decline_code: str | None = None
    advice_code: str | None = None
    network_decline_code: str | None = None
    network_advice_code: str | None = None
    source: str | None = None
    step: str | None = None


# The longest customer fields Tinko keeps (the handler's columns); outcomes never carry longer ones.
CUSTOMER_EMAIL_MAX_LENGTH = 254
CUSTOMER_PHONE_MAX_LENGTH = 16  # E.164
CUSTOMER_NAME_MAX_LENGTH = 200


@dataclass(frozen=True, kw_only=True)
class CustomerDetails:
    email: str | None = None
    phone: str | None = None
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentOutcome:
    """A verified gateway event, normalized: what payments hands to PAYMENTS_OUTCOME_HANDLER.

    The organization is the GatewayAccount's. Several events can describe one payment (Stripe
    sends `payment_intent.payment_failed` and `charge.failed`; Razorpay `payment.captured`,
    `order.paid` and `payment_link.paid`): they share `gateway_payment_id`, and `occurred_at`
    orders them, so the handler can stay idempotent and never let a late failure undo a success.
    """

    provider: str
    event_id: str
    event_type: str  # the gateway's own name, e.g. "charge.failed"
    type: str  # an OutcomeType value
    occurred_at: datetime
    livemode: bool
    references: PaymentReferences = field(default_factory=PaymentReferences)
    gateway_payment_id: str | None = None  # Stripe PaymentIntent (or charge), Razorpay payment, sandbox payment
    gateway_charge_id: str | None = None  # Stripe charge: one attempt of a PaymentIntent
    gateway_checkout_id: str | None = None  # Stripe Checkout Session, Razorpay Payment Link, sandbox checkout
    gateway_order_id: str | None = None  # Razorpay order, Stripe invoice
    gateway_customer_id: str | None = None
    gateway_payment_method_id: str | None = None  # Stripe PaymentMethod, Razorpay token: what a re-charge needs
    gateway_refund_id: str | None = None
    amount: int | None = None  # minor units (ISO 4217); for `refunded`, the amount of this refund
    currency: str | None = None
    amount_refunded: int | None = None  # total refunded on the payment so far, when the gateway says
    failure: FailureDetails | None = None
    payment_method_type: str | None = None  # card, upi, netbanking, wallet, …
    customer: CustomerDetails = field(default_factory=CustomerDetails)
    metadata: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the event as received; never log it

    @property
    def money(self) -> Money | None:
        if self.amount is None or self.currency is None:
            return None
        return Money(self.amount, self.currency)


@dataclass(frozen=True, kw_only=True)
class GatewayCredentials:
    """Decrypted secrets of one GatewayAccount, for the length of one call. Never logged (repr hides them)."""

    account_id: str  # GatewayAccount.public_id
    provider: str
    mode: str
    secret_key: str = field(repr=False)
    key_id: str = ""
    webhook_secrets: tuple[str, ...] = field(default=(), repr=False)  # current first, then a recent previous one

    @property
    def livemode(self) -> bool:
        return self.mode == "live"


@dataclass(frozen=True, kw_only=True)
class ConnectionKeys:
    """The keys of an account being connected: those given, over those already stored ("" when absent).

    `webhook_secret_to_show` says the adapter made up a webhook secret that the merchant must
    register at the gateway (Razorpay): it is shown to them once, never again."""

    secret_key: str = field(default="", repr=False)
    key_id: str = ""
    webhook_secret: str = field(default="", repr=False)
    webhook_secret_to_show: bool = False


@dataclass(frozen=True, kw_only=True)
class CredentialCheck:
    external_account_id: str = ""
    display_name: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckoutRequest:
    """A hosted checkout for one payment. `idempotency_key` must be stable for the same intent."""

    amount: Money
    description: str
    idempotency_key: str
    references: PaymentReferences = field(default_factory=PaymentReferences)
    success_url: str = ""
    cancel_url: str = ""
    customer: CustomerDetails = field(default_factory=CustomerDetails)
    gateway_customer_id: str | None = None
    payment_method_types: tuple[str, ...] = ()
    save_payment_method: bool = False
    expires_at: datetime | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CheckoutSession:
    provider: str
    checkout_id: str
    url: str
    status: str
    expires_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CheckoutState:
    """Where a hosted checkout stands at the gateway: `status` a CheckoutStatus value (open, complete,
    expired); `payment_id` the payment it took (or the latest it tried), for `retrieve_payment`;
    `failure` why its latest payment attempt was declined, while it is still open."""

    provider: str
    checkout_id: str
    status: str
    payment_id: str | None = None
    failure: FailureDetails | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentDetails:
    provider: str
    payment_id: str
    status: str  # a PaymentStatus value
    raw_status: str
    amount: Money | None = None
    amount_refunded: int | None = None
    failure: FailureDetails | None = None
    references: PaymentReferences = field(default_factory=PaymentReferences)
    gateway_customer_id: str | None = None
    gateway_payment_method_id: str | None = None
    payment_method_type: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SavedMethodCharge:
    """Charge a saved payment method without the payer present (a scheduled retry)."""

    amount: Money
    gateway_customer_id: str
    gateway_payment_method_id: str  # Stripe PaymentMethod id, Razorpay token id
    idempotency_key: str  # deterministic per attempt; Razorpay: also the order receipt
    description: str = ""
    references: PaymentReferences = field(default_factory=PaymentReferences)
    customer: CustomerDetails = field(default_factory=CustomerDetails)
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ChargeResult:
    """What a re-charge did. A decline is a result (status failed, with failure), not an exception."""

    provider: str
    payment_id: str
    status: str  # a PaymentStatus value
    amount: Money
    failure: FailureDetails | None = None
    gateway_charge_id: str | None = None
    gateway_order_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RefundRequest:
    payment_id: str
    idempotency_key: str
    amount: Money | None = None  # None: the whole remaining amount
    reason: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RefundResult:
    provider: str
    refund_id: str
    payment_id: str
    status: str  # a RefundStatus value
    amount: Money


@dataclass(frozen=True, kw_only=True)
class VerifiedWebhook:
    """A delivery whose signature checked out: the event's id, type and parsed body."""

    event_id: str
    event_type: str
    payload: Mapping[str, Any] = field(repr=False)
    livemode: bool | None = None


class GatewayAdapter(Protocol):
    """One payment gateway. Calls that reach the gateway raise GatewayTransientError or GatewayTerminalError."""

    provider: ClassVar[str]

    def key_mode(self, *, secret_key: str, key_id: str) -> str | None:
        """test or live, as the given keys say; None when they say nothing. GatewayCredentialsInvalid if malformed."""
        ...

    def complete_credentials(self, *, keys: ConnectionKeys) -> ConnectionKeys:
        """Add what Tinko makes up for this gateway (sandbox keys, a Razorpay webhook secret);
        GatewayCredentialsInvalid when a key the gateway needs is missing."""
        ...

    def validate_credentials(self, *, credentials: GatewayCredentials) -> CredentialCheck:
        """Make a harmless read call with the keys; raise GatewayCredentialsInvalid if refused."""
        ...

    def create_checkout(self, *, credentials: GatewayCredentials, request: CheckoutRequest) -> CheckoutSession:
        """Open a hosted checkout (Stripe Checkout Session, Razorpay Payment Link, sandbox page)."""
        ...

    def checkout_methods(self, *, currency: str) -> tuple[str, ...]:
        """The payment methods the gateway's hosted checkout can take in `currency` (card, upi,
        netbanking, wallet), in the order the gateway would show them."""
        ...

    def retrieve_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """The gateway's current view of one hosted checkout."""
        ...

    def expire_checkout(self, *, credentials: GatewayCredentials, checkout_id: str) -> CheckoutState:
        """Close a hosted checkout so it can no longer take a payment (Stripe expires the session,
        Razorpay cancels the link); one already complete or expired is answered as it stands."""
        ...

    def retrieve_payment(self, *, credentials: GatewayCredentials, payment_id: str) -> PaymentDetails:
        """The gateway's current view of one payment."""
        ...

    def charge_saved_method(self, *, credentials: GatewayCredentials, request: SavedMethodCharge) -> ChargeResult:
        """Charge a saved method off-session, at most once per idempotency key."""
        ...

    def charge_saved_methods(
        self, *, credentials: GatewayCredentials, requests: Sequence[SavedMethodCharge]
    ) -> list[ChargeResult | PaymentsError]:
        """`charge_saved_method` for several requests of one account (a worker's batch), in order:
        each one's result, or the error that refused that one alone."""
        ...

    def find_saved_method_charge(
        self, *, credentials: GatewayCredentials, request: SavedMethodCharge
    ) -> ChargeResult | None:
        """What an earlier `charge_saved_method(request)` did, as the gateway knows it now; None when it
        has no charge for this request (it never arrived). Found by the request's idempotency key
        (Razorpay: its order's receipt) or, where the gateway keeps no key, by Tinko's attempt id in
        the payment's metadata. Never charges."""
        ...

    def refund(self, *, credentials: GatewayCredentials, request: RefundRequest) -> RefundResult:
        """Refund all or part of a payment, at most once per idempotency key."""
        ...

    def verify_webhook(
        self, *, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime
    ) -> VerifiedWebhook:
        """Check the signature exactly as the gateway computes it; raise WebhookVerificationError."""
        ...

    def parse_event(
        self, *, credentials: GatewayCredentials, event_id: str, payload: Mapping[str, Any]
    ) -> PaymentOutcome | None:
        """Normalize a verified event; None for event types Tinko does not act on."""
        ...

    def normalize_status(self, status: str) -> str:
        """The gateway's payment status as a PaymentStatus value."""
        ...
