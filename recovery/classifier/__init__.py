"""The decline classifier: a pure function of rules and a decline (no database)."""

from recovery.classifier.engine import (
    ANY_GATEWAY,
    FALLBACK_RULE,
    FALLBACK_RULE_ID,
    Classification,
    ClassifierInput,
    Rule,
    RuleSet,
    classify,
    sample_input,
)

__all__ = [
    "ANY_GATEWAY",
    "FALLBACK_RULE",
    "FALLBACK_RULE_ID",
    "Classification",
    "ClassifierInput",
    "Rule",
    "RuleSet",
    "classify",
    "sample_input",
]
