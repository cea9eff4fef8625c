"""Which adapter serves a provider, and who receives outcomes: both named in settings by dotted path."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from payments.exceptions import UnknownProvider
from payments.interface import GatewayAdapter, PaymentOutcome

if TYPE_CHECKING:
    from payments.models import GatewayAccount

OutcomeHandler = Callable[..., None]


@cache
def gateway_adapter(provider: str) -> GatewayAdapter:
    """The adapter registered for `provider` in PAYMENTS_GATEWAYS (like Django's load_backend)."""
    path = settings.PAYMENTS_GATEWAYS.get(provider)
    if path is None:
        raise UnknownProvider(f"No gateway adapter is registered for {provider!r}.")
    adapter_class = import_string(path)
    return cast(GatewayAdapter, adapter_class())


@cache
def _outcome_handler() -> OutcomeHandler:
    return cast(OutcomeHandler, import_string(settings.PAYMENTS_OUTCOME_HANDLER))


def outcome_deliver(*, outcome: PaymentOutcome, account: GatewayAccount) -> None:
    """Hand a normalized outcome to PAYMENTS_OUTCOME_HANDLER (imported on first use, not at start-up)."""
    handler: Any = _outcome_handler()
    handler(outcome=outcome, account=account)


@receiver(setting_changed)
def _forget_loaded(*, setting: str, **_: object) -> None:
    if setting == "PAYMENTS_GATEWAYS":
        gateway_adapter.cache_clear()
    if setting == "PAYMENTS_OUTCOME_HANDLER":
        _outcome_handler.cache_clear()
