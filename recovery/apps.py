from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Recovery"

    def ready(self) -> None:
        # Sent by name (tinko.enqueue, ORGANIZATION_PURGED_TASKS): registered in every process.
        from recovery import tasks  # noqa: F401
