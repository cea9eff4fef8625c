"""The console's import pages, included under /app/imports/ by accounts/urls.py (the `console` namespace)."""

from django.urls import path

from imports import views

urlpatterns = [
    path("", views.imports, name="imports"),
    path("upload/", views.import_upload_view, name="import_upload"),
    path("<str:import_id>/", views.import_detail, name="import"),
    path("<str:import_id>/preview/", views.import_preview_view, name="import_preview"),
    path("<str:import_id>/start/", views.import_start_view, name="import_start"),
    path("<str:import_id>/progress/", views.import_progress, name="import_progress"),
    path("<str:import_id>/errors.csv", views.import_errors_csv, name="import_errors"),
    path("<str:import_id>/cancel/", views.import_cancel_view, name="import_cancel"),
]
