"""Django admin: policies with their overrides inline, every change through the services (audited);
attempts read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent, User
from accounts.tests.factories import UserFactory
from recovery.enums import Category
from retries.enums import AttemptStatus
from retries.models import RecoveryAttempt, RetryPolicy
from retries.tests import factories

pytestmark = pytest.mark.django_db

POLICY_FORM = {
    "name": "Weekday mornings",
    "channels": '["email", "auto_charge"]',
    "allow_auto_charge": "on",
    "max_attempts": "4",
    "first_delay": "12:00:00",
    "backoff_multiplier": "1.50",
    "max_delay": "3 00:00:00",
    "jitter_percent": "5",
    "give_up_after_days": "10",
    "link_lifetime": "2 00:00:00",
    "window_start": "08:00",
    "window_end": "12:00",
    "window_days": "weekdays",
    "time_zone_source": "organization",
}


def _inline(rows: list[dict[str, str]], *, initial: int = 0) -> dict[str, str]:
    data = {
        "overrides-TOTAL_FORMS": str(len(rows)),
        "overrides-INITIAL_FORMS": str(initial),
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"overrides-{index}-{name}": value for name, value in row.items()})
    return data


@pytest.fixture
def staff() -> User:
    return UserFactory.create(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_a_platform_admin_adds_a_policy_with_overrides_and_each_is_audited(
    admin_client: Client, staff: User, organization
) -> None:
    data: dict[str, Any] = {"organization": str(organization.pk), **POLICY_FORM}
    data.update(
        _inline(
            [
                {
                    "category": "funds",
                    "schedule": "pay_days",
                    "allow_auto_charge": "on",
                    "pay_days": "[1, 25]",
                    "pay_day_time": "09:30",
                },
                {"category": "fraud_risk", "schedule": "backoff", "pay_days": "[]", "pay_day_time": "09:00"},
            ]
        )
    )

    response = admin_client.post("/admin/retries/retrypolicy/add/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    policy = RetryPolicy.objects.get(organization=organization)
    assert (policy.name, policy.is_default, policy.channels) == ("Weekday mornings", True, ["email", "auto_charge"])
    assert {row.category: row.pay_days for row in policy.overrides.all()} == {"funds": [1, 25], "fraud_risk": []}
    audit = AuditEvent.objects.filter(organization=organization).order_by("pk")
    assert [(row.action, row.actor_user) for row in audit] == [
        ("retry_policy.created", staff),
        ("retry_policy_override.created", staff),
        ("retry_policy_override.created", staff),
    ]


def test_an_impossible_window_is_an_error_on_the_form_and_nothing_is_saved(admin_client: Client, organization) -> None:
    data = {"organization": str(organization.pk), **POLICY_FORM, "window_start": "20:00", "window_end": "08:00"}
    data.update(
        _inline(
            [
                {
                    "category": "fraud_risk",
                    "schedule": "backoff",
                    "allow_auto_charge": "on",
                    "pay_days": "[]",
                    "pay_day_time": "09:00",
                }
            ]
        )
    )

    response = admin_client.post("/admin/retries/retrypolicy/add/", data)

    assert response.status_code == 200
    body = response.content.decode()
    assert "The send window must end at least an hour after it starts" in body
    assert "A fraud_risk decline is never re-charged automatically." in body
    assert not RetryPolicy.objects.exists()
    assert not AuditEvent.objects.filter(organization=organization).exists()


def test_editing_a_policy_and_removing_an_override_are_audited(admin_client: Client, organization) -> None:
    policy = factories.policy(organization=organization, name="Standard")
    funds = policy.overrides.create(
        organization=organization, category=Category.FUNDS, schedule="pay_days", pay_days=[1, 15]
    )
    data: dict[str, Any] = {**POLICY_FORM, "name": "Standard", "max_attempts": "5"}
    data.update(
        _inline(
            [
                {
                    "id": str(funds.pk),
                    "policy": str(policy.pk),
                    "category": "funds",
                    "schedule": "pay_days",
                    "allow_auto_charge": "on",
                    "pay_days": "[1, 15]",
                    "pay_day_time": "09:00",
                    "DELETE": "on",
                }
            ],
            initial=1,
        )
    )

    response = admin_client.post(f"/admin/retries/retrypolicy/{policy.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.max_attempts, policy.is_default, policy.overrides.count()) == (5, True, 0)
    actions = list(AuditEvent.objects.filter(organization=organization).order_by("pk").values_list("action", flat=True))
    assert actions == ["retry_policy.created", "retry_policy.updated", "retry_policy_override.deleted"]


def test_the_default_is_changed_by_the_action_and_cannot_be_deleted(admin_client: Client, organization) -> None:
    standard = factories.policy(organization=organization, name="Standard")
    gentle = factories.policy(organization=organization, name="Gentle")

    refused = admin_client.post(f"/admin/retries/retrypolicy/{standard.pk}/delete/", {"post": "yes"})
    admin_client.post("/admin/retries/retrypolicy/", {"action": "make_default", "_selected_action": [str(gentle.pk)]})
    deleted = admin_client.post(f"/admin/retries/retrypolicy/{standard.pk}/delete/", {"post": "yes"})

    assert (refused.status_code, deleted.status_code) == (403, 302)
    assert list(RetryPolicy.objects.values_list("name", "is_default")) == [("Gentle", True)]
    assert list(
        AuditEvent.objects.filter(
            organization=organization, action__in=["retry_policy.made_default", "retry_policy.deleted"]
        )
        .order_by("pk")
        .values_list("action", "target_label")
    ) == [("retry_policy.made_default", "Gentle"), ("retry_policy.deleted", "Standard")]


def test_attempts_are_shown_and_never_edited(admin_client: Client, organization) -> None:
    txn = factories.transaction(organization=organization)
    attempt = factories.attempt(
        transaction=txn, number=1, reasons=[{"code": "window.moved", "text": "moved to 09:00 UTC"}]
    )

    listing = admin_client.get("/admin/retries/recoveryattempt/")
    page = admin_client.get(f"/admin/retries/recoveryattempt/{attempt.pk}/change/")
    posted = admin_client.post(
        f"/admin/retries/recoveryattempt/{attempt.pk}/change/", {"status": AttemptStatus.CANCELLED}
    )

    assert (listing.status_code, page.status_code) == (200, 200)
    assert "moved to 09:00 UTC" in page.content.decode()
    assert admin_client.get("/admin/retries/recoveryattempt/add/").status_code == 403
    assert posted.status_code in (302, 403)
    assert RecoveryAttempt.objects.get().status == AttemptStatus.SCHEDULED
