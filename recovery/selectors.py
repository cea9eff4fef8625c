"""Reads for recovery: classifier rules (cached), decisions, transactions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Organization
from recovery.classifier import FALLBACK_RULE_ID, Classification, ClassifierInput, Rule, RuleSet, classify
from recovery.limits import PHONE_PUNCTUATION
from recovery.models import ClassifierRule, FailureEvent, PaymentMismatch, Transaction
from retries.models import RecoveryAttempt
from tinko.local_cache import LocalCopy, SharedToken, WithoutRedis

# Rules change rarely and are read on every ingest: each process keeps them compiled, and checks
# the shared token at most every CLASSIFIER_RULES_CHECK_SECONDS, so an edit in admin reaches every
# worker within that time, without a restart. The embedded setup keeps the token in Django's
# (file) cache, which its processes share.
CLASSIFIER_RULES_TOKEN = SharedToken("recovery:classifier-rules:version", without_redis=WithoutRedis.DJANGO_CACHE)
# A bump that never arrived (Redis lost the write) is outlived by this.
_RULES_MAX_AGE = 600.0
_MAX_CACHED_ORGANIZATIONS = 1024

# Keyed by organization id; None holds the global rules.
_rulesets: LocalCopy[int | None, RuleSet] = LocalCopy(
    token=CLASSIFIER_RULES_TOKEN,
    max_age=_RULES_MAX_AGE,
    max_entries=_MAX_CACHED_ORGANIZATIONS + 1,
    check_every=lambda: settings.CLASSIFIER_RULES_CHECK_SECONDS,
)


def _active_rules() -> QuerySet[ClassifierRule]:
    return ClassifierRule.objects.filter(is_active=True)


def _global_ruleset() -> RuleSet:
    return RuleSet.build(row.to_rule() for row in _active_rules().filter(organization__isnull=True))


def classifier_ruleset_for(*, organization: Organization | None) -> RuleSet:
    """The global rules plus `organization`'s overrides, compiled and cached."""
    # One token for both lookups: an organization's rules are built on the global ones it read.
    rulesets = _rulesets.snapshot()
    global_rules = rulesets.get(None, _global_ruleset)
    if organization is None:
        return global_rules

    def build() -> RuleSet:
        overrides = [row.to_rule() for row in _active_rules().filter(organization=organization)]
        return RuleSet.build((*global_rules.rules, *overrides)) if overrides else global_rules

    return rulesets.get(organization.pk, build)


def classification_for(*, organization: Organization | None, request: ClassifierInput) -> Classification:
    """What the classifier decides for `request` under `organization`'s rules (no side effects)."""
    return classify(rules=classifier_ruleset_for(organization=organization), request=request)


# --- transactions --------------------------------------------------------------------------

# A shorter run of digits is more likely part of a reference than a phone number.
PHONE_SEARCH_MIN_DIGITS = 7
EXPORT_CHUNK = 1000


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
    # The full reference, the transaction's public id, or the payer's email or phone: each an
    # indexed equality, so a search stays fast however many transactions there are.
    search: str | None = None


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


def _search(text: str) -> Q:
    """What a person typed into the search box, as equalities over indexed columns."""
    text = text.strip()
    found = Q(transaction_ref=text)
    if text.startswith("txn_"):
        found |= Q(public_id=text)
    if "@" in text:
        # Stored as ingest stores it: the domain in lower case.
        local, _, domain = text.rpartition("@")
        found |= Q(customer_email=f"{local}@{domain.lower()}")
    digits = PHONE_PUNCTUATION.sub("", text)
    if digits.lstrip("+").isdigit() and len(digits.lstrip("+")) >= PHONE_SEARCH_MIN_DIGITS:
        found |= Q(customer_phone=digits if digits.startswith("+") else f"+{digits}")
    return found


def _filtered(*, organization: Organization, livemode: bool, filters: TransactionFilters) -> QuerySet[Transaction]:
    queryset = Transaction.objects.for_org(organization, livemode=livemode)
    if filters.search:
        queryset = queryset.filter(_search(filters.search))
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
    return queryset


