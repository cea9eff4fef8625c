"""The retries API: recovery controls and merchant links (included before recovery's API, see tinko/urls.py)."""

from django.urls import path

from retries.api import (
    RecoveryLinkCreateApi,
    TransactionCancelApi,
    TransactionPauseApi,
    TransactionRestartApi,
    TransactionResumeApi,
)

urlpatterns = [
    path("transactions/<path:transaction_ref>/pause", TransactionPauseApi.as_view(), name="api-transaction-pause"),
    path("transactions/<path:transaction_ref>/resume", TransactionResumeApi.as_view(), name="api-transaction-resume"),
    path("transactions/<path:transaction_ref>/cancel", TransactionCancelApi.as_view(), name="api-transaction-cancel"),
    path(
        "transactions/<path:transaction_ref>/restart", TransactionRestartApi.as_view(), name="api-transaction-restart"
    ),
    path("recoveries/by_ref/<path:transaction_ref>/link", RecoveryLinkCreateApi.as_view(), name="api-recovery-link"),
]
