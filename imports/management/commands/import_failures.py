from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.enums import ApiKeyMode
from accounts.models import Organization
from accounts.services import Actor
from imports.enums import AmountUnit, ImportFormat
from imports.exceptions import ImportRefused
from imports.models import Import
from imports.services import MappingChoice, import_run, import_start, import_upload, mapping_suggested


class Command(BaseCommand):
    help = (
        "Import a CSV file of failed payments for an organization (Tinko's format, or a Stripe or Razorpay "
        "payments export), with the columns its format suggests. Runs here, in this process, unless --enqueue "
        "hands it to the workers. Importing the same rows again records nothing twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file.")
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--mode", choices=ApiKeyMode.values, default=ApiKeyMode.TEST, help="Test or live data.")
        parser.add_argument("--format", choices=ImportFormat.values, help="Default: told from the columns.")
        parser.add_argument("--amount-unit", choices=AmountUnit.values, help="Default: the format's.")
        parser.add_argument("--time-zone", help="Of times without an offset. Default: the format's (or the org's).")
        parser.add_argument("--currency", default="", help="For rows without a currency column.")
        parser.add_argument("--enqueue", action="store_true", help="Queue it for the Celery workers and return.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug {options['org']!r}.") from exc
        path: Path = options["path"]
        actor = Actor(label="import_failures command")
        try:
            with path.open("rb") as source:
                upload = import_upload(
                    organization=organization,
                    livemode=options["mode"] == ApiKeyMode.LIVE,
                    actor=actor,
                    file_name=path.name,
                    source=source,
                    import_format=ImportFormat(options["format"]) if options["format"] else None,
                )
            suggested = mapping_suggested(upload)
            choice = MappingChoice(
                columns=suggested.columns,
                amount_unit=AmountUnit(options["amount_unit"] or suggested.amount_unit),
                time_zone=options["time_zone"] or suggested.time_zone,
                default_currency=options["currency"].upper(),
            )
            upload = import_start(upload=upload, choice=choice, actor=actor)
        except (OSError, ImportRefused) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stderr.write(f"{upload.public_id}: {upload.get_format_display()}, columns {choice.columns}")
        if options["enqueue"]:
            self.stderr.write("Queued for the workers; follow it in the console (Imports).")
            return
        shown = [-1]

        def progress(running: Import) -> None:
            if running.percent_done // 10 > shown[0]:
                shown[0] = running.percent_done // 10
                self.stderr.write(f"{running.percent_done}% of the file read ({running.rows_read} rows)")

        import_run(import_id=upload.pk, max_seconds=float("inf"), on_batch=progress)
        upload = Import.objects.get(pk=upload.pk)
        self.stdout.write(
            f"{upload.status}: {upload.rows_read} rows read, {upload.rows_created} recorded, "
            f"{upload.rows_unchanged} already there, {upload.rows_skipped} skipped, {upload.rows_failed} refused"
        )
