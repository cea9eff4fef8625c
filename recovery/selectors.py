"""Reads for recovery: classifier rules (cached), decisions, transactions."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Organization
from recovery.classifier import Classification, ClassifierInput, RuleSet, classify
from recovery.models import ClassifierRule, FailureEvent, Transaction

RULES_VERSION_CACHE_KEY = "recovery:classifier-rules:version"
_MAX_CACHED_ORGANIZATIONS = 1024


@dataclass
class _LocalRules:
    version: str | None = None
    checked_at: float = float("-inf")
    global_rules: RuleSet | None = None
    by_organization: OrderedDict[int, RuleSet] | None = None


# Per process: rules change rarely and are read on every ingest. Every process compares its
# copy with a version token in the shared cache at most every CLASSIFIER_RULES_CHECK_SECONDS,
# so an edit in admin reaches every worker within that time, without a restart.
_local = _LocalRules()
_lock = threading.Lock()


def classifier_rules_version() -> str:
    """The shared version token of the rules (created on first use, replaced on every edit)."""
    version = cache.get(RULES_VERSION_CACHE_KEY)
    if version is None:
        cache.add(RULES_VERSION_CACHE_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(RULES_VERSION_CACHE_KEY)
    return str(version)


def _refresh_if_stale() -> None:
    now = time.monotonic()
    if now - _local.checked_at < settings.CLASSIFIER_RULES_CHECK_SECONDS:
        return
    version = classifier_rules_version()
    if version != _local.version:
        _local.version = version
        _local.global_rules = None
        _local.by_organization = OrderedDict()
    _local.checked_at = now


def _active_rules() -> QuerySet[ClassifierRule]:
    return ClassifierRule.objects.filter(is_active=True)


def classifier_ruleset_for(*, organization: Organization | None) -> RuleSet:
    """The global rules plus `organization`'s overrides, compiled and cached."""
    with _lock:
        _refresh_if_stale()
        if _local.global_rules is None:
            _local.global_rules = RuleSet.build(
                row.to_rule() for row in _active_rules().filter(organization__isnull=True)
            )
        if organization is None:
            return _local.global_rules
        assert _local.by_organization is not None
        ruleset = _local.by_organization.get(organization.pk)
        if ruleset is not None:
            _local.by_organization.move_to_end(organization.pk)
            return ruleset
        overrides = [row.to_rule() for row in _active_rules().filter(organization=organization)]
        ruleset = RuleSet.build((*_local.global_rules.rules, *overrides)) if overrides else _local.global_rules
        _local.by_organization[organization.pk] = ruleset
        if len(_local.by_organization) > _MAX_CACHED_ORGANIZATIONS:
            _local.by_organization.popitem(last=False)
        return ruleset


def classification_for(*, organization: Organization | None, request: ClassifierInput) -> Classification:
    """What the classifier decides for `request` under `organization`'s rules (no side effects)."""
    return classify(rules=classifier_ruleset_for(organization=organization), request=request)


# --- transactions --------------------------------------------------------------------------


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class TransactionFilters:
    status: str | None = None
    category: str | None = None
    gateway: str | None = None
    payment_method_type: str | None = None
    created_gte: datetime | None = None
    created_lt: datetime | None = None


@dataclass(frozen=True)
class TransactionPage:
    transactions: list[Transaction]
    has_more: bool
    next_cursor: str | None


def _encode_cursor(transaction: Transaction) -> str:
    raw = f"{transaction.created_at.isoformat()}|{transaction.public_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, public_id = raw.split("|", 1)
        created_at = datetime.fromisoformat(created)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this API returned.") from exc
    if created_at.tzinfo is None or not public_id.startswith("txn_"):
        raise InvalidCursor("The cursor is not one this API returned.")
    return created_at, public_id


def transaction_list(
    *, organization: Organization, filters: TransactionFilters, limit: int, cursor: str | None = None
) -> TransactionPage:
    """One page of the organization's transactions, newest first (keyset pagination)."""
    queryset = Transaction.objects.for_org(organization)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.gateway:
        queryset = queryset.filter(gateway=filters.gateway)
    if filters.payment_method_type:
        queryset = queryset.filter(payment_method_type=filters.payment_method_type)
    if filters.created_gte:
        queryset = queryset.filter(created_at__gte=filters.created_gte)
    if filters.created_lt:
        queryset = queryset.filter(created_at__lt=filters.created_lt)
    if cursor:
        created_at, public_id = _decode_cursor(cursor)
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, public_id__lt=public_id))
    rows = list(queryset.order_by("-created_at", "-public_id")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return TransactionPage(
        transactions=rows, has_more=has_more, next_cursor=_encode_cursor(rows[-1]) if has_more else None
    )


def transaction_get(*, organization: Organization, transaction_ref: str) -> Transaction | None:
    """The organization's transaction with this reference, its events newest first; None if there is none."""
    return (
        Transaction.objects.for_org(organization)
        .filter(transaction_ref=transaction_ref)
        .prefetch_related(
            Prefetch("events", queryset=FailureEvent.objects.order_by("-occurred_at", "-created_at", "-id"))
        )
        .first()
    )
