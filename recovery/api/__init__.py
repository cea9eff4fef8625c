"""The recovery REST API: ingest, classify, transactions."""

from recovery.api.classify import ClassifyApi
from recovery.api.events import EventBatchApi, EventPaymentFailedApi
from recovery.api.transactions import TransactionListApi, TransactionRetrieveApi

__all__ = ["ClassifyApi", "EventBatchApi", "EventPaymentFailedApi", "TransactionListApi", "TransactionRetrieveApi"]
