"""The demo organization that `make run` loads, so Tinko can be tried offline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.enums import Role
from accounts.models import Membership, Organization, User
from accounts.services import organization_create
from recovery.enums import EventSource
from recovery.services import Customer, FailureInput, transaction_record_failures

DEMO_ORG_SLUG = "demo"
DEMO_ORG_NAME = "Demo Store"
DEMO_EMAIL = "demo@tinko.test"
DEMO_PASSWORD = "tinko-demo"
DEMO_ADMIN_EMAIL = "admin@tinko.test"
DEMO_ADMIN_PASSWORD = "tinko-admin"


# A realistic spread of failed payments: gateways, methods, categories, currencies (INR, USD,
# EUR and zero-decimal JPY). (ref, hours ago, amount, currency, gateway, method, code, network
# decline code, network advice code, message, customer name)
DEMO_FAILURES: list[tuple[str, int, int, str, str, str, str, str, str, str, str]] = [
    ("DS-1001", 2, 249900, "INR", "razorpay", "upi", "payment_collect_request_expired", "", "", "", "Asha Rao"),
    ("DS-1002", 5, 129900, "INR", "razorpay", "card", "insufficient_funds", "", "", "", "Vikram Shah"),
    ("DS-1003", 9, 49900, "INR", "razorpay", "upi", "payment_pending", "", "", "", "Meera Iyer"),
    (
        "DS-1004",
        14,
        1999,
        "USD",
        "stripe",
        "card",
        "insufficient_funds",
        "51",
        "",
        "Your card has insufficient funds.",
        "Jordan Lee",
    ),
    ("DS-1005", 20, 4900, "EUR", "stripe", "card", "expired_card", "54", "", "Your card has expired.", "Lena Vogel"),
    ("DS-1006", 26, 8900, "USD", "stripe", "card", "lost_card", "41", "", "Your card was declined.", "Sam Park"),
    (
        "DS-1007",
        31,
        5400,
        "JPY",
        "stripe",
        "card",
        "generic_decline",
        "05",
        "",
        "Your card was declined.",
        "Yuki Tanaka",
    ),
    ("DS-1008", 40, 79900, "INR", "razorpay", "netbanking", "bank_technical_error", "", "", "", "Rahul Verma"),
    ("DS-1009", 47, 2500, "INR", "other", "upi", "U30", "Z9", "", "", "Priya Nair"),
    ("DS-1010", 55, 12000, "JPY", "other", "card", "", "51", "25", "", "Haruto Sato"),
    ("DS-1011", 63, 15900, "USD", "stripe", "card", "fraudulent", "", "", "Your card was declined.", "Alex Kim"),
    ("DS-1012", 70, 39900, "INR", "razorpay", "card", "authentication_failed", "", "", "", "Kavya Menon"),
    (
        "DS-1013",
        78,
        2999,
        "USD",
        "stripe",
        "card",
        "processing_error",
        "96",
        "",
        "An error occurred while processing your card. Try again in a little bit.",
        "Chris Diaz",
    ),
    ("DS-1014", 90, 19900, "INR", "razorpay", "wallet", "payment_failed", "", "", "", "Neha Gupta"),
    ("DS-1015", 101, 6500, "EUR", "other", "card", "", "", "03", "Do not try again", "Marta Rossi"),
    ("DS-1016", 120, 99900, "INR", "razorpay", "upi", "invalid_vpa", "", "", "", "Arjun Das"),
    ("DS-1002", 3, 129900, "INR", "razorpay", "upi", "payment_collect_request_expired", "", "", "", "Vikram Shah"),
]


def _demo_failures() -> list[FailureInput]:
    now = timezone.now()
    failures = []
    for number, row in enumerate(DEMO_FAILURES):
        ref, hours_ago, amount, currency, gateway, method, code, decline, advice, message, name = row
        email = f"{name.split()[0].lower()}@example.com"
        failures.append(
            FailureInput(
                transaction_ref=ref,
                amount=amount,
                currency=currency,
                occurred_at=now - timedelta(hours=hours_ago),
                gateway=gateway,
                failure_code=code,
                failure_message=message,
                network_decline_code=decline,
                network_advice_code=advice,
                payment_method_type=method,
                customer=Customer(email=email, name=name, phone="+919876543210" if currency == "INR" else ""),
                metadata={"source": "demo"},
                raw_payload={"demo": True, "transaction_ref": ref},
                # Fixed keys: loading the demo again records nothing twice.
                idempotency_key=f"demo-{number}",
                source=EventSource.DEMO,
            )
        )
    return failures


@dataclass(frozen=True)
class Demo:
    organization: Organization
    user: User
    admin: User


def _user(email: str, password: str, **extra: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email=email, password=password, **extra)
    user.set_password(password)
    for name, value in extra.items():
        setattr(user, name, value)
    user.save()
    return user


@transaction.atomic
def demo_load() -> Demo:
    """Create (or bring back to its known state) the demo organization, its owner, a platform admin,
    and its failed payments (recorded through the ingest service, once)."""
    user = _user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Dana Demo")
    admin = _user(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, full_name="Ada Admin", is_staff=True, is_superuser=True)
    organization = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
    if organization is None:
        organization = organization_create(
            name=DEMO_ORG_NAME, slug=DEMO_ORG_SLUG, owner=user, time_zone="Asia/Kolkata", default_currency="INR"
        )
    Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": Role.OWNER})
    transaction_record_failures(organization=organization, failures=_demo_failures())
    return Demo(organization=organization, user=user, admin=admin)
