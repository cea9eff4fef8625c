from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed only by bench.settings: the baseline the ingest benchmark compares against."""

    name = "bench"
    label = "bench"
    default_auto_field = "django.db.models.BigAutoField"
