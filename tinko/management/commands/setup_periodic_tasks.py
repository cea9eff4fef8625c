from typing import Any

from django.core.management.base import BaseCommand

from tinko.periodic import periodic_tasks_sync


class Command(BaseCommand):
    help = "Write Tinko's periodic tasks (defined in tinko/schedules.py) to django-celery-beat. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        result = periodic_tasks_sync()
        self.stdout.write(
            f"Periodic tasks: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.removed} removed."
        )
