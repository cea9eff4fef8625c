"""The console's gateway pages, included in accounts.urls under the `console` namespace."""

from django.urls import path

from payments.views import console

urlpatterns = [
    path("gateways/", console.gateways, name="gateways"),
    path("gateways/connect/", console.gateway_connect, name="gateway_connect"),
    path("gateways/<str:account_id>/disconnect/", console.gateway_disconnect, name="gateway_disconnect"),
    path(
        "gateways/<str:account_id>/deliveries/<str:event_id>/reprocess/",
        console.gateway_delivery_reprocess,
        name="gateway_delivery_reprocess",
    ),
]
