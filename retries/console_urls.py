"""The console's transaction and message pages, included by accounts/urls.py into the `console`
namespace (hence no app_name of their own)."""

from django.urls import path

from retries.views import messages, timeline, transactions

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
]