def transaction_list(
    *,
    organization: Organization,
    livemode: bool,
    filters: TransactionFilters,
    limit: int,
    cursor: str | None = None,
    oldest_first: bool = False,
) -> TransactionPage:
    """One page of the organization's live or test transactions, newest first (or oldest first),
    by keyset pagination: a page costs the same however deep it is, and rows written meanwhile
    neither repeat nor go missing."""
    queryset = _filtered(organization=organization, livemode=livemode, filters=filters)
    if cursor:
        created_at, public_id = _decode_cursor(cursor)
        if oldest_first:
            after = Q(created_at__gt=created_at) | Q(created_at=created_at, public_id__gt=public_id)
        else:
            after = Q(created_at__lt=created_at) | Q(created_at=created_at, public_id__lt=public_id)
        queryset = queryset.filter(after)
    order = ("created_at", "public_id") if oldest_first else ("-created_at", "-public_id")
    rows = list(queryset.order_by(*order)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return TransactionPage(
        transactions=rows, has_more=has_more, next_cursor=_encode_cursor(rows[-1]) if has_more else None
    )


def transaction_export_rows(
    *, organization: Organization, livemode: bool, filters: TransactionFilters, chunk: int = EXPORT_CHUNK
) -> Iterator[Transaction]:
    """Every transaction the filters select, newest first, read a page at a time: memory stays
    flat however many there are, and no database cursor is held open between pages."""
    cursor = None
    while True:
        page = transaction_list(
            organization=organization, livemode=livemode, filters=filters, limit=chunk, cursor=cursor
        )
        yield from page.transactions
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def transaction_get(*, organization: Organization, livemode: bool, transaction_ref: str) -> Transaction | None:
    """The organization's live or test transaction with this reference, its events newest first,
    its recovery attempts in order and its payment mismatches; None if there is none."""
    return (
        Transaction.objects.for_org(organization, livemode=livemode)
        .filter(transaction_ref=transaction_ref)
        .prefetch_related(
            Prefetch("events", queryset=FailureEvent.objects.order_by("-occurred_at", "-created_at", "-id"))
        )
        .prefetch_related(Prefetch("attempts", queryset=RecoveryAttempt.objects.order_by("number")))
        .prefetch_related(Prefetch("payment_mismatches", queryset=PaymentMismatch.objects.order_by("paid_at", "id")))
        .first()
    )


def classifier_overrides(*, organization: Organization) -> QuerySet[ClassifierRule]:
    """The organization's own classifier rules, active or not."""
    return ClassifierRule.objects.filter(organization=organization).order_by("code_system", "gateway", "code", "slug")


def classifier_defaults(*, search: str = "") -> QuerySet[ClassifierRule]:
    """The global rules, those whose slug, code, category or explanation contain `search` if given."""
    rules = ClassifierRule.objects.filter(organization__isnull=True)
    if search:
        rules = rules.filter(
            Q(slug__icontains=search)
            | Q(code__iexact=search)
            | Q(category__iexact=search)
            | Q(explanation__icontains=search)
        )
    return rules.order_by("code_system", "gateway", "code", "slug")


@dataclass(frozen=True)
class RuleMatch:
    rule: Rule
    chosen: bool
    why: str


@dataclass(frozen=True)
class ClassificationExplained:
    """What the classifier decides for a decline, every rule that matched it, and why one won."""

    decision: Classification
    matches: tuple[RuleMatch, ...]
    by_message: bool  # no code rule matched: the message decided
    by_law: bool  # a network rule overrode the matching rule


def _rank_words(rule: Rule) -> str:
    return ", ".join(
        [
            "your override" if rule.is_override else "global default",
            f"priority {rule.priority}",
            f"{rule.gateway} only" if rule.gateway else "any gateway",
            f"exact code {rule.code}" if rule.code else ("code pattern" if rule.code_pattern else "message pattern"),
        ]
    )


def classification_explain(*, organization: Organization, request: ClassifierInput) -> ClassificationExplained:
    """Classify `request` under the organization's rules and say which rules matched and why one decided."""
    rules = classifier_ruleset_for(organization=organization)
    decision = classify(rules=rules, request=request)
    found = rules.candidates(request)
    by_message = not found
    if by_message:
        found = rules.message_candidates(request)
    ranked = sorted(found, key=lambda compiled: (tuple(-part for part in compiled.rank), compiled.rule.id))
    winner = ranked[0].rule.id if ranked else FALLBACK_RULE_ID
    matches = tuple(
        RuleMatch(rule=compiled.rule, chosen=compiled.rule.id == winner, why=_rank_words(compiled.rule))
        for compiled in ranked
    )
    return ClassificationExplained(
        decision=decision, matches=matches, by_message=by_message, by_law=decision.rule.startswith("law:")
    )
