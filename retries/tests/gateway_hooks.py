"""The sandbox gateway as the integration tests' worker sees it: every re-charge and every lookup
is written down in TINKO_TEST_DIR, and while the file `hold` exists a re-charge, once the gateway
has made it, never returns (the worker hangs there until the test kills it)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from payments.exceptions import PaymentsError
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.interface import ChargeResult, GatewayCredentials, SavedMethodCharge

HOLD_SECONDS = 120


def hooks_dir() -> Path:
    return Path(os.environ["TINKO_TEST_DIR"])


def calls(directory: Path, name: str) -> list[str]:
    """The keys of the calls recorded in `directory` as `name` (charges, lookups), in order."""
    path = directory / name
    return path.read_text().split() if path.exists() else []


def _record(name: str, key: str) -> None:
    with (hooks_dir() / name).open("a") as log:
        log.write(key + "\n")


class CountingSandboxAdapter(SandboxAdapter):
    def charge_saved_methods(
        self, *, credentials: GatewayCredentials, requests: Sequence[SavedMethodCharge]
    ) -> list[ChargeResult | PaymentsError]:
        outcomes = super().charge_saved_methods(credentials=credentials, requests=requests)
        for request in requests:
            _record("charges", request.idempotency_key)
        if (hooks_dir() / "hold").exists():
            (hooks_dir() / "held").write_text(" ".join(getattr(outcome, "payment_id", "") for outcome in outcomes))
            time.sleep(HOLD_SECONDS)
        return outcomes

    def find_saved_method_charge(
        self, *, credentials: GatewayCredentials, request: SavedMethodCharge
    ) -> ChargeResult | None:
        _record("lookups", request.idempotency_key)
        return super().find_saved_method_charge(credentials=credentials, request=request)
