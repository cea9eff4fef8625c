from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.enums import ApiKeyMode
from accounts.exceptions import ApiKeyLimitError
from accounts.models import Organization
from accounts.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organization and print it (alone, on the last line). It is shown only once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--name", default="CLI key", help="A name to recognise the key by.")
        parser.add_argument("--mode", choices=ApiKeyMode.values, default=ApiKeyMode.TEST)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug {options['org']!r}.") from exc
        try:
            issued = api_key_create(organization=organization, name=options["name"], mode=options["mode"])
        except ApiKeyLimitError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Created {issued.api_key.mode} key {issued.api_key.public_id} for {organization.slug}.")
        self.stdout.write(issued.plaintext)
