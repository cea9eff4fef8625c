"""Which rule decides when several could: a network code over a generic gateway code, codes over
messages, and the sandbox's declines under Stripe's rules."""

from __future__ import annotations

from recovery.classifier import FALLBACK_RULE_ID, ClassifierInput, Rule, RuleSet, classify
from recovery.classifier.defaults import default_rules
from recovery.enums import Action, Category, CodeSystem

SHIPPED = RuleSet.build(default_rules())


def _rule(*, slug: str, gateway: str, category: Category) -> Rule:
    return Rule(
        id=slug,
        code_system=CodeSystem.GATEWAY,
        gateway=gateway,
        code="insufficient_funds",
        category=category,
        retryable=True,
        action=Action.RETRY_LATER,
        explanation="Ours.",
        recommendation="Ours.",
    )


def test_a_specific_network_code_beats_a_generic_gateway_code() -> None:
    decision = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="stripe", code="generic_decline", network_decline_code="51")
    )

    assert (decision.rule, decision.category, decision.retryable) == ("iso8583:51", Category.FUNDS, True)


def test_a_hard_network_code_beats_a_retryable_gateway_code() -> None:
    decision = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="stripe", code="insufficient_funds", network_decline_code="43")
    )

    assert (decision.rule, decision.category, decision.retryable) == ("iso8583:43", Category.DO_NOT_RETRY, False)


def test_messages_decide_only_when_no_code_rule_matches() -> None:
    by_code = classify(
        rules=SHIPPED,
        request=ClassifierInput(gateway="stripe", code="insufficient_funds", message="Card reported stolen"),
    )
    unknown_code = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="stripe", code="no_such_code", message="Insufficient balance")
    )
    no_code = classify(rules=SHIPPED, request=ClassifierInput(gateway="adyen", message="Card reported stolen"))

    assert by_code.rule == "stripe:insufficient_funds"
    assert unknown_code.rule == "message:insufficient_funds"
    assert (no_code.rule, no_code.retryable) == ("message:lost_stolen", False)


def test_nothing_known_is_unknown_and_not_retryable() -> None:
    decision = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="other", code="E-4711", message="computer says no")
    )

    assert (decision.rule, decision.category, decision.retryable) == (FALLBACK_RULE_ID, Category.UNKNOWN, False)


def test_codes_match_whatever_their_case_and_spacing() -> None:
    decision = classify(rules=SHIPPED, request=ClassifierInput(gateway=" Stripe ", code=" Insufficient_Funds "))

    assert decision.rule == "stripe:insufficient_funds"


def test_the_sandbox_declines_with_stripes_codes_and_stripes_rules_classify_them() -> None:
    code_only = classify(rules=SHIPPED, request=ClassifierInput(gateway="sandbox", code="insufficient_funds"))
    advice_only = classify(rules=SHIPPED, request=ClassifierInput(gateway="Sandbox", advice_code="do_not_try_again"))
    by_message = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="sandbox", message="Your card has insufficient funds.")
    )
    as_stripe = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="stripe", code="generic_decline", network_decline_code="05")
    )
    as_sandbox = classify(
        rules=SHIPPED, request=ClassifierInput(gateway="sandbox", code="generic_decline", network_decline_code="05")
    )

    assert (code_only.rule, code_only.category, code_only.retryable) == (
        "stripe:insufficient_funds",
        Category.FUNDS,
        True,
    )
    assert (advice_only.rule, advice_only.retryable) == ("stripe-advice:do_not_try_again", False)
    assert by_message.category == Category.FUNDS
    assert as_sandbox == as_stripe
    # Only the sandbox speaks like Stripe.
    other = classify(rules=SHIPPED, request=ClassifierInput(gateway="adyen", code="insufficient_funds"))
    assert other.rule == FALLBACK_RULE_ID


def test_a_rule_for_the_sandbox_itself_beats_stripes_rule_of_the_same_rank() -> None:
    own = _rule(slug="zz:sandbox", gateway="sandbox", category=Category.NETWORK)
    stripes = _rule(slug="aa:stripe", gateway="stripe", category=Category.FUNDS)
    rules = RuleSet.build((own, stripes))

    from_sandbox = classify(rules=rules, request=ClassifierInput(gateway="sandbox", code="insufficient_funds"))
    from_stripe = classify(rules=rules, request=ClassifierInput(gateway="stripe", code="insufficient_funds"))

    assert (from_sandbox.rule, from_stripe.rule) == ("zz:sandbox", "aa:stripe")
