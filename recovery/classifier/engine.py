"""The decline classifier: rules + a decline → a decision. Pure: no database, no clock, no I/O.

How a rule is chosen:
1. Code rules, from every signal the decline carries: the gateway's code (`failure_code`),
   the gateway's advice code, NPCI UPI codes (UPI payments only; they collide with ISO 8583
   codes such as `01`), ISO 8583 response codes (`network_decline_code`, other payments) and
   Mastercard Merchant Advice Codes (`network_advice_code`).
2. Only when no code rule matches: message patterns (the code is missing or unknown).
3. Nothing matched: `unknown`, not retryable.
Among matches an organization's override beats a global default, then the higher priority,
then the more specific rule (a named gateway over any gateway, an exact code over a pattern),
then the decline's own gateway over one it speaks like (`SPEAKS_LIKE`: the sandbox speaks Stripe).
Afterwards network law (`law.py`) overrides any retryable decision, and categories that are
never retryable by definition stay so, whatever a rule says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from recovery.classifier.law import law_forbids_retry, mastercard_retry_after
from recovery.enums import NEVER_RETRYABLE_CATEGORIES, Action, Category, CodeSystem, PaymentMethodType

ANY_GATEWAY = ""
FALLBACK_RULE_ID = "tinko:unknown"
# Gateways that decline with another gateway's codes and messages: Tinko's sandbox sends Stripe's
# (payments.gateways.sandbox.consts), so Stripe's rules classify its declines as well as its own.
SPEAKS_LIKE: dict[str, str] = {"sandbox": "stripe"}


@dataclass(frozen=True, slots=True)
class ClassifierInput:
    gateway: str = "other"
    code: str = ""
    message: str = ""
    payment_method_type: str = PaymentMethodType.OTHER
    network_decline_code: str = ""
    network_advice_code: str = ""
    advice_code: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One classifier rule (a `ClassifierRule` row, or a default before it is stored)."""

    id: str
    code_system: CodeSystem
    category: Category
    retryable: bool
    action: Action
    explanation: str
    recommendation: str
    gateway: str = ANY_GATEWAY
    code: str = ""
    code_pattern: str = ""
    message_regex: str = ""
    cooldown_seconds: int = 0
    alternatives: tuple[str, ...] = ()
    priority: int = 50
    is_override: bool = False


@dataclass(frozen=True, slots=True)
class Classification:
    category: Category
    retryable: bool
    action: Action
    recommendation: str
    alternatives: tuple[str, ...]
    cooldown_seconds: int
    rule: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": str(self.category),
            "retryable": self.retryable,
            "action": str(self.action),
            "recommendation": self.recommendation,
            "alternatives": list(self.alternatives),
            "cooldown_seconds": self.cooldown_seconds,
            "rule": self.rule,
            "explanation": self.explanation,
        }


FALLBACK_RULE = Rule(
    id=FALLBACK_RULE_ID,
    code_system=CodeSystem.MESSAGE,
    category=Category.UNKNOWN,
    retryable=False,
    action=Action.ASK_NEW_METHOD,
    explanation="Neither the code nor the message says why the payment failed.",
    recommendation="Send the payer a link to pay again with the method of their choice.",
    alternatives=("card", "upi", "netbanking", "wallet"),
    priority=0,
)


def normalize_code(value: str) -> str:
    return value.strip().casefold()


def normalize_gateway(value: str) -> str:
    return value.strip().lower()


def _rule_gateways(gateway: str) -> tuple[str, ...]:
    """The gateways whose rules apply to a decline from `gateway` (normalized): its own, those of
    the gateway it speaks like, and rules for any gateway."""
    return (gateway, SPEAKS_LIKE[gateway], ANY_GATEWAY) if gateway in SPEAKS_LIKE else (gateway, ANY_GATEWAY)


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    code_pattern: re.Pattern[str] | None
    message_regex: re.Pattern[str] | None
    rank: tuple[int, int, int, int]


def _rank(rule: Rule) -> tuple[int, int, int, int]:
    return (
        1 if rule.is_override else 0,
        rule.priority,
        1 if rule.gateway != ANY_GATEWAY else 0,
        1 if rule.code else 0,
    )


