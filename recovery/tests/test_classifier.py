"""The classifier as a pure function: exhaustively over the shipped table, and by property."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recovery.classifier import ClassifierInput, Rule, RuleSet, classify, sample_input
from recovery.classifier.defaults import DEFAULT_RULES, DefaultRule, default_rules
from recovery.classifier.law import MASTERCARD_NEVER_RETRY, VISA_CATEGORY_1, law_forbids_retry
from recovery.enums import NEVER_RETRYABLE_CATEGORIES, Action, Category, CodeSystem, PaymentMethodType

SHIPPED = RuleSet.build(default_rules())


def _input_for(default: DefaultRule) -> ClassifierInput:
    rule = default.to_rule()
    if default.code_system == CodeSystem.MESSAGE:
        return ClassifierInput(gateway="other", message=default.sample)
    if default.code_pattern:
        return ClassifierInput(gateway=default.gateway or "other", code=default.sample)
    built = sample_input(rule)
    assert built is not None, default.slug
    return built


@pytest.mark.parametrize("default", DEFAULT_RULES, ids=lambda default: default.slug)
def test_every_shipped_rule_decides_its_own_code(default: DefaultRule) -> None:
    rule = default.to_rule()

    decision = classify(rules=SHIPPED, request=_input_for(default))

    assert decision.rule == rule.id
    assert decision.category == rule.category
    assert decision.retryable is rule.retryable
    assert decision.action == rule.action
    assert decision.cooldown_seconds == rule.cooldown_seconds
    assert decision.alternatives == rule.alternatives
    assert decision.explanation == rule.explanation
    assert decision.recommendation == rule.recommendation


@pytest.mark.parametrize("default", DEFAULT_RULES, ids=lambda default: default.slug)
def test_every_shipped_rule_is_traceable_and_consistent(default: DefaultRule) -> None:
    rule = default.to_rule()

    assert default.source.startswith("§")
    assert len(default.source) <= 300  # ClassifierRule.source
    assert rule.explanation.endswith(".")
    assert rule.recommendation
    assert not (rule.retryable and rule.category in NEVER_RETRYABLE_CATEGORIES)
    assert rule.cooldown_seconds >= 0
    assert set(rule.alternatives) <= {"card", "upi", "netbanking", "wallet"}
    if rule.category == Category.UPI_PENDING:
        assert rule.action == Action.WAIT_FOR_CONFIRMATION


def test_slugs_are_unique_and_no_two_rules_claim_the_same_code() -> None:
    slugs = [default.slug for default in DEFAULT_RULES]
    keys = [
        (default.code_system, default.gateway, default.code.casefold())
        for default in DEFAULT_RULES
        if default.code and not default.message_regex
    ]

    assert len(slugs) == len(set(slugs))
    assert len(keys) == len(set(keys))


def _codes(system: CodeSystem, gateway: str = "") -> set[str]:
    return {
        default.code
        for default in DEFAULT_RULES
        if default.code_system == system and default.gateway == gateway and default.code
    }


# The documented code tables of declines-and-networks.md, transcribed: the shipped rules must cover each.
STRIPE_DECLINE_CODES = [
    "authentication_required",
    "authentication_not_handled",
    "approve_with_id",
    "call_issuer",
    "card_not_supported",
    "card_velocity_exceeded",
    "currency_not_supported",
    "do_not_honor",
    "do_not_try_again",
    "duplicate_transaction",
    "expired_card",
    "fraudulent",
    "generic_decline",
    "incorrect_address",
    "incorrect_cvc",
    "incorrect_number",
    "incorrect_pin",
    "incorrect_zip",
    "insufficient_funds",
    "invalid_account",
    "invalid_amount",
    "invalid_cvc",
    "invalid_expiry_month",
    "invalid_expiry_year",
    "invalid_number",
    "invalid_pin",
    "issuer_not_available",
    "lost_card",
    "merchant_blacklist",
    "new_account_information_available",
    "no_action_taken",
    "not_permitted",
    "offline_pin_required",
    "online_or_offline_pin_required",
    "pickup_card",
    "pin_try_exceeded",
    "processing_error",
    "reenter_transaction",
    "restricted_card",
    "revocation_of_all_authorizations",
    "revocation_of_authorization",
    "security_violation",
    "service_not_allowed",
    "stolen_card",
    "stop_payment_order",
    "testmode_decline",
    "transaction_not_allowed",
    "try_again_later",
    "withdrawal_count_limit_exceeded",
    "mobile_device_authentication_required",
    "partner_generic_decline",
    "invalid_customer_account",
    "payment_limit_exceeded",
    "invalid_billing_agreement",
    "partner_expired_card",
    "partner_processing_error",
    "partner_insufficient_funds",
    "partner_invalid_currency",
    "partner_invalid_amount",
    "invalid_business_account",
    "partner_high_risk_customer",
    "compliance_violation",
    "payment_disputed",
    "invalid_authorization",
    "invalid_payment_information",
    "partner_payment_not_found",
    "expired_payment_information",
    "partner_duplicate_transaction",
]
STRIPE_CARD_ERROR_CODES = [
    "card_declined",
    "expired_card",
    "incorrect_cvc",
    "incorrect_number",
    "incorrect_zip",
    "invalid_cvc",
    "invalid_expiry_month",
    "invalid_expiry_year",
    "invalid_number",
    "processing_error",
    "authentication_required",
    "card_decline_rate_limit_exceeded",
    "insufficient_funds",
    "lock_timeout",
    "rate_limit",
    "idempotency_key_in_use",
]
STRIPE_NON_RETRYABLE = [
    "incorrect_number",
    "lost_card",
    "pickup_card",
    "stolen_card",
    "revocation_of_authorization",
    "revocation_of_all_authorizations",
    "authentication_required",
    "highest_risk_level",
]
RAZORPAY_REASONS = [
    "insufficient_funds",
    "insufficient_fund",
    "transaction_daily_limit_exceeded",
    "transaction_daily_count_exceeded",
    "transaction_limit_exceeded",
    "transaction_frequency_limit_exceeded",
    "card_declined",
    "payment_declined",
    "payment_failed",
    "payment_risk_check_failed",
    "authentication_failed",
    "incorrect_otp",
    "otp_expired",
    "otp_attempts_exceeded",
    "pin_attempts_exceeded",
    "incorrect_pin",
    "payment_timed_out",
    "payment_session_expired",
    "payment_cancelled",
    "payment_collect_request_expired",
    "collect_request_pending",
    "payment_pending",
    "deemed_transaction",
    "gateway_technical_error",
    "bank_technical_error",
    "bank_not_available",
    "bank_cutoff_in_progress",
    "issuer_technical_error",
    "request_timed_out",
    "verification_failed",
    "duplicate_rrn_found",
    "upi_app_technical_error",
    "payment_declined_due_to_high_traffic",
    "server_error",
    "card_expired",
    "card_number_invalid",
    "incorrect_card_details",
    "incorrect_card_expiry_date",
    "incorrect_cardholder_name",
    "incorrect_cvv",
    "card_not_enrolled",
    "card_disabled_for_online_payments",
    "debit_instrument_inactive",
    "card_type_invalid",
    "card_network_not_enabled",
    "debit_instrument_blocked",
    "invalid_vpa",
    "vpa_resolution_failed",
    "bank_account_invalid",
    "compliance_violation",
    "input_validation_failed",
    "invalid_request",
    "order_amount_mismatch",
    "order_already_paid",
    "invalid_order_id",
    "funds_blocked_by_mandate",
]
NPCI_CODES = [
    "00",
    "01",
    "RB",
    "BT",
    "UT",
    "U67",
    "U68",
    "U09",
    "U30",
    "U69",
    "U16",
    "U28",
    "U29",
    "ZM",
    "Z9",
    "Z8",
    "Z7",
    "Z6",
    "ZA",
    "ZH",
    "YE",
    "XH",
    "XY",
    "XT",
    "UP",
    "59",
    "K1",
    "XB",
    "VA",
    "VU",
    "VT",
    "FL",
    "FP",
    "21",
    "32",
    "RR",
    "RP",
]
ISO_CODES = [
    "00",
    "01",
    "03",
    "04",
    "05",
    "07",
    "12",
    "13",
    "14",
    "15",
    "19",
    "39",
    "41",
    "43",
    "46",
    "51",
    "52",
    "53",
    "54",
    "55",
    "57",
    "58",
    "59",
    "61",
    "62",
    "63",
    "65",
    "70",
    "75",
    "78",
    "79",
    "82",
    "83",
    "86",
    "91",
    "93",
    "96",
    "N3",
    "N4",
    "N7",
    "5C",
    "9G",
    "Z5",
    "6P",
    "R0",
    "R1",
    "R3",
    "1A",
]
MAC_CODES = ["01", "02", "03", "04", "05", "21", "22", "24", "25", "26", "27", "28", "29", "30", "40", "41", "43"]


def test_every_documented_code_has_a_shipped_rule() -> None:
    stripe = _codes(CodeSystem.GATEWAY, "stripe")
    assert set(STRIPE_DECLINE_CODES) <= stripe
    assert set(STRIPE_CARD_ERROR_CODES) <= stripe
    assert {"highest_risk_level", "elevated_risk_level", "rule", "low_probability_of_authorization"} <= stripe
    assert _codes(CodeSystem.ADVICE, "stripe") == {"do_not_try_again", "try_again_later", "confirm_card_data"}
    assert set(RAZORPAY_REASONS) <= _codes(CodeSystem.GATEWAY, "razorpay")
    # SERVER_ERROR is read by the server_error rule: codes match case-insensitively.
    assert {"BAD_REQUEST_ERROR", "GATEWAY_ERROR", "server_error"} <= _codes(CodeSystem.GATEWAY, "razorpay")
    assert set(NPCI_CODES) == _codes(CodeSystem.UPI)
    assert set(ISO_CODES) == _codes(CodeSystem.ISO8583)
    assert set(MAC_CODES) == _codes(CodeSystem.MAC)


@pytest.mark.parametrize("code", STRIPE_NON_RETRYABLE)
def test_stripe_billing_non_retryable_codes_are_not_retryable(code: str) -> None:
    assert classify(rules=SHIPPED, request=ClassifierInput(gateway="stripe", code=code)).retryable is False


@pytest.mark.parametrize("code", sorted(VISA_CATEGORY_1))
def test_visa_category_1_codes_are_never_retryable(code: str) -> None:
    decision = classify(rules=SHIPPED, request=ClassifierInput(gateway="other", network_decline_code=code))

    assert decision.retryable is False
    assert decision.category in {Category.DO_NOT_RETRY, Category.CARD_INVALID}


def test_a_mastercard_razorpay_upi_sample_of_documented_decisions() -> None:
    cases = [
        (ClassifierInput(gateway="stripe", code="insufficient_funds"), Category.FUNDS, True),
        (ClassifierInput(gateway="stripe", code="expired_card"), Category.CARD_INVALID, False),
        (ClassifierInput(gateway="stripe", code="processing_error"), Category.NETWORK, True),
        (
            ClassifierInput(gateway="razorpay", code="payment_pending", payment_method_type="upi"),
            Category.UPI_PENDING,
            False,
        ),
        (ClassifierInput(gateway="razorpay", code="insufficient_fund"), Category.FUNDS, True),
        (ClassifierInput(gateway="other", code="U69", payment_method_type="upi"), Category.AUTH_TIMEOUT, True),
        (ClassifierInput(gateway="other", network_advice_code="03"), Category.DO_NOT_RETRY, False),
        (ClassifierInput(gateway="other", network_advice_code="21"), Category.DO_NOT_RETRY, False),
    ]
    for request, category, retryable in cases:
        decision = classify(rules=SHIPPED, request=request)
        assert (decision.category, decision.retryable) == (category, retryable), request


def test_npci_codes_count_only_on_upi_payments() -> None:
    upi = classify(rules=SHIPPED, request=ClassifierInput(gateway="other", code="01", payment_method_type="upi"))
    upi_network = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="other", network_decline_code="01", payment_method_type="upi")
    )
    card = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="other", network_decline_code="01", payment_method_type="card")
    )

    assert (upi.rule, upi.category, upi.action) == ("npci:01", Category.UPI_PENDING, Action.WAIT_FOR_CONFIRMATION)
    assert upi_network.rule == "npci:01"
    assert (card.rule, card.category) == ("iso8583:01", Category.ISSUER_DECLINE)


def _override(**values: object) -> Rule:
    fields: dict[str, object] = {
        "id": "acme:override",
        "code_system": CodeSystem.GATEWAY,
        "gateway": "stripe",
        "code": "insufficient_funds",
        "category": Category.ISSUER_DECLINE,
        "retryable": True,
        "action": Action.RETRY_LATER,
        "explanation": "Ours.",
        "recommendation": "Ours.",
        "cooldown_seconds": 60,
        "priority": 1,
        "is_override": True,
    }
    fields.update(values)
    return Rule(**fields)  # type: ignore[arg-type]


def test_an_organization_override_wins_over_a_default_whatever_its_priority() -> None:
    rules = RuleSet.build((*default_rules(), _override()))

    decision = classify(rules=rules, request=ClassifierInput(gateway="stripe", code="insufficient_funds"))

    assert (decision.rule, decision.category, decision.cooldown_seconds) == (
        "acme:override",
        Category.ISSUER_DECLINE,
        60,
    )


@pytest.mark.parametrize(
    ("request_", "law_rule"),
    [
        (
            ClassifierInput(gateway="stripe", code="insufficient_funds", network_decline_code="41"),
            "law:visa_category_1:41",
        ),
        (
            ClassifierInput(gateway="stripe", code="insufficient_funds", network_advice_code="03"),
            "law:mastercard_mac:03",
        ),
        (
            ClassifierInput(gateway="stripe", code="insufficient_funds", network_advice_code="21"),
            "law:mastercard_mac:21",
        ),
        (
            ClassifierInput(gateway="stripe", code="insufficient_funds", advice_code="do_not_try_again"),
            "law:stripe:do_not_try_again",
        ),
    ],
)
def test_network_law_beats_an_override_that_says_retry(request_: ClassifierInput, law_rule: str) -> None:
    rules = RuleSet.build((*default_rules(), _override(category=Category.FUNDS)))

    decision = classify(rules=rules, request=request_)

    assert decision.retryable is False
    assert decision.rule == law_rule
    assert decision.cooldown_seconds == 0


def test_network_law_applies_to_an_override_of_the_hard_code_itself() -> None:
    override = _override(code_system=CodeSystem.ISO8583, gateway="", code="43", category=Category.FUNDS)
    rules = RuleSet.build((*default_rules(), override))

    decision = classify(rules=rules, request=ClassifierInput(gateway="other", network_decline_code="43"))

    assert (decision.rule, decision.category, decision.retryable) == (
        "law:visa_category_1:43",
        Category.DO_NOT_RETRY,
        False,
    )


def test_stripe_do_not_try_again_as_a_code_is_law_too() -> None:
    rules = RuleSet.build((_override(code="do_not_try_again", category=Category.FUNDS),))

    decision = classify(rules=rules, request=ClassifierInput(gateway="stripe", code="do_not_try_again"))

    assert (decision.rule, decision.retryable) == ("law:stripe:do_not_try_again", False)


def test_mastercard_retry_after_advice_sets_the_earliest_retry() -> None:
    decision = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="stripe", code="processing_error", network_advice_code="27")
    )

    assert decision.rule == "stripe:processing_error"
    assert decision.retryable is True
    assert decision.cooldown_seconds == 4 * 86400
    assert decision.explanation.endswith("Mastercard asks to wait 4 days (advice code 27).")


def test_a_rule_cannot_make_a_never_retryable_category_retryable() -> None:
    rules = RuleSet.build((_override(category=Category.CARD_INVALID, retryable=True),))

    decision = classify(rules=rules, request=ClassifierInput(gateway="stripe", code="insufficient_funds"))

    assert (decision.category, decision.retryable) == (Category.CARD_INVALID, False)


# --- properties ------------------------------------------------------------------------------

KNOWN_CODES = sorted(
    {default.code for default in DEFAULT_RULES if default.code} | set(VISA_CATEGORY_1) | set(MASTERCARD_NEVER_RETRY)
)
codes = st.one_of(st.just(""), st.sampled_from(KNOWN_CODES), st.text(max_size=12))
inputs = st.builds(
    ClassifierInput,
    gateway=st.sampled_from(["stripe", "razorpay", "other", "adyen", "STRIPE", ""]),
    code=codes,
    message=st.one_of(
        st.just(""), st.sampled_from([d.sample for d in DEFAULT_RULES if d.sample]), st.text(max_size=60)
    ),
    payment_method_type=st.sampled_from(PaymentMethodType.values),
    network_decline_code=codes,
    network_advice_code=codes,
    advice_code=st.one_of(
        st.just(""), st.sampled_from(["do_not_try_again", "try_again_later", "confirm_card_data"]), codes
    ),
)
adversarial_overrides = st.lists(
    st.builds(
        _override,
        id=st.text(min_size=1, max_size=10).map(lambda text: f"x:{text}"),
        code_system=st.sampled_from([system for system in CodeSystem if system != CodeSystem.MESSAGE]),
        gateway=st.sampled_from(["", "stripe", "razorpay", "other"]),
        code=st.sampled_from(KNOWN_CODES),
        category=st.sampled_from(list(Category)),
        retryable=st.just(True),
        priority=st.integers(min_value=-100, max_value=1000),
    ),
    max_size=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=inputs, overrides=adversarial_overrides)
def test_no_input_and_no_override_makes_a_hard_decline_retryable(
    request: ClassifierInput, overrides: list[Rule]
) -> None:
    decision = classify(rules=RuleSet.build((*default_rules(), *overrides)), request=request)

    law = law_forbids_retry(
        payment_method_type=request.payment_method_type,
        code=request.code,
        advice_code=request.advice_code,
        network_decline_code=request.network_decline_code,
        network_advice_code=request.network_advice_code,
    )
    if law is not None or decision.category in NEVER_RETRYABLE_CATEGORIES:
        assert decision.retryable is False


@settings(max_examples=400, deadline=None)
@given(request=inputs)
def test_every_input_gets_a_category_an_action_and_a_rule(request: ClassifierInput) -> None:
    decision = classify(rules=SHIPPED, request=request)

    assert decision.category in Category.values
    assert decision.action in Action.values
    assert decision.rule
    assert decision.explanation
    assert decision.cooldown_seconds >= 0


@settings(max_examples=200, deadline=None)
@given(request=inputs)
def test_the_decision_does_not_depend_on_the_order_of_the_rules(request: ClassifierInput) -> None:
    reversed_rules = RuleSet.build(tuple(reversed(default_rules())))

    assert classify(rules=reversed_rules, request=request) == classify(rules=SHIPPED, request=request)
