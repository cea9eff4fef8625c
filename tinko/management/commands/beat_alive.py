from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask


class Command(BaseCommand):
    help = "Exit non-zero unless beat has sent a periodic task recently (a container health check)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--max-age", type=int, default=120, help="Seconds since beat last sent a task.")

    def handle(self, *args: Any, **options: Any) -> None:
        last_run = (
            PeriodicTask.objects.filter(enabled=True, last_run_at__isnull=False)
            .order_by("-last_run_at")
            .values_list("last_run_at", flat=True)
            .first()
        )
        if last_run is None:
            raise CommandError("beat has not sent any periodic task yet")
        age = timezone.now() - last_run
        if age > timedelta(seconds=options["max_age"]):
            raise CommandError(f"beat last sent a task {int(age.total_seconds())}s ago")
        self.stdout.write(f"beat sent a task {int(age.total_seconds())}s ago")
