"""Tinko's URLs plus the benchmark's baseline view; used only by bench.settings, never in production."""

from django.urls import path

from bench.views import baseline_insert, baseline_page
from tinko.urls import handler404, handler500
from tinko.urls import urlpatterns as tinko_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]

urlpatterns = [
    path("bench/baseline", baseline_insert, name="bench-baseline"),
    path("bench/baseline-page", baseline_page, name="bench-baseline-page"),
    *tinko_urlpatterns,
]
