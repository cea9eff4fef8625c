"""Recovery's side of gateway webhooks: what a verified, normalized PaymentOutcome changes here.

`payments` calls `payment_outcome_handle` (settings.PAYMENTS_OUTCOME_HANDLER) inside the
transaction that marks the inbox row done, so everything here is idempotent: one payment can
arrive as several events, twice, and in any order.
"""

from __future__ import annotations

import logging

from django.db import OperationalError

from payments.enums import OutcomeType
from payments.exceptions import TransientOutcomeError
from payments.interface import PaymentOutcome
from payments.models import GatewayAccount
from recovery.enums import EventSource, PaymentMethodType
from recovery.limits import GATEWAY_ID_MAX_LENGTH
from recovery.services import (
    Customer,
    FailureInput,
    PaymentReceived,
    RefundReceived,
    transaction_mark_recovered,
    transaction_record_failure,
    transaction_record_refund,
)

logger = logging.getLogger(__name__)


def retry_failure_key(attempt_id: str) -> str:
    """The idempotency key of the decline of a re-charge Tinko made for attempt `attempt_id`."""
    return f"retry:{attempt_id}"


def _transaction_ref(outcome: PaymentOutcome) -> str | None:
    # Payments Tinko started carry the merchant's reference; failures that arrive only from the
    # gateway are known by the gateway's payment id, which its later success shares.
    return outcome.references.transaction_ref or outcome.gateway_payment_id


def _fitted_id(value: str | None) -> str:
    # Gateways' ids are short; one that would not fit is of no use for a re-charge, so it is dropped.
    return value if value and len(value) <= GATEWAY_ID_MAX_LENGTH else ""


def _event_key(outcome: PaymentOutcome) -> tuple[str, EventSource]:
    """The failure's idempotency key and source. A decline of Tinko's own re-charge (it carries the
    attempt's id) is keyed as the retry engine records it, so that whichever of the webhook and the
    worker comes first records it and the other finds it there: one decline, one event."""
    attempt_id = outcome.references.attempt_id
    if attempt_id:
        return retry_failure_key(attempt_id), EventSource.RETRY
    # Stripe reports one declined attempt twice (payment_intent.payment_failed and
    # charge.failed): the charge, or else the payment, names the attempt once.
    attempt = outcome.gateway_charge_id or outcome.gateway_payment_id or outcome.event_id
    return f"{outcome.provider}:{attempt}", EventSource.WEBHOOK


def _failure_input(outcome: PaymentOutcome, transaction_ref: str) -> FailureInput | None:
    if outcome.amount is None or not outcome.currency:
        return None
    failure = outcome.failure
    method = outcome.payment_method_type or ""
    key, source = _event_key(outcome)
    return FailureInput(
        transaction_ref=transaction_ref,
        amount=outcome.amount,
        currency=outcome.currency,
        occurred_at=outcome.occurred_at,
        gateway=outcome.provider,
        # The issuer's reason (Stripe decline_code, Razorpay error_reason) says more than the
        # generic error code, so it is what the classifier reads first.
        failure_code=(failure and (failure.decline_code or failure.code)) or "",
        failure_message=(failure and failure.message) or "",
        network_decline_code=(failure and failure.network_decline_code) or "",
        network_advice_code=(failure and failure.network_advice_code) or "",
        advice_code=(failure and failure.advice_code) or "",
        payment_method_type=method if method in PaymentMethodType.values else PaymentMethodType.OTHER,
        customer=Customer(
            email=outcome.customer.email or "",
            phone=outcome.customer.phone or "",
            name=outcome.customer.name or "",
        ),
        metadata={key: str(value) for key, value in outcome.metadata.items()},
        gateway_customer_id=_fitted_id(outcome.gateway_customer_id),
        gateway_payment_method_id=_fitted_id(outcome.gateway_payment_method_id),
        raw_payload=outcome.raw,
        idempotency_key=key,
        source=source,
    )


def payment_outcome_handle(*, outcome: PaymentOutcome, account: GatewayAccount) -> None:
    """Record a gateway failure as a classified failed transaction; mark a success as recovered."""
    organization = account.organization
    transaction_ref = _transaction_ref(outcome)
    log = {
        "org_id": organization.public_id,
        "livemode": account.livemode,
        "provider": outcome.provider,
        "event_id": outcome.event_id,
    }
    if transaction_ref is None:
        logger.info("gateway_outcome_without_reference", extra=log)
        return
    try:
        if outcome.type == OutcomeType.PAYMENT_FAILED:
            failure = _failure_input(outcome, transaction_ref)
            if failure is None:
                logger.warning("gateway_failure_without_amount", extra=log)
                return
            recorded = transaction_record_failure(organization=organization, livemode=account.livemode, failure=failure)
            logger.info(
                "gateway_failure_recorded",
                extra={**log, "transaction_id": recorded.transaction.public_id, "effect": recorded.transaction_effect},
            )
        elif outcome.type == OutcomeType.PAYMENT_SUCCEEDED and outcome.amount and outcome.currency:
            payment = PaymentReceived(
                transaction_ref=transaction_ref,
                amount=outcome.amount,
                currency=outcome.currency,
                paid_at=outcome.occurred_at,
                gateway=outcome.provider,
                gateway_payment_id=outcome.gateway_payment_id or "",
            )
            transaction_mark_recovered(organization=organization, livemode=account.livemode, payment=payment)
        elif outcome.type == OutcomeType.REFUNDED:
            refund = RefundReceived(
                transaction_ref=transaction_ref,
                refunded_at=outcome.occurred_at,
                amount=outcome.amount,
                total_refunded=outcome.amount_refunded,
            )
            transaction_record_refund(organization=organization, livemode=account.livemode, refund=refund)
        else:
            logger.info("gateway_outcome_not_used", extra={**log, "type": outcome.type})
    except OperationalError as exc:  # a lock or a busy database: the inbox retries the event
        raise TransientOutcomeError(str(exc)) from exc
