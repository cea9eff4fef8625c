"""Writes of the payer portal. Import from here: `from portal.services import payer_checkout_open`."""

from portal.services.checkouts import (
    BackFromGateway,
    payer_checkout_back,
    payer_checkout_confirm_from_gateway,
    payer_checkout_open,
    payer_checkout_returned,
)
from portal.services.links import payer_new_link_send
from portal.services.receipts import payer_receipt_send
from portal.services.settle import (
    RECEIPT_TASK,
    Settled,
    payer_checkouts_settle,
    payer_checkouts_settle_many,
    payer_checkouts_to_settle,
)

__all__ = [
    "RECEIPT_TASK",
    "BackFromGateway",
    "Settled",
    "payer_checkout_back",
    "payer_checkout_confirm_from_gateway",
    "payer_checkout_open",
    "payer_checkout_returned",
    "payer_checkouts_settle",
    "payer_checkouts_settle_many",
    "payer_checkouts_to_settle",
    "payer_new_link_send",
    "payer_receipt_send",
]
