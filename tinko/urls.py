from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.views import public as accounts_public
from tinko import views

handler403 = "tinko.views.permission_denied"
handler404 = "tinko.views.page_not_found"
handler500 = "tinko.views.server_error"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path(settings.ADMIN_URL_PATH, admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("app/", include("accounts.urls")),
    path("invitations/<str:token>/", accounts_public.invitation, name="invitation"),
    path("brand/<str:org_id>/logo/<str:version>.png", accounts_public.brand_logo, name="brand-logo"),
    path("pay/", include("messaging.urls")),
    path("pay/", include("portal.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include("accounts.api_urls")),
    # The controls' `transactions/<ref>/pause` … before `transactions/<ref>`, which would take them for references.
    path("v1/", include("retries.api_urls")),
    path("v1/", include("recovery.api_urls")),
    path("v1/", include("analytics.api_urls")),
    path("", include("payments.urls")),
    # Anything else under the API prefixes answers in the API's error envelope, DEBUG or not.
    re_path(r"^(?:v1|api)/", views.api_not_found),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
