"""Writes for the classifier's rules: every edit reaches every process without a restart."""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from recovery.models import ClassifierRule
from recovery.selectors import RULES_VERSION_CACHE_KEY

logger = logging.getLogger(__name__)


def classifier_rules_changed() -> None:
    """Tell every process that the rules changed (each reloads within CLASSIFIER_RULES_CHECK_SECONDS)."""
    cache.set(RULES_VERSION_CACHE_KEY, secrets.token_hex(8), timeout=None)


def _announce_rules_changed() -> None:
    classifier_rules_changed()
    # Again after commit: a process that reloaded in between would otherwise keep the old rules.
    transaction.on_commit(classifier_rules_changed)


def classifier_rule_save(*, rule: ClassifierRule) -> ClassifierRule:
    """Validate and save a rule (create or edit); the change takes effect without a restart."""
    rule.full_clean()
    rule.updated_at = timezone.now()
    rule.save()
    _announce_rules_changed()
    logger.info("classifier_rule_saved", extra={"rule": rule.slug, "org_id": rule.organization_id})
    return rule


def classifier_rule_delete(*, rule: ClassifierRule) -> None:
    """Delete a rule; the change takes effect without a restart."""
    slug, organization_id = rule.slug, rule.organization_id
    rule.delete()
    _announce_rules_changed()
    logger.info("classifier_rule_deleted", extra={"rule": slug, "org_id": organization_id})
