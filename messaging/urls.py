from django.urls import path

from messaging import views

app_name = "messaging"

# Mounted at /pay/ (tinko.urls). The tokens in these paths are redacted from logs (accounts.log_filters).
urlpatterns = [
    path("retry/<str:token>/", views.recovery_link, name="recovery_link"),
    path("stop/<str:token>/", views.reminders_stop_page, name="reminders_stop"),
]
