from typing import Any

from django.core.management.base import BaseCommand

from tinko.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_ADMIN_PASSWORD,
    DEMO_EMAIL,
    DEMO_EU_ORG_SLUG,
    DEMO_PASSWORD,
    DEMO_TEAM,
    demo_load,
)


class Command(BaseCommand):
    help = "Load the demo organization (slug 'demo') and its users. Idempotent: running it again resets them."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = demo_load()
        self.stdout.write(f"Demo organization '{demo.organization.slug}' ({demo.organization.name}) is ready.")
        self.stdout.write(f"  Merchant console: {DEMO_EMAIL} / {DEMO_PASSWORD}  (owner; admin of '{DEMO_EU_ORG_SLUG}')")
        for email, _, role in DEMO_TEAM:
            self.stdout.write(f"  Teammate ({role}): {email} / {DEMO_PASSWORD}")
        self.stdout.write(f"  Django admin:     {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
        self.stdout.write(f"  Sandbox gateway:  webhooks at {demo.gateway.webhook_url}")
        self.stdout.write(f"  Sandbox checkout: {demo.gateway.checkout_url} (pay it or fail it)")
