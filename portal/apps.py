from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Payer portal"

    def ready(self) -> None:
        # Tasks are sent by registered name (tinko.enqueue): register them in every process.
        from portal import tasks  # noqa: F401
