"""The console's retry-policy editor: the preview of a whole schedule, saving through the audited
services, roles, and refusals that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from accounts.enums import Role
from accounts.models import AuditEvent
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from recovery.enums import Category
from retries.enums import Channel
from retries.models import RetryPolicy, RetryPolicyOverride
from retries.planner import StopKind
from retries.preview import SampleFailure, schedule_preview
from retries.services import retry_policy_create_default
from retries.tests.planning import policy

KOLKATA = ZoneInfo("Asia/Kolkata")
FAILED_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_the_preview_plans_every_attempt_until_the_give_up_time_stops_it() -> None:
    sample = SampleFailure(category=Category.ISSUER_DECLINE, amount=4999, currency="USD", card_network="visa")

    preview = schedule_preview(policy=policy(), sample=sample, failed_at=FAILED_AT, time_zone=ZoneInfo("UTC"))

    assert [step.channel for step in preview.steps] == [Channel.AUTO_CHARGE, Channel.EMAIL] * 2
    assert [step.after for step in preview.steps] == [timedelta(days=days) for days in (1, 3, 7, 11)]
    assert [reason.code for reason in preview.stop.reasons] == [
        "schedule.past_give_up",
        "schedule.past_give_up",
        "stop.no_channel",
    ]
    assert preview.law == ()


def test_the_preview_says_where_network_law_cuts_the_plan() -> None:
    # An invalid Visa card (code 14, category 1) in India without an e-mandate: never re-charged.
    sample = SampleFailure(category=Category.CARD_INVALID, amount=1_999_00, currency="INR", card_network="visa")

    preview = schedule_preview(policy=policy(), sample=sample, failed_at=FAILED_AT, time_zone=KOLKATA)

    assert {step.channel for step in preview.steps} == {Channel.EMAIL}
    assert preview.law == ("Visa category 1 (code 14): never retry",)
    assert preview.steps[0].lines[0] == ("Visa category 1 (code 14): never retry", True)
    assert preview.stop.kind == StopKind.GIVE_UP


def test_a_pending_upi_payment_is_never_planned() -> None:
    sample = SampleFailure(category=Category.UPI_PENDING, amount=500_00, currency="INR", payment_method_type="upi")

    preview = schedule_preview(policy=policy(), sample=sample, failed_at=FAILED_AT, time_zone=KOLKATA)

    assert preview.steps == ()
    assert preview.stop.kind == StopKind.WAIT


def _client(role: Role) -> tuple[Client, Any]:
    organization = OrganizationFactory.create(time_zone="Asia/Kolkata", default_currency="INR")
    retry_policy_create_default(organization=organization)
    member = MembershipFactory.create(organization=organization, role=role)
    client = Client()
    client.force_login(member.user)
    return client, organization


def _form(policy_row: RetryPolicy, **changes: str) -> dict[str, str]:
    overrides = list(policy_row.overrides.order_by("category"))
    data = {
        "name": policy_row.name,
        "channels": ",".join(policy_row.channels),
        "allow_auto_charge": "on",
        "max_attempts": str(policy_row.max_attempts),
        "first_delay": "1 day",
        "backoff_multiplier": "2",
        "max_delay": "4 days",
        "jitter_percent": "0",
        "give_up_after_days": "14",
        "link_lifetime": "3 days",
        "window_start": "09:00",
        "window_end": "20:00",
        "window_days": "every_day",
        "time_zone_source": "organization",
        "overrides-TOTAL_FORMS": str(len(overrides) + 1),
        "overrides-INITIAL_FORMS": str(len(overrides)),
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "9",
        "sample-category": "issuer_decline",
        "sample-amount": "2499",
        "sample-payment_method_type": "card",
        "sample-card_network": "visa",
    }
    # The empty "add an override" form, as the browser sends it.
    extra = f"overrides-{len(overrides)}-"
    data |= {f"{extra}schedule": "backoff", f"{extra}allow_auto_charge": "on", f"{extra}pay_day_time": "09:00"}
    for index, row in enumerate(overrides):
        prefix = f"overrides-{index}-"
        data |= {
            f"{prefix}id": str(row.pk),
            f"{prefix}policy": str(policy_row.pk),
            f"{prefix}category": row.category,
            f"{prefix}schedule": row.schedule,
            f"{prefix}pay_days": ", ".join(str(day) for day in row.pay_days),
            f"{prefix}pay_day_time": "09:00",
        }
        if row.allow_auto_charge:
            data[f"{prefix}allow_auto_charge"] = "on"
    return data | changes


@pytest.mark.django_db
def test_the_preview_follows_unsaved_values_and_saves_nothing() -> None:
    client, organization = _client(Role.ANALYST)
    policy_row = RetryPolicy.objects.get(organization=organization)
    before = AuditEvent.objects.count()

    response = client.post(
        reverse("console:retry_policy_preview", args=[policy_row.public_id]),
        _form(policy_row, max_attempts="2", **{"sample-mandate_active": "on"}),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "2 attempts" in text
    assert "Attempt 1: re-charge" in text
    assert "<html" not in text
    assert RetryPolicy.objects.get(pk=policy_row.pk).max_attempts == 6
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_an_admin_saves_the_policy_and_a_new_override_each_audited() -> None:
    client, organization = _client(Role.ADMIN)
    policy_row = RetryPolicy.objects.get(organization=organization)
    new = f"overrides-{policy_row.overrides.count()}-"

    response = client.post(
        reverse("console:retry_policy_edit", args=[policy_row.public_id]),
        _form(
            policy_row,
            max_attempts="4",
            first_delay="2 hours",
            **{f"{new}category": "issuer_decline", f"{new}schedule": "backoff", f"{new}max_attempts": "3"},
        ),
    )

    assert response.status_code == 302
    policy_row.refresh_from_db()
    assert (policy_row.max_attempts, policy_row.first_delay) == (4, timedelta(hours=2))
    override = RetryPolicyOverride.objects.get(policy=policy_row, category="issuer_decline")
    assert override.max_attempts == 3
    actions = list(AuditEvent.objects.filter(organization=organization).values_list("action", flat=True))
    assert "retry_policy.updated" in actions
    assert "retry_policy_override.created" in actions


@pytest.mark.django_db
def test_an_invalid_policy_is_shown_again_with_its_errors_and_nothing_changes() -> None:
    client, organization = _client(Role.ADMIN)
    policy_row = RetryPolicy.objects.get(organization=organization)
    before = AuditEvent.objects.count()

    response = client.post(
        reverse("console:retry_policy_edit", args=[policy_row.public_id]),
        _form(policy_row, window_start="19:30", window_end="20:00", first_delay="soon"),
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "The send window must end at least an hour after it starts" in text
    assert "Write it like" in text
    policy_row.refresh_from_db()
    assert policy_row.window_start.hour == 9
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_an_analyst_reads_policies_but_cannot_save_make_default_or_delete() -> None:
    client, organization = _client(Role.ANALYST)
    policy_row = RetryPolicy.objects.get(organization=organization)
    before = AuditEvent.objects.count()

    page = client.get(reverse("console:retry_policy_detail", args=[policy_row.public_id]))
    saved = client.post(reverse("console:retry_policy_edit", args=[policy_row.public_id]), _form(policy_row))
    deleted = client.post(reverse("console:retry_policy_delete", args=[policy_row.public_id]))

    assert page.status_code == 200
    assert "Save policy" not in page.content.decode()
    assert (saved.status_code, deleted.status_code) == (403, 403)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_new_policy_becomes_the_default_when_asked_and_the_old_one_can_be_deleted() -> None:
    client, organization = _client(Role.OWNER)
    standard = RetryPolicy.objects.get(organization=organization)
    data = {name: value for name, value in _form(standard, name="Gentle").items() if not name.startswith("overrides-")}
    data |= {
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-0-schedule": "backoff",
        "overrides-0-allow_auto_charge": "on",
        "overrides-0-pay_day_time": "09:00",
    }

    created = client.post(reverse("console:retry_policy_new"), data)
    gentle = RetryPolicy.objects.get(organization=organization, name="Gentle")
    client.post(reverse("console:retry_policy_default", args=[gentle.public_id]))
    client.post(reverse("console:retry_policy_delete", args=[standard.public_id]))

    assert created.status_code == 302
    assert list(RetryPolicy.objects.filter(organization=organization).values_list("name", "is_default")) == [
        ("Gentle", True)
    ]
