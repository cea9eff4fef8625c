"""Classifier rules as rows: shipped by migration, cached, editable in admin without a restart."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import OrganizationFactory, UserFactory
from recovery.classifier import ClassifierInput
from recovery.classifier.defaults import DEFAULT_RULES
from recovery.enums import Action, Category, CodeSystem
from recovery.models import ClassifierRule
from recovery.selectors import classification_for, classifier_ruleset_for
from recovery.services import classifier_rule_delete, classifier_rule_save
from recovery.tests.factories import classifier_rule

STRIPE_FUNDS = ClassifierInput(gateway="stripe", code="insufficient_funds")


@pytest.mark.django_db
def test_the_migration_ships_every_default_as_a_global_rule() -> None:
    rows = {row.slug: row for row in ClassifierRule.objects.filter(organization__isnull=True)}

    assert len(rows) == len(DEFAULT_RULES)
    for default in DEFAULT_RULES:
        row, rule = rows[default.slug], default.to_rule()
        assert row.to_rule() == rule
        assert row.source == default.source
        assert row.is_active is True


@pytest.mark.django_db
def test_an_override_takes_effect_at_once_and_only_for_its_organization(organization) -> None:
    other = OrganizationFactory.create()
    assert classification_for(organization=organization, request=STRIPE_FUNDS).rule == "stripe:insufficient_funds"

    override = classifier_rule(organization=organization, slug="acme:funds")

    mine = classification_for(organization=organization, request=STRIPE_FUNDS)
    theirs = classification_for(organization=other, request=STRIPE_FUNDS)
    assert (mine.rule, mine.category, mine.cooldown_seconds, mine.alternatives) == (
        "acme:funds",
        Category.ISSUER_DECLINE,
        3600,
        ("upi",),
    )
    assert theirs.rule == "stripe:insufficient_funds"

    classifier_rule_delete(rule=override)

    assert classification_for(organization=organization, request=STRIPE_FUNDS).rule == "stripe:insufficient_funds"


@pytest.mark.django_db
def test_editing_a_global_rule_takes_effect_without_a_restart(organization) -> None:
    classification_for(organization=organization, request=STRIPE_FUNDS)
    rule = ClassifierRule.objects.get(slug="stripe:insufficient_funds", organization__isnull=True)
    rule.cooldown_seconds = 7200

    classifier_rule_save(rule=rule)

    assert classification_for(organization=organization, request=STRIPE_FUNDS).cooldown_seconds == 7200


@pytest.mark.django_db
def test_a_deactivated_rule_no_longer_decides(organization) -> None:
    rule = ClassifierRule.objects.get(slug="stripe:insufficient_funds", organization__isnull=True)
    rule.is_active = False

    classifier_rule_save(rule=rule)

    assert classification_for(organization=organization, request=STRIPE_FUNDS).rule == "tinko:unknown"


@pytest.mark.django_db
def test_rules_are_read_from_the_database_once_then_served_from_memory(
    organization, django_assert_num_queries, settings
) -> None:
    settings.CLASSIFIER_RULES_CHECK_SECONDS = 60
    classifier_ruleset_for(organization=organization)

    with django_assert_num_queries(0):
        classifier_ruleset_for(organization=organization)
        classification_for(organization=organization, request=STRIPE_FUNDS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code_pattern": "([", "code": ""}, "code_pattern"),
        ({"category": Category.DO_NOT_RETRY, "retryable": True}, "retryable"),
        ({"code_system": CodeSystem.MESSAGE, "code": "", "message_regex": ""}, "message_regex"),
        ({"code": "", "code_pattern": ""}, "code"),
        ({"alternatives": ["cash"]}, "alternatives"),
    ],
)
def test_an_invalid_rule_is_refused_and_nothing_changes(organization, changes, field) -> None:
    with pytest.raises(ValidationError) as raised:
        classifier_rule(organization=organization, **changes)

    assert field in raised.value.message_dict
    assert not ClassifierRule.objects.filter(organization=organization).exists()


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_admin_tests_a_code_as_the_api_would(admin_client, organization) -> None:
    classifier_rule(organization=organization, slug="acme:funds")
    url = reverse("admin:recovery_classifierrule_test")

    global_only = admin_client.get(
        url, {"gateway": "stripe", "code": "insufficient_funds", "payment_method_type": "card"}
    )
    with_override = admin_client.get(
        url,
        {
            "gateway": "stripe",
            "code": "insufficient_funds",
            "payment_method_type": "card",
            "organization": organization.pk,
        },
    )
    upi = admin_client.get(url, {"gateway": "other", "code": "U30", "payment_method_type": "upi"})

    assert global_only.status_code == 200
    assert [row["decision"].rule for row in global_only.context["results"]] == ["stripe:insufficient_funds"]
    assert [row["decision"].rule for row in with_override.context["results"]] == ["acme:funds"]
    assert [row["decision"].rule for row in upi.context["results"]] == ["npci:U30"]
    assert b"npci:U30" in upi.content


@pytest.mark.django_db
def test_admin_action_tests_the_selected_rules(admin_client) -> None:
    selected = ClassifierRule.objects.filter(slug__in=["iso8583:51", "mac:03", "message:declined"])

    response = admin_client.post(
        reverse("admin:recovery_classifierrule_changelist"),
        {"action": "test_selected_codes", "_selected_action": [rule.pk for rule in selected]},
    )

    assert response.status_code == 200
    assert sorted(row["decision"].rule for row in response.context["results"]) == ["iso8583:51", "mac:03"]
    assert "message:declined" in next(str(message) for message in response.context["messages"])


@pytest.mark.django_db
def test_an_admin_edit_takes_effect_without_a_restart(admin_client, organization) -> None:
    rule = ClassifierRule.objects.get(slug="stripe:insufficient_funds", organization__isnull=True)
    classification_for(organization=organization, request=STRIPE_FUNDS)
    form = {
        "organization": "",
        "slug": rule.slug,
        "is_active": "on",
        "priority": rule.priority,
        "code_system": rule.code_system,
        "gateway": rule.gateway,
        "code": rule.code,
        "code_pattern": "",
        "message_regex": "",
        "category": Category.FUNDS,
        "retryable": "on",
        "action": Action.RETRY_LATER,
        "cooldown_seconds": 172800,
        "alternatives": '["upi"]',
        "recommendation": rule.recommendation,
        "explanation": rule.explanation,
        "source": rule.source,
    }

    response = admin_client.post(reverse("admin:recovery_classifierrule_change", args=[rule.pk]), form)

    assert response.status_code == 302
    decision = classification_for(organization=organization, request=STRIPE_FUNDS)
    assert (decision.cooldown_seconds, decision.alternatives) == (172800, ("upi",))
