"""Errors raised by payments; callers outside the app catch these, never an SDK's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from payments.interface import FailureDetails


class PaymentsError(Exception):
    """Base class of every error payments raises on purpose."""


class UnknownProvider(PaymentsError, LookupError):
    """No gateway adapter is registered under this provider slug."""


class GatewayError(PaymentsError):
    """A call to a gateway did not succeed. `transient` says whether trying again later can help."""

    transient: bool = False

    def __init__(self, message: str, *, provider: str, code: str = "", http_status: int | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.code = code
        self.http_status = http_status


class GatewayTransientError(GatewayError):
    """Network trouble, rate limiting or a gateway-side 5xx: retry later with the same idempotency key."""

    transient = True


class GatewayTerminalError(GatewayError):
    """The gateway refused the request as sent (bad key, bad parameters): retrying the same call won't help."""

    transient = False


class PaymentDeclined(GatewayTerminalError):
    """The gateway declined the charge itself (card or bank said no); `failure` says why."""

    def __init__(self, message: str, *, provider: str, failure: FailureDetails, payment_id: str | None) -> None:
        super().__init__(message, provider=provider, code=failure.code or "", http_status=402)
        self.failure = failure
        self.payment_id = payment_id


class AmountNotRepresentable(PaymentsError, ValueError):
    """The gateway cannot take this amount in this currency (e.g. KWD fils not ending in 0)."""


class GatewayCredentialsInvalid(PaymentsError, ValueError):
    """Keys given when connecting a gateway are malformed or were refused by the gateway."""


class WebhookVerificationError(PaymentsError):
    """A webhook delivery failed verification; `reason` is a short fixed code for logs and counters."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class TransientOutcomeError(PaymentsError):
    """Raised by the outcome handler (PAYMENTS_OUTCOME_HANDLER) when it could not record an outcome
    for a reason that may pass (a lock, a deadlock, a busy database); the event is processed again later."""
