from django.apps import AppConfig


class RetriesConfig(AppConfig):
    name = "retries"
    verbose_name = "Retries"

    def ready(self) -> None:
        # The dispatcher sends its tasks by name (tinko.enqueue): registered in every process.
        from retries import receivers, tasks  # noqa: F401
