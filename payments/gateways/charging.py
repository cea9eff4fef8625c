"""Re-charging a batch of saved methods at a gateway that takes one charge per API call."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from payments.exceptions import PaymentsError
from payments.interface import ChargeResult, SavedMethodCharge


def charges_one_by_one(
    charge: Callable[[SavedMethodCharge], ChargeResult], requests: Sequence[SavedMethodCharge]
) -> list[ChargeResult | PaymentsError]:
    """Each request charged in turn, in order: its result, or the error that refused it
    (the others still go)."""
    results: list[ChargeResult | PaymentsError] = []
    for request in requests:
        try:
            results.append(charge(request))
        except PaymentsError as exc:
            results.append(exc)
    return results
