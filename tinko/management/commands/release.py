from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run on every deploy, before web, worker and beat start: migrate, then write the periodic tasks."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        call_command("setup_periodic_tasks", verbosity=options["verbosity"])
