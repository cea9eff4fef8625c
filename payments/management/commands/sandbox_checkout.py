import secrets
from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from payments.enums import GatewayProvider
from payments.interface import CheckoutRequest, CustomerDetails, PaymentReferences
from payments.selectors import gateway_account_for_org
from payments.services import gateway_checkout_create
from tinko.money import Money, UnknownCurrency


class Command(BaseCommand):
    help = (
        "Open a sandbox checkout for an organization (its sandbox gateway must be connected) and print "
        "its URL alone on the last line: pay it or fail it there, and the webhook reaches Tinko."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--amount", required=True, help="In major units, e.g. 499.00")
        parser.add_argument("--currency", default="", help="ISO 4217 code; default: the organization's currency.")
        parser.add_argument("--ref", default="", help="Your transaction reference (travels in the metadata).")
        parser.add_argument("--email", default="", help="The payer's email.")
        parser.add_argument("--description", default="Sandbox test payment")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug {options['org']!r}.") from exc
        account = gateway_account_for_org(organization=organization, provider=GatewayProvider.SANDBOX)
        if account is None:
            raise CommandError(
                f"Connect it first: manage.py connect_gateway --org {organization.slug} --provider sandbox"
            )
        try:
            amount = Money.from_decimal(
                Decimal(options["amount"]), options["currency"] or organization.default_currency
            )
        except (InvalidOperation, ValueError, UnknownCurrency) as exc:
            raise CommandError(f"Bad amount or currency: {exc}") from exc
        if amount.amount <= 0:
            raise CommandError("The amount must be positive.")
        session = gateway_checkout_create(
            account=account,
            request=CheckoutRequest(
                amount=amount,
                description=options["description"],
                idempotency_key=f"cli-{secrets.token_hex(8)}",
                references=PaymentReferences(transaction_ref=options["ref"] or None),
                customer=CustomerDetails(email=options["email"] or None),
            ),
        )
        self.stdout.write(f"Sandbox checkout {session.checkout_id} for {amount}:")
        self.stdout.write(session.url)
