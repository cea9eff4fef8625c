"""Retry policies, overrides and attempts: the invariants as named constraints and as clean()."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from recovery.enums import Category
from retries.enums import AttemptStatus, Channel, Schedule, WindowDays, ZoneSource
from retries.models import RecoveryAttempt, RetryPolicy, RetryPolicyOverride
from retries.planner import Backoff, CategoryRule, NetworkLimits, SendWindow
from retries.tests import factories

pytestmark = pytest.mark.django_db


# SQLite names a failed unique constraint by its columns, PostgreSQL (and every CHECK) by its name.
_UNIQUE_COLUMNS = {
    "retries_policy_one_default": "retries_retrypolicy.organization_id$",
    "retries_policy_name_unique": "retries_retrypolicy.organization_id, retries_retrypolicy.name",
    "retries_override_category_unique": "retries_retrypolicyoverride.policy_id, retries_retrypolicyoverride.category",
    "retries_attempt_number_unique": "retries_recoveryattempt.transaction_id, retries_recoveryattempt.number",
}


def _violates(constraint: str, make: Any) -> None:
    pattern = constraint
    if constraint in _UNIQUE_COLUMNS:
        pattern = f"{constraint}|UNIQUE constraint failed: {_UNIQUE_COLUMNS[constraint]}"
    with pytest.raises(IntegrityError, match=pattern), transaction.atomic():
        make()


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("retries_policy_attempts", {"max_attempts": 0}),
        ("retries_policy_attempts", {"max_attempts": 21}),
        ("retries_policy_delays", {"first_delay": timedelta(seconds=30)}),
        ("retries_policy_delays", {"max_delay": timedelta(days=31)}),
        (
            "retries_policy_max_delay_not_below_first",
            {"first_delay": timedelta(days=2), "max_delay": timedelta(days=1)},
        ),
        ("retries_policy_multiplier", {"backoff_multiplier": Decimal("0.5")}),
        ("retries_policy_jitter", {"jitter_percent": 51}),
        ("retries_policy_give_up", {"give_up_after_days": 0}),
        ("retries_policy_give_up", {"give_up_after_days": 61}),
        ("retries_policy_window", {"window_start": time(20), "window_end": time(9)}),
        ("retries_policy_window_days", {"window_days": "weekends"}),
        ("retries_policy_zone", {"time_zone_source": "server"}),
        ("retries_policy_link_lifetime", {"link_lifetime": timedelta(minutes=5)}),
    ],
)
def test_the_database_refuses_an_impossible_policy(organization, constraint: str, values: dict[str, Any]) -> None:
    _violates(constraint, lambda: RetryPolicy.objects.create(organization=organization, name="Bad", **values))

    assert not RetryPolicy.objects.filter(name="Bad").exists()


def test_an_organization_has_at_most_one_default_and_unique_names(organization) -> None:
    RetryPolicy.objects.create(organization=organization, name="A", is_default=True)

    _violates(
        "retries_policy_one_default",
        lambda: RetryPolicy.objects.create(organization=organization, name="B", is_default=True),
    )
    _violates("retries_policy_name_unique", lambda: RetryPolicy.objects.create(organization=organization, name="A"))
    assert list(RetryPolicy.objects.values_list("name", "is_default")) == [("A", True)]


def _policy_errors(**values: Any) -> dict[str, list[str]]:
    policy = RetryPolicy(name="P", **values)
    with pytest.raises(ValidationError) as caught:
        policy.clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"max_attempts": 25}, "max_attempts"),
        ({"first_delay": timedelta(0)}, "first_delay"),
        ({"first_delay": timedelta(days=3), "max_delay": timedelta(days=1)}, "max_delay"),
        ({"backoff_multiplier": Decimal("11")}, "backoff_multiplier"),
        ({"jitter_percent": 80}, "jitter_percent"),
        ({"give_up_after_days": 90}, "give_up_after_days"),
        ({"give_up_after_days": 1, "first_delay": timedelta(days=1)}, "first_delay"),
        ({"window_start": time(9), "window_end": time(9, 30)}, "window_end"),
        ({"window_start": time(22), "window_end": time(6)}, "window_end"),
        ({"channels": []}, "channels"),
        ({"channels": ["email", "pigeon"]}, "channels"),
        ({"channels": ["email", "email"]}, "channels"),
        ({"channels": "email"}, "channels"),
        ({"channels": ["auto_charge"], "allow_auto_charge": False}, "channels"),
        ({"link_lifetime": timedelta(days=45)}, "link_lifetime"),
    ],
)
def test_clean_names_the_field_of_an_impossible_policy(values: dict[str, Any], field: str) -> None:
    assert field in _policy_errors(**values)


def test_the_defaults_are_a_valid_policy() -> None:
    RetryPolicy(name="Standard").clean()


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("retries_override_category", {"category": "weather"}),
        ("retries_override_schedule", {"category": Category.FUNDS, "schedule": "someday"}),
        ("retries_override_upi_pending_waits", {"category": Category.UPI_PENDING, "schedule": Schedule.BACKOFF}),
        (
            "retries_override_upi_pending_waits",
            {"category": Category.FUNDS, "schedule": Schedule.WAIT_FOR_FINAL_STATUS},
        ),
        ("retries_override_never_recharge", {"category": Category.CARD_INVALID, "allow_auto_charge": True}),
        ("retries_override_never_recharge", {"category": Category.DO_NOT_RETRY, "allow_auto_charge": True}),
        ("retries_override_never_recharge", {"category": Category.FRAUD_RISK, "allow_auto_charge": True}),
        ("retries_override_attempts", {"category": Category.NETWORK, "max_attempts": 0}),
        ("retries_override_delays", {"category": Category.NETWORK, "first_delay": timedelta(0)}),
        ("retries_override_multiplier", {"category": Category.NETWORK, "backoff_multiplier": Decimal("20")}),
    ],
)
def test_the_database_refuses_an_override_that_breaks_the_rules(
    organization, constraint: str, values: dict[str, Any]
) -> None:
    policy = RetryPolicy.objects.create(organization=organization, name="P", is_default=True)

    _violates(
        constraint, lambda: RetryPolicyOverride.objects.create(organization=organization, policy=policy, **values)
    )
    assert not policy.overrides.exists()


def test_one_override_per_category(organization) -> None:
    policy = RetryPolicy.objects.create(organization=organization, name="P", is_default=True)
    RetryPolicyOverride.objects.create(organization=organization, policy=policy, category=Category.NETWORK)

    _violates(
        "retries_override_category_unique",
        lambda: RetryPolicyOverride.objects.create(organization=organization, policy=policy, category=Category.NETWORK),
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"category": Category.UPI_PENDING, "schedule": Schedule.BACKOFF}, "schedule"),
        ({"category": Category.FUNDS, "schedule": Schedule.WAIT_FOR_FINAL_STATUS}, "schedule"),
        ({"category": Category.FRAUD_RISK, "allow_auto_charge": True}, "allow_auto_charge"),
        ({"category": Category.FUNDS, "schedule": Schedule.PAY_DAYS, "pay_days": []}, "pay_days"),
        ({"category": Category.FUNDS, "schedule": Schedule.PAY_DAYS, "pay_days": [0, 32]}, "pay_days"),
        ({"category": Category.FUNDS, "schedule": Schedule.PAY_DAYS, "pay_days": [1, 1]}, "pay_days"),
        ({"category": Category.NETWORK, "max_attempts": 30}, "max_attempts"),
        (
            {"category": Category.NETWORK, "first_delay": timedelta(hours=2), "max_delay": timedelta(hours=1)},
            "max_delay",
        ),
    ],
)
def test_clean_names_the_field_of_a_wrong_override(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RetryPolicyOverride(**values).clean()

    assert field in caught.value.message_dict


def test_the_snapshot_is_the_policy_with_its_overrides_and_the_network_cap(organization, settings) -> None:
    settings.RETRY_MAX_REATTEMPTS_30_DAYS = 20
    policy = RetryPolicy.objects.create(
        organization=organization,
        name="Weekdays",
        is_default=True,
        window_days=WindowDays.WEEKDAYS,
        time_zone_source=ZoneSource.ORGANIZATION,
        channels=["email"],
    )
    RetryPolicyOverride.objects.create(
        organization=organization, policy=policy, category=Category.NETWORK, first_delay=timedelta(minutes=10)
    )
    RetryPolicyOverride.objects.create(
        organization=organization,
        policy=policy,
        category=Category.FUNDS,
        schedule=Schedule.PAY_DAYS,
        pay_days=[25, 1],
        pay_day_time=time(8, 30),
    )

    snapshot = policy.snapshot()

    assert snapshot.name == "Weekdays"
    assert snapshot.channels == (Channel.EMAIL,)
    assert snapshot.window == SendWindow(
        start=time(9), end=time(20), weekdays_only=True, zone_source=ZoneSource.ORGANIZATION
    )
    assert snapshot.give_up_after == timedelta(days=14)
    assert snapshot.limits == NetworkLimits(max_reattempts_30_days=20, max_declines_24_hours=10)
    # An override's empty fields come from the policy.
    assert snapshot.rule_for(Category.NETWORK).backoff == Backoff(
        first_delay=timedelta(minutes=10), multiplier=Decimal("2.00"), max_delay=timedelta(days=4)
    )
    assert snapshot.rule_for(Category.FUNDS) == CategoryRule(
        category=Category.FUNDS, schedule=Schedule.PAY_DAYS, pay_days=(1, 25), pay_day_time=time(8, 30)
    )
    assert snapshot.rule_for(Category.UNKNOWN) == CategoryRule(category=Category.UNKNOWN)
    assert snapshot.backoff_for(Category.UNKNOWN) == snapshot.backoff


def test_an_attempt_is_numbered_once_per_transaction(organization) -> None:
    txn = factories.transaction(organization=organization)
    factories.attempt(transaction=txn, number=1)

    _violates("retries_attempt_number_unique", lambda: factories.attempt(transaction=txn, number=1))
    assert RecoveryAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("retries_attempt_number_positive", {"number": 0}),
        ("retries_attempt_channel", {"channel": "fax"}),
        ("retries_attempt_status", {"status": "lost"}),
        (
            "retries_attempt_charged_is_recharge",
            {"channel": Channel.EMAIL, "status": AttemptStatus.CHARGED, "started": True, "finished": True},
        ),
        (
            "retries_attempt_sent_is_message",
            {"channel": Channel.AUTO_CHARGE, "status": AttemptStatus.SENT, "started": True, "finished": True},
        ),
        ("retries_attempt_started", {"status": AttemptStatus.IN_PROGRESS}),
        ("retries_attempt_finished", {"status": AttemptStatus.FAILED, "started": True}),
        ("retries_attempt_finished", {"status": AttemptStatus.SCHEDULED, "finished": True}),
        ("retries_attempt_finished_after_start", {"status": AttemptStatus.FAILED, "started": True, "early": True}),
    ],
)
def test_the_database_refuses_an_attempt_in_an_impossible_state(
    organization, constraint: str, values: dict[str, Any]
) -> None:
    txn = factories.transaction(organization=organization)
    now = timezone.now()
    started, finished, early = values.pop("started", False), values.pop("finished", False), values.pop("early", False)
    if started:
        values["started_at"] = now
    if finished or early:
        values["finished_at"] = now - timedelta(seconds=1) if early else now

    _violates(constraint, lambda: factories.attempt(transaction=txn, **values))
    assert not RecoveryAttempt.objects.exists()


def test_every_finished_state_is_accepted(organization) -> None:
    txn = factories.transaction(organization=organization)
    now = timezone.now()
    rows = [
        (Channel.AUTO_CHARGE, AttemptStatus.CHARGED),
        (Channel.EMAIL, AttemptStatus.SENT),
        (Channel.AUTO_CHARGE, AttemptStatus.FAILED),
        (Channel.EMAIL, AttemptStatus.SKIPPED),
        (Channel.EMAIL, AttemptStatus.CANCELLED),
    ]
    for number, (channel, status) in enumerate(rows, start=1):
        factories.attempt(
            transaction=txn, number=number, channel=channel, status=status, started_at=now, finished_at=now
        )
    factories.attempt(transaction=txn, number=6, status=AttemptStatus.IN_PROGRESS, started_at=now)

    assert RecoveryAttempt.objects.filter(transaction=txn).count() == 6
