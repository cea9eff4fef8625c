from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("webhooks/<slug:provider>/<str:endpoint_id>/", views.webhook, name="webhook"),
    path("sandbox/checkout/<str:checkout_id>/", views.sandbox_checkout, name="sandbox_checkout"),
]
