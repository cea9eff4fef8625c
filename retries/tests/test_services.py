"""Policy services: validation, exactly one default, and an audit row with every change."""

from __future__ import annotations

import importlib
from datetime import time, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent, Organization
from accounts.services import SYSTEM, Actor, organization_create
from accounts.tests.factories import OrganizationFactory, UserFactory
from payments.tests.factories import GatewayAccountFactory
from recovery.enums import Category
from recovery.tests.factories import record_failure
from retries.defaults import DEFAULT_OVERRIDES
from retries.enums import AttemptStatus, Channel, Schedule
from retries.exceptions import DefaultPolicyRequiredError
from retries.models import RecoveryAttempt, RetryPolicy, RetryPolicyOverride
from retries.planner import PastAttempt
from retries.scheduling import Planned, policy_for
from retries.selectors import (
    default_policy_rows,
    planning_facts,
    retry_policy_default,
    retry_policy_snapshot,
)
from retries.services import (
    retry_policy_delete,
    retry_policy_make_default,
    retry_policy_override_delete,
    retry_policy_override_save,
    retry_policy_update,
)
from retries.tests import factories

pytestmark = pytest.mark.django_db


def _audit(organization: Organization) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(organization=organization, action__startswith="retry_policy")
        .order_by("pk")
        .values_list("action", "target_label")
    )


def test_a_new_organization_gets_the_default_policy_with_its_overrides() -> None:
    owner = UserFactory.create()

    organization = organization_create(name="Chai Co", owner=owner, time_zone="Asia/Kolkata")

    policy = RetryPolicy.objects.get(organization=organization)
    assert (policy.name, policy.is_default, policy.channels) == ("Standard", True, ["auto_charge", "email"])
    overrides = {row.category: row for row in policy.overrides.all()}
    assert set(overrides) == set(DEFAULT_OVERRIDES)
    assert (overrides[Category.FUNDS].schedule, overrides[Category.FUNDS].pay_days) == (Schedule.PAY_DAYS, [1, 15])
    assert overrides[Category.UPI_PENDING].schedule == Schedule.WAIT_FOR_FINAL_STATUS
    assert overrides[Category.NETWORK].first_delay == timedelta(minutes=15)
    assert {row.organization_id for row in overrides.values()} == {organization.pk}
    # One audit row for the policy and the overrides made with it.
    audit = AuditEvent.objects.get(organization=organization, action__startswith="retry_policy")
    assert (audit.action, audit.actor_user, audit.changes["is_default"]) == (
        "retry_policy.created",
        owner,
        [None, True],
    )
    assert audit.changes["overrides"] == [
        None,
        "auth_timeout, card_invalid, do_not_retry, fraud_risk, funds, network, upi_pending",
    ]


def test_the_first_policy_is_the_default_and_a_new_default_replaces_the_old(organization) -> None:
    first = factories.policy(organization=organization, name="Gentle")
    second = factories.policy(organization=organization, name="Firm")
    third = factories.policy(organization=organization, name="Urgent", is_default=True)

    defaults = dict(RetryPolicy.objects.for_org(organization).values_list("name", "is_default"))
    assert defaults == {"Gentle": False, "Firm": False, "Urgent": True}
    assert (first.is_default, second.is_default, third.is_default) == (True, False, True)
    assert _audit(organization) == [
        ("retry_policy.created", "Gentle"),
        ("retry_policy.created", "Firm"),
        ("retry_policy.created", "Urgent"),
    ]


def test_an_invalid_policy_is_refused_and_nothing_is_written(organization) -> None:
    with pytest.raises(ValidationError) as caught:
        factories.policy(organization=organization, window_start=time(20), window_end=time(9))

    assert "window_end" in caught.value.message_dict
    assert not RetryPolicy.objects.exists()
    assert _audit(organization) == []


def test_an_update_records_what_changed_and_nothing_when_nothing_did(organization) -> None:
    policy = factories.policy(organization=organization, name="Gentle")
    actor = Actor(user=UserFactory.create(), ip_address="203.0.113.9")

    policy.max_attempts = 4
    policy.first_delay = timedelta(hours=12)
    retry_policy_update(policy=policy, actor=actor)
    retry_policy_update(policy=policy, actor=actor)

    policy.refresh_from_db()
    assert (policy.max_attempts, policy.first_delay) == (4, timedelta(hours=12))
    updates = AuditEvent.objects.filter(organization=organization, action="retry_policy.updated")
    assert [(row.changes, row.ip_address) for row in updates] == [
        ({"first_delay": ["1 day, 0:00:00", "12:00:00"], "max_attempts": [6, 4]}, "203.0.113.9")
    ]


def test_the_default_stays_until_another_is_made_default(organization) -> None:
    gentle = factories.policy(organization=organization, name="Gentle")
    firm = factories.policy(organization=organization, name="Firm")

    gentle.is_default = False
    with pytest.raises(DefaultPolicyRequiredError):
        retry_policy_update(policy=gentle, actor=SYSTEM)
    with pytest.raises(DefaultPolicyRequiredError):
        retry_policy_delete(policy=RetryPolicy.objects.get(pk=gentle.pk), actor=SYSTEM)
    retry_policy_make_default(policy=firm, actor=SYSTEM)
    retry_policy_make_default(policy=firm, actor=SYSTEM)
    retry_policy_delete(policy=RetryPolicy.objects.get(pk=gentle.pk), actor=SYSTEM)

    assert list(RetryPolicy.objects.values_list("name", "is_default")) == [("Firm", True)]
    assert _audit(organization)[2:] == [("retry_policy.made_default", "Firm"), ("retry_policy.deleted", "Gentle")]


