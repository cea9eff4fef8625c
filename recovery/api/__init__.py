"""The recovery REST API: ingest, classify, transactions."""

from recovery.api.classify import ClassifyApi
from recovery.api.events import EventBatchApi, EventPaymentFailedApi, EventPaymentSucceededApi
from recovery.api.transactions import TransactionListApi, TransactionRetrieveApi

__all__ = [
    "ClassifyApi",
    "EventBatchApi",
    "EventPaymentFailedApi",
    "EventPaymentSucceededApi",
    "TransactionListApi",
    "TransactionRetrieveApi",
]
