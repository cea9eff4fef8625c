"""The demo organization that `make run` loads, so Tinko can be tried offline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.enums import Role
from accounts.models import ApiKey, Invitation, Membership, Organization, User
from accounts.services import SYSTEM, api_key_create, invitation_create, organization_create
from analytics.demo_data import DEMO_REF_PREFIX, HISTORY, demo_data_generate
from analytics.rollups import organization_zone, rollups_recompute
from payments.demo import DemoGateway, demo_gateway_load
from recovery.enums import EventSource
from recovery.models import Transaction
from recovery.services import Customer, FailureInput, transaction_record_failures
from retries.demo import demo_recoveries_load

DEMO_ORG_SLUG = "demo"
DEMO_ORG_NAME = "Demo Store"
DEMO_EU_ORG_SLUG = "demo-eu"
DEMO_EU_ORG_NAME = "Demo Store Europe"
DEMO_EMAIL = "demo@tinko.test"
DEMO_PASSWORD = "tinko-demo"
DEMO_ADMIN_EMAIL = "admin@tinko.test"
DEMO_ADMIN_PASSWORD = "tinko-admin"
# Teammates of the demo owner, with the demo password: one of each other role.
DEMO_TEAM = (
    ("ravi@tinko.test", "Ravi Rao", Role.ADMIN),
    ("asha@tinko.test", "Asha Iyer", Role.ANALYST),
)
DEMO_INVITEE = "new.hire@tinko.test"
DEMO_KEY_NAME = "Checkout backend"


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
    teammates: tuple[User, ...]
    gateway: DemoGateway


def _user(email: str, password: str, **extra: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, **extra)
    else:
        user.set_password(password)
        for name, value in extra.items():
            setattr(user, name, value)
        user.save()
    # Verified, so the demo people sign in even where verification is mandatory.
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _organization(*, slug: str, name: str, owner: User, time_zone: str, currency: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        organization = organization_create(
            name=name, slug=slug, owner=owner, time_zone=time_zone, default_currency=currency, actor=SYSTEM
        )
    return organization


# A year of history for the dashboard and the analytics API; `generate_demo_data` makes more.
# A few hundred failures of the last 60 days: the dashboard's default 30 days and the 30 before show something real.
DEMO_HISTORY_FAILURES = 400
DEMO_HISTORY_SPAN = timedelta(days=60)


def _demo_history(organization: Organization) -> None:
    """Generated failures of the last 60 days (written once) and the demo's rollups, rebuilt."""
    if (
        not Transaction.objects.for_org(organization, livemode=False)
        .filter(transaction_ref__startswith=DEMO_REF_PREFIX)
        .exists()
    ):
        demo_data_generate(
            organization=organization, livemode=False, failures=DEMO_HISTORY_FAILURES, span=DEMO_HISTORY_SPAN
        )
    today = timezone.now().astimezone(organization_zone(organization)).date()
    start, end = today - timedelta(days=HISTORY.days + 2), today + timedelta(days=2)
    rollups_recompute(organization=organization, livemode=False, start=start, end=end)


@transaction.atomic
def demo_load() -> Demo:
    """Create (or bring back to its known state) the demo organizations, their people, a platform admin,
    the sandbox gateway with a fresh checkout to try, and the demo's failed payments and recoveries
    (recorded once)."""
    user = _user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Dana Demo")
    admin = _user(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, full_name="Ada Admin", is_staff=True, is_superuser=True)
    teammates = tuple(_user(email, DEMO_PASSWORD, full_name=name) for email, name, _ in DEMO_TEAM)

    organization = _organization(
        slug=DEMO_ORG_SLUG, name=DEMO_ORG_NAME, owner=user, time_zone="Asia/Kolkata", currency="INR"
    )
    Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": Role.OWNER})
    for teammate, (_, _, role) in zip(teammates, DEMO_TEAM, strict=True):
        Membership.objects.update_or_create(organization=organization, user=teammate, defaults={"role": role})
    Organization.objects.filter(pk=organization.pk).update(
        display_name=DEMO_ORG_NAME,
        accent_colour="#0f766e",
        support_email="help@demo-store.test",
        support_phone="+919876543210",
    )
    organization.refresh_from_db()
    if not ApiKey.objects.for_org(organization).filter(name=DEMO_KEY_NAME).exists():
        api_key_create(organization=organization, name=DEMO_KEY_NAME, created_by=user, actor=SYSTEM)
    owner = Membership.objects.get(organization=organization, user=user)
    if not Invitation.objects.for_org(organization).filter(email=DEMO_INVITEE, accepted_at__isnull=True).exists():
        invitation_create(by=owner, email=DEMO_INVITEE, role=Role.ANALYST, actor=SYSTEM)

    # A second merchant the demo user helps run, to show switching organizations.
    europe = _organization(
        slug=DEMO_EU_ORG_SLUG, name=DEMO_EU_ORG_NAME, owner=teammates[0], time_zone="Europe/Berlin", currency="EUR"
    )
    Membership.objects.update_or_create(organization=europe, user=teammates[0], defaults={"role": Role.OWNER})
    Membership.objects.update_or_create(organization=europe, user=user, defaults={"role": Role.ADMIN})
    # The sandbox first: the demo's re-charges are planned only where a gateway account can take them.
    gateway = demo_gateway_load(organization=organization)
    transaction_record_failures(organization=organization, livemode=False, failures=_demo_failures())
    demo_recoveries_load(organization=organization)
    _demo_history(organization)
    return Demo(organization=organization, user=user, admin=admin, teammates=teammates, gateway=gateway)
