"""The console's retry-policy pages, included in accounts.urls under the `console` namespace."""

from django.urls import path

from retries import views

urlpatterns = [
    path("retry-policies/", views.retry_policies, name="retry_policies"),
    path("retry-policies/new/", views.retry_policy_new, name="retry_policy_new"),
    path("retry-policies/new/preview/", views.retry_policy_new_preview, name="retry_policy_new_preview"),
    path("retry-policies/<str:policy_id>/", views.retry_policy_detail, name="retry_policy_detail"),
    path("retry-policies/<str:policy_id>/edit/", views.retry_policy_edit, name="retry_policy_edit"),
    path("retry-policies/<str:policy_id>/preview/", views.retry_policy_preview, name="retry_policy_preview"),
    path("retry-policies/<str:policy_id>/default/", views.retry_policy_default, name="retry_policy_default"),
    path("retry-policies/<str:policy_id>/delete/", views.retry_policy_remove, name="retry_policy_delete"),
]
