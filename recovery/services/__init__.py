"""Writes for recovery: recording failed payments, ingesting them through the API, payments received,
classifier rules."""

from recovery.services.failures import (
    Customer,
    FailureInput,
    FailureRecorded,
    FirstFailure,
    transaction_first_failure,
    transaction_record_failure,
    transaction_record_failures,
)
from recovery.services.payments import (
    PaymentApplied,
    PaymentFor,
    PaymentReceived,
    RefundReceived,
    transaction_mark_recovered,
    transaction_record_refund,
    transactions_mark_recovered,
)
from recovery.services.rule_overrides import classifier_override_delete, classifier_override_save
from recovery.services.rules import classifier_rule_delete, classifier_rule_save, classifier_rules_changed

__all__ = [
    "Customer",
    "FailureInput",
    "FailureRecorded",
    "FirstFailure",
    "PaymentApplied",
    "PaymentFor",
    "PaymentReceived",
    "RefundReceived",
    "classifier_override_delete",
    "classifier_override_save",
    "classifier_rule_delete",
    "classifier_rule_save",
    "classifier_rules_changed",
    "transaction_first_failure",
    "transaction_mark_recovered",
    "transaction_record_failure",
    "transaction_record_failures",
    "transaction_record_refund",
    "transactions_mark_recovered",
]
