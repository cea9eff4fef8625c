"""The console's rules page: overrides added, edited and deleted with their audit rows, the
test-a-code box, roles and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.enums import Role
from accounts.models import AuditEvent
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from recovery.models import ClassifierRule

pytestmark = pytest.mark.django_db

TEST_51 = {"test-gateway": "stripe", "test-network_decline_code": "51", "test-payment_method_type": "card"}


def _client(role: Role) -> tuple[Client, Any]:
    member = MembershipFactory.create(role=role)
    client = Client()
    client.force_login(member.user)
    return client, member.organization


def _rule(**changes: str) -> dict[str, Any]:
    return {
        "slug": "shop:iso-51",
        "code_system": "iso8583",
        "gateway": "",
        "code": "51",
        "category": "funds",
        "retryable": "on",
        "action": "retry_later",
        "cooldown_seconds": "7200",
        "alternatives": ["upi"],
        "priority": "50",
        "explanation": "Our payers are paid on the 1st.",
        "recommendation": "Wait for pay day.",
        "is_active": "on",
    } | changes


def test_an_override_wins_in_the_test_box_and_is_audited() -> None:
    client, organization = _client(Role.ADMIN)

    added = client.post(reverse("console:rule_new"), _rule())
    tested = client.get(reverse("console:rules"), TEST_51)

    assert added.status_code == 302
    rule = ClassifierRule.objects.get(organization=organization)
    assert (rule.slug, rule.cooldown_seconds, rule.alternatives) == ("shop:iso-51", 7200, ["upi"])
    text = tested.content.decode()
    assert "Decided by <code>shop:iso-51</code>" in text
    assert "your override, priority 50" in text
    assert AuditEvent.objects.get(organization=organization).action == "classifier_rule.created"


def test_the_test_box_answers_htmx_with_its_fragment_only() -> None:
    client, _ = _client(Role.ANALYST)

    response = client.get(reverse("console:rules"), TEST_51, headers={"HX-Request": "true", "HX-Target": "test-result"})

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="test-result"')


def test_edit_and_delete_are_audited_and_other_organizations_rules_are_unreachable() -> None:
    client, organization = _client(Role.OWNER)
    client.post(reverse("console:rule_new"), _rule())
    other = OrganizationFactory.create()
    theirs_values = {**_rule(slug="theirs"), "alternatives": [], "retryable": True, "is_active": True}
    ClassifierRule.objects.create(organization=other, **theirs_values)

    edited = client.post(reverse("console:rule_edit", args=["shop:iso-51"]), _rule(priority="70"))
    theirs = client.post(reverse("console:rule_delete", args=["theirs"]))
    deleted = client.post(reverse("console:rule_delete", args=["shop:iso-51"]))

    assert (edited.status_code, theirs.status_code, deleted.status_code) == (302, 404, 302)
    assert not ClassifierRule.objects.filter(organization=organization).exists()
    assert ClassifierRule.objects.filter(organization=other).exists()
    actions = list(AuditEvent.objects.filter(organization=organization).order_by("pk").values_list("action", flat=True))
    assert actions == ["classifier_rule.created", "classifier_rule.updated", "classifier_rule.deleted"]


def test_an_invalid_rule_is_shown_again_and_nothing_is_stored() -> None:
    client, organization = _client(Role.ADMIN)

    response = client.post(reverse("console:rule_new"), _rule(code="", code_pattern="([", category="do_not_retry"))

    assert response.status_code == 422
    text = response.content.decode()
    assert "Not a valid regular expression" in text
    assert "never retryable" in text
    assert not ClassifierRule.objects.filter(organization=organization).exists()
    assert not AuditEvent.objects.filter(organization=organization).exists()


def test_an_analyst_sees_the_rules_but_cannot_add_one() -> None:
    client, organization = _client(Role.ANALYST)

    page = client.get(reverse("console:rules"))
    refused = client.post(reverse("console:rule_new"), _rule())

    assert page.status_code == 200
    assert "Add a rule" not in page.content.decode()
    assert refused.status_code == 403
    assert not ClassifierRule.objects.filter(organization=organization).exists()