def test_overrides_are_created_changed_and_removed_with_audit_rows(organization) -> None:
    policy = factories.policy(organization=organization, name="Gentle")

    override = retry_policy_override_save(
        override=RetryPolicyOverride(policy=policy, category=Category.NETWORK, first_delay=timedelta(minutes=5)),
        actor=SYSTEM,
    )
    override.max_attempts = 3
    retry_policy_override_save(override=override, actor=SYSTEM)
    retry_policy_override_save(override=override, actor=SYSTEM)
    retry_policy_override_delete(override=override, actor=SYSTEM)

    assert not RetryPolicyOverride.objects.exists()
    assert override.organization_id == organization.pk
    assert _audit(organization)[1:] == [
        ("retry_policy_override.created", "Gentle: network"),
        ("retry_policy_override.updated", "Gentle: network"),
        ("retry_policy_override.deleted", "Gentle: network"),
    ]
    updated = AuditEvent.objects.get(action="retry_policy_override.updated")
    assert updated.changes == {"max_attempts": [None, 3]}


def test_a_wrong_override_is_refused(organization) -> None:
    policy = factories.policy(organization=organization)

    with pytest.raises(ValidationError):
        retry_policy_override_save(
            override=RetryPolicyOverride(policy=policy, category=Category.FRAUD_RISK, allow_auto_charge=True),
            actor=SYSTEM,
        )

    assert not RetryPolicyOverride.objects.exists()


def test_the_migration_gives_each_organization_without_a_default_the_standard_policy() -> None:
    bare = OrganizationFactory.create()
    served = OrganizationFactory.create()
    factories.policy(organization=served, name="Own")
    migration = importlib.import_module("retries.migrations.0002_default_policies")

    migration.create_default_policies(apps, None)
    migration.create_default_policies(apps, None)

    assert list(RetryPolicy.objects.for_org(bare).values_list("name", "is_default")) == [("Standard", True)]
    assert list(RetryPolicy.objects.for_org(served).values_list("name", "is_default")) == [("Own", True)]
    policy = retry_policy_default(organization=bare)
    assert policy is not None
    expected, overrides = default_policy_rows()
    assert policy.snapshot() == expected.snapshot(overrides=overrides)


def test_the_planner_gets_the_default_policy_or_tinkos_defaults(organization) -> None:
    assert retry_policy_snapshot(organization=organization).name == "Standard"

    factories.policy(organization=organization, name="Email only", channels=["email"])

    snapshot = retry_policy_snapshot(organization=organization)
    assert (snapshot.name, snapshot.channels, snapshot.overrides) == ("Email only", (Channel.EMAIL,), ())


def test_the_history_is_the_transactions_attempts_in_order(organization) -> None:
    txn = factories.transaction(organization=organization)
    other = factories.transaction(organization=organization)
    second = factories.attempt(transaction=txn, number=2, channel=Channel.AUTO_CHARGE)
    first = factories.attempt(
        transaction=txn, number=1, status=AttemptStatus.CANCELLED, finished_at=second.scheduled_at
    )
    factories.attempt(transaction=other, number=1)

    assert planning_facts(transaction_ids=[txn.pk])[txn.pk].history(txn).attempts == (
        PastAttempt(number=1, channel=Channel.EMAIL, at=first.scheduled_at, status=AttemptStatus.CANCELLED),
        PastAttempt(number=2, channel=Channel.AUTO_CHARGE, at=second.scheduled_at, status=AttemptStatus.SCHEDULED),
    )


def test_a_recorded_failure_is_planned_in_the_same_transaction_from_what_ingest_stored(organization) -> None:
    recorded = record_failure(
        organization=organization,
        failure_code="lost_card",
        network_decline_code="41",
        currency="INR",
        amount=2499_00,
        gateway_payment_method_id="pm_1Saved",
    )
    txn = recorded.transaction
    assert recorded.next_step is not None
    row = recorded.next_step.attempt

    assert row is not None
    assert RecoveryAttempt.objects.get(transaction=txn) == row
    assert (row.number, row.channel, row.livemode) == (1, Channel.EMAIL, False), "a lost card is never re-charged"
    assert row.reasons, "the planner says why"
    assert planning_facts(transaction_ids=[txn.pk])[txn.pk].history(txn).attempts == (row.past(),)


def test_a_re_charge_is_planned_only_once_a_gateway_account_can_take_it(organization) -> None:
    def saved(ref: str) -> Planned | None:
        return record_failure(
            organization=organization,
            transaction_ref=ref,
            currency="USD",
            failure_code="processing_error",
            gateway_payment_method_id="pm_1Saved",
        ).next_step

    before = saved("order-1")
    GatewayAccountFactory.stripe(organization=organization)
    after = saved("order-2")

    assert before is not None
    assert before.attempt is not None
    assert before.attempt.channel == Channel.EMAIL
    assert before.attempt.reasons[0]["code"] == "method.no_gateway_account"
    assert after is not None
    assert after.attempt is not None
    assert after.attempt.channel == Channel.AUTO_CHARGE, "connecting the account reaches the planner at once"


def test_a_policy_change_reaches_the_planner_of_every_process_without_a_restart(organization, settings) -> None:
    settings.RETRY_POLICIES_CHECK_SECONDS = 0
    standard = factories.policy(organization=organization, max_attempts=6)
    assert policy_for(organization=organization).max_attempts == 6

    standard.max_attempts = 2
    retry_policy_update(policy=standard, actor=SYSTEM)

    assert policy_for(organization=organization).max_attempts == 2
