"""Writes for the classifier's rules: every edit reaches every process without a restart."""

from __future__ import annotations

import logging

from django.utils import timezone

from recovery.models import ClassifierRule
from recovery.selectors import CLASSIFIER_RULES_TOKEN

logger = logging.getLogger(__name__)


def classifier_rules_changed() -> None:
    """Tell every process that the rules changed (each reloads within CLASSIFIER_RULES_CHECK_SECONDS),
    now and again when the transaction commits."""
    CLASSIFIER_RULES_TOKEN.bump()


def classifier_rule_save(*, rule: ClassifierRule) -> ClassifierRule:
    """Validate and save a rule (create or edit); the change takes effect without a restart."""
    rule.full_clean()
    rule.updated_at = timezone.now()
    rule.save()
    classifier_rules_changed()
    logger.info("classifier_rule_saved", extra={"rule": rule.slug, "org_id": rule.organization_id})
    return rule


def classifier_rule_delete(*, rule: ClassifierRule) -> None:
    """Delete a rule; the change takes effect without a restart."""
    slug, organization_id = rule.slug, rule.organization_id
    rule.delete()
    classifier_rules_changed()
    logger.info("classifier_rule_deleted", extra={"rule": slug, "org_id": organization_id})
