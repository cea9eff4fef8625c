"""Recompute an organization's analytics rollups from its transactions, for a range of days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from analytics.management.progress import ProgressBar
from analytics.rollups import rollups_rebuild_span

# Days recomputed per step (and per database transaction).
STEP_DAYS = 7


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Recompute an organization's rollups for days [--from, --to) in its time zone, from its transactions "
        "(both modes unless --mode is given). Safe while the periodic refresh runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Day after the last, YYYY-MM-DD (exclusive).")
        parser.add_argument("--mode", choices=["test", "live"], help="Only this mode's data.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        start, end = _date(options["start"]), _date(options["end"])
        if start >= end:
            raise CommandError("--from must be before --to (--to is exclusive).")
        modes = [options["mode"] == "live"] if options["mode"] else [False, True]
        bar = ProgressBar(total=(end - start).days * len(modes), label="rollups", stream=self.stderr)
        rows = 0
        for livemode in modes:
            day = start
            while day < end:
                step_end = min(day + timedelta(days=STEP_DAYS), end)
                rows += rollups_rebuild_span(organization=organization, livemode=livemode, start=day, end=step_end)
                bar.advance((step_end - day).days)
                day = step_end
        seconds = bar.finish()
        self.stdout.write(f"Rebuilt {rows:,} rollup rows of {organization.slug} in {seconds:.1f} s.")