@dataclass
class RuleSet:
    """Rules indexed for lookup: exact codes in a dict, patterns and messages in lists."""

    rules: tuple[Rule, ...]
    _exact: dict[tuple[CodeSystem, str, str], list[_Compiled]] = field(default_factory=dict, repr=False)
    _patterns: dict[CodeSystem, list[_Compiled]] = field(default_factory=dict, repr=False)
    _messages: list[_Compiled] = field(default_factory=list, repr=False)

    @classmethod
    def build(cls, rules: Iterable[Rule]) -> RuleSet:
        ruleset = cls(rules=tuple(rules))
        for rule in ruleset.rules:
            compiled = _Compiled(
                rule=rule,
                code_pattern=re.compile(rule.code_pattern, re.IGNORECASE) if rule.code_pattern else None,
                message_regex=re.compile(rule.message_regex, re.IGNORECASE) if rule.message_regex else None,
                rank=_rank(rule),
            )
            if rule.code_system == CodeSystem.MESSAGE:
                if compiled.message_regex is not None:
                    ruleset._messages.append(compiled)
            elif rule.code:
                key = (rule.code_system, normalize_gateway(rule.gateway), normalize_code(rule.code))
                ruleset._exact.setdefault(key, []).append(compiled)
            elif compiled.code_pattern is not None:
                ruleset._patterns.setdefault(rule.code_system, []).append(compiled)
        return ruleset

    def _code_matches(self, system: CodeSystem, gateway: str, code: str, message: str) -> Iterable[_Compiled]:
        if not code:
            return
        normalized = normalize_code(code)
        gateways = _rule_gateways(gateway)
        for gateway_key in gateways:
            for compiled in self._exact.get((system, gateway_key, normalized), ()):
                if compiled.message_regex is None or compiled.message_regex.search(message):
                    yield compiled
        for compiled in self._patterns.get(system, ()):
            if compiled.rule.gateway not in gateways:
                continue
            assert compiled.code_pattern is not None
            if compiled.code_pattern.fullmatch(code.strip()) and (
                compiled.message_regex is None or compiled.message_regex.search(message)
            ):
                yield compiled

    def candidates(self, request: ClassifierInput) -> list[_Compiled]:
        """Every code rule that matches the decline (empty when only a message could decide)."""
        gateway = normalize_gateway(request.gateway)
        message = request.message
        found: list[_Compiled] = []
        found.extend(self._code_matches(CodeSystem.GATEWAY, gateway, request.code, message))
        found.extend(self._code_matches(CodeSystem.ADVICE, gateway, request.advice_code, message))
        if request.payment_method_type == PaymentMethodType.UPI:
            found.extend(self._code_matches(CodeSystem.UPI, gateway, request.code, message))
            found.extend(self._code_matches(CodeSystem.UPI, gateway, request.network_decline_code, message))
        else:
            found.extend(self._code_matches(CodeSystem.ISO8583, gateway, request.network_decline_code, message))
        found.extend(self._code_matches(CodeSystem.MAC, gateway, request.network_advice_code, message))
        return found

    def message_candidates(self, request: ClassifierInput) -> list[_Compiled]:
        if not request.message.strip():
            return []
        gateways = _rule_gateways(normalize_gateway(request.gateway))
        return [
            compiled
            for compiled in self._messages
            if compiled.rule.gateway in gateways
            and compiled.message_regex is not None
            and compiled.message_regex.search(request.message)
        ]


def sample_input(rule: Rule) -> ClassifierInput | None:
    """A decline that an exact-code rule matches (None for pattern and message rules)."""
    if not rule.code or rule.message_regex:
        return None
    gateway = rule.gateway or "other"
    if rule.code_system == CodeSystem.GATEWAY:
        return ClassifierInput(gateway=gateway, code=rule.code)
    if rule.code_system == CodeSystem.ADVICE:
        return ClassifierInput(gateway=gateway, advice_code=rule.code)
    if rule.code_system == CodeSystem.UPI:
        return ClassifierInput(gateway=gateway, code=rule.code, payment_method_type=PaymentMethodType.UPI)
    if rule.code_system == CodeSystem.ISO8583:
        return ClassifierInput(
            gateway=gateway, network_decline_code=rule.code, payment_method_type=PaymentMethodType.CARD
        )
    if rule.code_system == CodeSystem.MAC:
        return ClassifierInput(
            gateway=gateway, network_advice_code=rule.code, payment_method_type=PaymentMethodType.CARD
        )
    return None


def _best(matches: list[_Compiled], gateway: str) -> Rule | None:
    if not matches:
        return None
    # Highest rank wins; among equals the decline's own gateway's rule beats the one of the gateway
    # it speaks like, then the smallest id, so that the choice never depends on order.
    return min(
        matches,
        key=lambda compiled: (
            tuple(-part for part in compiled.rank),
            normalize_gateway(compiled.rule.gateway) not in (gateway, ANY_GATEWAY),
            compiled.rule.id,
        ),
    ).rule


def classify(*, rules: RuleSet, request: ClassifierInput) -> Classification:
    """Decide what kind of failure `request` is and what to do about it."""
    gateway = normalize_gateway(request.gateway)
    rule = (
        _best(rules.candidates(request), gateway) or _best(rules.message_candidates(request), gateway) or FALLBACK_RULE
    )
    decision = Classification(
        category=Category(rule.category),
        retryable=rule.retryable and rule.category not in NEVER_RETRYABLE_CATEGORIES,
        action=Action(rule.action),
        recommendation=rule.recommendation,
        alternatives=rule.alternatives,
        cooldown_seconds=rule.cooldown_seconds,
        rule=rule.id,
        explanation=rule.explanation,
    )
    if not decision.retryable:
        return decision
    verdict = law_forbids_retry(
        payment_method_type=request.payment_method_type,
        code=request.code,
        advice_code=request.advice_code,
        network_decline_code=request.network_decline_code,
        network_advice_code=request.network_advice_code,
    )
    if verdict is not None:
        return Classification(
            category=verdict.category,
            retryable=False,
            action=verdict.action,
            recommendation="Do not charge this card again; ask the payer for another payment method.",
            alternatives=decision.alternatives or FALLBACK_RULE.alternatives,
            cooldown_seconds=0,
            rule=verdict.rule,
            explanation=verdict.explanation,
        )
    wait = mastercard_retry_after(request.network_advice_code)
    if wait is not None and wait[1] > decision.cooldown_seconds:
        mac, seconds = wait
        return replace(
            decision,
            cooldown_seconds=seconds,
            explanation=f"{decision.explanation} Mastercard asks to wait {_duration(seconds)} (advice code {mac}).",
        )
    return decision


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    hours = seconds // 3600
    return f"{hours} hour{'s' if hours != 1 else ''}"
