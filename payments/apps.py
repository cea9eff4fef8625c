from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments and gateways"

    def ready(self) -> None:
        # Services send tasks by name (tinko.enqueue); importing the task modules here registers
        # them in every process, web included, not only in workers where Celery autodiscovers.
        from payments import tasks  # noqa: F401
        from payments.gateways.sandbox import tasks as sandbox_tasks  # noqa: F401
