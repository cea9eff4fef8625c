from django.urls import path

from recovery.api import (
    ClassifyApi,
    EventBatchApi,
    EventPaymentFailedApi,
    EventPaymentSucceededApi,
    TransactionListApi,
    TransactionRetrieveApi,
)

urlpatterns = [
    path("events/payment_failed", EventPaymentFailedApi.as_view(), name="api-events-payment-failed"),
    path("events/batch", EventBatchApi.as_view(), name="api-events-batch"),
    path("events/payment_succeeded", EventPaymentSucceededApi.as_view(), name="api-events-payment-succeeded"),
    path("classify", ClassifyApi.as_view(), name="api-classify"),
    path("transactions", TransactionListApi.as_view(), name="api-transactions"),
    path("transactions/<path:transaction_ref>", TransactionRetrieveApi.as_view(), name="api-transaction"),
]
