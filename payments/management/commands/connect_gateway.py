from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from payments.enums import GatewayMode, GatewayProvider
from payments.exceptions import GatewayCredentialsInvalid, GatewayError, UnknownProvider
from payments.gateways.razorpay import consts as razorpay_consts
from payments.gateways.stripe import consts as stripe_consts
from payments.services import gateway_account_connect


class Command(BaseCommand):
    help = (
        "Connect an organization's Stripe, Razorpay or sandbox account (keys are validated with a harmless "
        "read call, then stored encrypted). Run again to change keys; the webhook URL stays the same. "
        "Prints the webhook URL alone on the last line."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--provider", required=True, choices=GatewayProvider.values)
        parser.add_argument("--secret-key", default="", help="Stripe secret key (sk_…) or Razorpay key secret.")
        parser.add_argument("--key-id", default="", help="Razorpay key id (rzp_test_… / rzp_live_…).")
        parser.add_argument("--webhook-secret", default="", help="Stripe whsec_… or your Razorpay webhook secret.")
        parser.add_argument(
            "--mode", choices=GatewayMode.values, default=None, help="Which account to update when keys are not given."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug {options['org']!r}.") from exc
        provider = options["provider"]
        try:
            connected = gateway_account_connect(
                organization=organization,
                provider=provider,
                secret_key=options["secret_key"],
                key_id=options["key_id"],
                webhook_secret=options["webhook_secret"],
                mode=options["mode"],
            )
        except (GatewayCredentialsInvalid, UnknownProvider) as exc:
            raise CommandError(str(exc)) from exc
        except GatewayError as exc:
            raise CommandError(f"Could not reach {provider} to check the keys ({exc}); try again.") from exc
        account = connected.account
        verb = "Connected" if connected.created else "Updated"
        self.stdout.write(
            f"{verb} {account.get_provider_display()} ({account.mode}) for {organization.slug}: {account.public_id}"
        )
        if account.secret_key_hint:
            self.stdout.write(
                f"  secret key {account.secret_key_hint}; webhook secret {account.webhook_secret_hint or 'not set'}"
            )
        if provider == GatewayProvider.STRIPE:
            self.stdout.write("  In Stripe, add this URL as a webhook endpoint for these events:")
            self.stdout.write(f"  {', '.join(stripe_consts.HANDLED_EVENTS)}")
            if not account.webhook_secret_hint:
                self.stdout.write("  then run this again with --webhook-secret whsec_… (its signing secret).")
        elif provider == GatewayProvider.RAZORPAY:
            self.stdout.write("  In Razorpay, add this URL as a webhook for these events:")
            self.stdout.write(f"  {', '.join(razorpay_consts.HANDLED_EVENTS)}")
            if connected.generated_webhook_secret:
                self.stdout.write(f"  with this webhook secret (shown once): {connected.generated_webhook_secret}")
        self.stdout.write(connected.webhook_url)
