"""Writes for retries: policies and their per-category overrides, each change with its audit row
in the same transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.services.audit import SYSTEM, Actor, audit_changes, audit_record
from retries.exceptions import DefaultPolicyRequiredError
from retries.models import RetryPolicy, RetryPolicyOverride
from retries.scheduling import retry_policies_changed
from retries.selectors import default_policy_rows

logger = logging.getLogger(__name__)

POLICY_FIELDS = (
    "name",
    "max_attempts",
    "first_delay",
    "backoff_multiplier",
    "max_delay",
    "jitter_percent",
    "give_up_after_days",
    "window_start",
    "window_end",
    "window_days",
    "time_zone_source",
    "channels",
    "link_lifetime",
    "allow_auto_charge",
)
OVERRIDE_FIELDS = (
    "category",
    "schedule",
    "allow_auto_charge",
    "max_attempts",
    "first_delay",
    "backoff_multiplier",
    "max_delay",
    "pay_days",
    "pay_day_time",
)


def _lock_organization(organization: Organization) -> None:
    # Policy changes in one organization are serialised on its row, so two people choosing a
    # default at once cannot both unset the old one. NO KEY: inserts that reference the
    # organization (FOR KEY SHARE) are not held up. Every process hears of the change.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
    retry_policies_changed()


def _values(row: RetryPolicy | RetryPolicyOverride, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _created(values: dict[str, Any]) -> dict[str, list[Any]]:
    return audit_changes({}, values)


def _unset_default(organization: Organization, *, keep: RetryPolicy) -> None:
    RetryPolicy.objects.for_org(organization).filter(is_default=True).exclude(pk=keep.pk).update(
        is_default=False, updated_at=timezone.now()
    )


@transaction.atomic
def retry_policy_create(
    *, policy: RetryPolicy, actor: Actor, overrides: list[RetryPolicyOverride] | None = None
) -> RetryPolicy:
    """Validate and store a new policy (and its overrides); the organization's first policy is its
    default, and a new default replaces the old one."""
    organization = policy.organization
    _lock_organization(organization)
    if not RetryPolicy.objects.for_org(organization).filter(is_default=True).exists():
        policy.is_default = True
    if policy.is_default:
        _unset_default(organization, keep=policy)
    policy.full_clean()
    policy.save()
    for override in overrides or ():
        override.policy = policy
        _override_store(override)
    changes = _created(_values(policy, POLICY_FIELDS))
    changes["is_default"] = [None, policy.is_default]
    if overrides:
        changes["overrides"] = [None, ", ".join(sorted(override.category for override in overrides))]
    # One row for the policy and the overrides made with it.
    audit_record(
        organization=organization,
        actor=actor,
        action="retry_policy.created",
        target=policy,
        target_label=policy.name,
        changes=changes,
    )
    logger.info("retry_policy_created", extra={"org_id": organization.public_id, "policy_id": policy.public_id})
    return policy


@transaction.atomic
def retry_policy_update(*, policy: RetryPolicy, actor: Actor) -> RetryPolicy:
    """Store the edited fields of `policy` (a default stays the default: make another one instead)."""
    _lock_organization(policy.organization)
    stored = RetryPolicy.objects.get(pk=policy.pk)
    if stored.is_default and not policy.is_default:
        raise DefaultPolicyRequiredError("An organization always has a default policy: make another one the default.")
    policy.is_default = stored.is_default
    policy.full_clean()
    changes = audit_changes(_values(stored, POLICY_FIELDS), _values(policy, POLICY_FIELDS))
    if changes:
        policy.updated_at = timezone.now()
        policy.save(update_fields=[*POLICY_FIELDS, "updated_at"])
        audit_record(
            organization=policy.organization,
            actor=actor,
            action="retry_policy.updated",
            target=policy,
            target_label=policy.name,
            changes=changes,
        )
    return policy


@transaction.atomic
def retry_policy_make_default(*, policy: RetryPolicy, actor: Actor) -> RetryPolicy:
    """Make `policy` the one the planner uses for its organization."""
    _lock_organization(policy.organization)
    policy.refresh_from_db(fields=["is_default"])
    if policy.is_default:
        return policy
    _unset_default(policy.organization, keep=policy)
    policy.is_default = True
    policy.updated_at = timezone.now()
    policy.save(update_fields=["is_default", "updated_at"])
    audit_record(
        organization=policy.organization,
        actor=actor,
        action="retry_policy.made_default",
        target=policy,
        target_label=policy.name,
        changes={"is_default": [False, True]},
    )
    return policy


@transaction.atomic
def retry_policy_delete(*, policy: RetryPolicy, actor: Actor) -> None:
    """Delete a policy and its overrides; never the default."""
    _lock_organization(policy.organization)
    policy.refresh_from_db(fields=["is_default"])
    if policy.is_default:
        raise DefaultPolicyRequiredError("The default policy cannot be deleted: make another one the default first.")
    audit_record(
        organization=policy.organization,
        actor=actor,
        action="retry_policy.deleted",
        target=policy,
        target_label=policy.name,
    )
    policy.delete()


def _override_store(override: RetryPolicyOverride) -> None:
    override.organization_id = override.policy.organization_id
    override.full_clean()
    override.save()


@transaction.atomic
def retry_policy_override_save(*, override: RetryPolicyOverride, actor: Actor) -> RetryPolicyOverride:
    """Validate and store a category override of a policy (create or edit)."""
    _lock_organization(override.policy.organization)
    stored = RetryPolicyOverride.objects.filter(pk=override.pk).first() if override.pk else None
    after = _values(override, OVERRIDE_FIELDS)
    if stored is None:
        _override_store(override)
        action, changes = "retry_policy_override.created", _created(after)
    else:
        changes = audit_changes(_values(stored, OVERRIDE_FIELDS), after)
        if not changes:
            return override
        override.full_clean()
        override.updated_at = timezone.now()
        override.save(update_fields=[*OVERRIDE_FIELDS, "updated_at"])
        action = "retry_policy_override.updated"
    audit_record(
        organization=override.policy.organization,
        actor=actor,
        action=action,
        target=override,
        target_label=f"{override.policy.name}: {override.category}",
        changes=changes,
    )
    return override


@transaction.atomic
def retry_policy_override_delete(*, override: RetryPolicyOverride, actor: Actor) -> None:
    """Remove a category override: the category follows its policy again."""
    _lock_organization(override.policy.organization)
    audit_record(
        organization=override.policy.organization,
        actor=actor,
        action="retry_policy_override.deleted",
        target=override,
        target_label=f"{override.policy.name}: {override.category}",
    )
    override.delete()


def retry_policy_create_default(*, organization: Organization, actor: Actor = SYSTEM) -> RetryPolicy:
    """Give a new organization Tinko's default policy (ORGANIZATION_CREATED_HANDLERS)."""
    policy, overrides = default_policy_rows(organization=organization)
    return retry_policy_create(policy=policy, actor=actor, overrides=overrides)


@transaction.atomic
def retry_policy_save(
    *,
    policy: RetryPolicy,
    overrides: list[RetryPolicyOverride],
    deleted: list[RetryPolicyOverride],
    actor: Actor,
) -> RetryPolicy:
    """Create or edit a policy with its category overrides in one transaction, as the console's
    editor submits them (each change audited by the service that makes it)."""
    if policy.pk is None:
        return retry_policy_create(policy=policy, actor=actor, overrides=overrides)
    retry_policy_update(policy=policy, actor=actor)
    for override in deleted:
        retry_policy_override_delete(override=override, actor=actor)
    for override in overrides:
        override.policy = policy
        retry_policy_override_save(override=override, actor=actor)
    return policy
