"""The console's transaction, message and retry-policy pages, included by accounts/urls.py into the
`console` namespace (hence no app_name of their own)."""

from django.urls import path

from retries.views import messages, policies, timeline, transactions

urlpatterns = [
    path("transactions/", transactions.transactions, name="transactions"),
    path("transactions/export.csv", transactions.transactions_export, name="transactions_export"),
    path("transactions/<str:transaction_id>/", timeline.transaction_detail, name="transaction"),
    path("transactions/<str:transaction_id>/send-link/", timeline.transaction_send_link, name="transaction_send_link"),
    path("transactions/<str:transaction_id>/pause/", timeline.transaction_pause, name="transaction_pause"),
    path("transactions/<str:transaction_id>/resume/", timeline.transaction_resume, name="transaction_resume"),
    path("transactions/<str:transaction_id>/cancel/", timeline.transaction_cancel, name="transaction_cancel"),
    path("transactions/<str:transaction_id>/restart/", timeline.transaction_restart, name="transaction_restart"),
    path(
        "transactions/<str:transaction_id>/mark-recovered/",
        timeline.transaction_mark_recovered,
        name="transaction_mark_recovered",
    ),
    path("messages/", messages.message_list, name="messages"),
    path("messages/<str:notification_id>/", messages.message_detail, name="message"),
    path("retry-policies/", policies.retry_policies, name="retry_policies"),
    path("retry-policies/new/", policies.retry_policy_new, name="retry_policy_new"),
    path("retry-policies/new/preview/", policies.retry_policy_new_preview, name="retry_policy_new_preview"),
    path("retry-policies/<str:policy_id>/", policies.retry_policy_detail, name="retry_policy_detail"),
    path("retry-policies/<str:policy_id>/edit/", policies.retry_policy_edit, name="retry_policy_edit"),
    path("retry-policies/<str:policy_id>/preview/", policies.retry_policy_preview, name="retry_policy_preview"),
    path("retry-policies/<str:policy_id>/default/", policies.retry_policy_default, name="retry_policy_default"),
    path("retry-policies/<str:policy_id>/delete/", policies.retry_policy_remove, name="retry_policy_delete"),
]
