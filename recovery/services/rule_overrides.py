"""Writes for an organization's own classifier rules (overrides of the global defaults), as the
console makes them: each change with its audit row in the same transaction, in effect without a
restart."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import Organization
from accounts.services.audit import Actor, audit_changes, audit_record
from recovery.models import ClassifierRule
from recovery.services.rules import classifier_rule_delete, classifier_rule_save

# The fields an organization sets on its own rules, in the order its form shows them.
OVERRIDE_FIELDS = (
    "slug",
    "code_system",
    "gateway",
    "code",
    "code_pattern",
    "message_regex",
    "category",
    "retryable",
    "action",
    "cooldown_seconds",
    "alternatives",
    "priority",
    "explanation",
    "recommendation",
    "is_active",
)


def _values(rule: ClassifierRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in OVERRIDE_FIELDS}


@transaction.atomic
def classifier_override_save(*, organization: Organization, rule: ClassifierRule, actor: Actor) -> ClassifierRule:
    """Validate and store one of `organization`'s own rules (create or edit); it wins over the global
    defaults that match the same decline."""
    if rule.pk is not None and rule.organization_id != organization.pk:
        raise ValueError("The rule belongs to another organization.")
    rule.organization = organization
    stored = ClassifierRule.objects.filter(pk=rule.pk).first() if rule.pk else None
    before = _values(stored) if stored is not None else {}
    classifier_rule_save(rule=rule)
    changes = audit_changes(before, _values(rule))
    if stored is None or changes:
        audit_record(
            organization=organization,
            actor=actor,
            action="classifier_rule.created" if stored is None else "classifier_rule.updated",
            target=rule,
            target_label=rule.slug,
            changes=changes,
        )
    return rule


@transaction.atomic
def classifier_override_delete(*, rule: ClassifierRule, actor: Actor) -> None:
    """Delete one of an organization's own rules: the global defaults decide again."""
    if rule.organization_id is None:
        raise ValueError("Global rules are changed in Django admin, not by an organization.")
    audit_record(
        organization=rule.organization,
        actor=actor,
        action="classifier_rule.deleted",
        target=rule,
        target_label=rule.slug,
    )
    classifier_rule_delete(rule=rule)
