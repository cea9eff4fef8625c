from django.urls import path

from portal import views

app_name = "portal"

# Mounted at /pay/ (tinko.urls), beside messaging's /pay/retry/<token>/ that leads here. The link id in
# these paths is no credential: the session is (portal.session).
urlpatterns = [
    path("link/<str:link_id>/", views.pay, name="pay"),
    path("link/<str:link_id>/checkout/", views.checkout, name="checkout"),
    path("link/<str:link_id>/checkout/<str:checkout_id>/back/", views.back, name="back"),
    path("link/<str:link_id>/checkout/<str:checkout_id>/return/", views.checkout_return, name="return"),
    path("link/<str:link_id>/receipt/", views.receipt, name="receipt"),
    path("link/<str:link_id>/new-link/", views.new_link, name="new_link"),
]
