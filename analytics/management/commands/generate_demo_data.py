"""Write a year of realistic failed payments for an organization, then rebuild its rollups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Organization
from analytics.demo_data import HISTORY, demo_data_generate
from analytics.management.progress import ProgressBar
from analytics.rollups import organization_zone, rollups_rebuild_span


class Command(BaseCommand):
    help = (
        "Generate --failures failed payments over the past year for the organization --org (test data unless "
        "--mode live): gateways, methods, currencies, decline codes, attempts and outcomes in a realistic mix."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--failures", type=int, required=True, help="How many failed transactions.")
        parser.add_argument("--mode", choices=["test", "live"], default="test")
        parser.add_argument("--seed", type=int, default=13, help="Same seed, same mix.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        if options["failures"] < 1:
            raise CommandError("--failures must be at least 1.")
        livemode = options["mode"] == "live"
        now = timezone.now()
        bar = ProgressBar(total=options["failures"], label="failures", stream=self.stderr)
        written = demo_data_generate(
            organization=organization,
            livemode=livemode,
            failures=options["failures"],
            seed=options["seed"],
            now=now,
            progress=bar.advance,
        )
        seconds = bar.finish()
        self.stdout.write(f"Wrote {written:,} failed transactions for {organization.slug} in {seconds:.1f} s.")
        today = now.astimezone(organization_zone(organization)).date()
        start, end = today - timedelta(days=HISTORY.days + 1), today + timedelta(days=1)
        rollups = ProgressBar(total=(end - start).days, label="rollups ", stream=self.stderr)
        day = start
        while day < end:
            step_end = min(day + timedelta(days=30), end)
            rollups_rebuild_span(organization=organization, livemode=livemode, start=day, end=step_end)
            rollups.advance((step_end - day).days)
            day = step_end
        self.stdout.write(f"Rebuilt its rollups in {rollups.finish():.1f} s.")
