from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        # Sent by name (tinko.enqueue): registered in every process.
        from imports import tasks  # noqa: F401
