"""The audit log: written with the change, filterable in the console, read-only in admin."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory

from accounts.enums import Role
from accounts.models import AuditEvent, Membership
from accounts.services import SYSTEM, Actor, audit_changes, audit_record, membership_change_role
from accounts.tests.factories import MembershipFactory, OrganizationFactory


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_the_changes_transaction(organization) -> None:
    with pytest.raises(RuntimeError, match="must run inside the transaction"):
        audit_record(organization=organization, actor=SYSTEM, action="test.outside")

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_leaves_no_audit_row(organization) -> None:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    analyst = MembershipFactory.create(organization=organization, role=Role.ANALYST)

    @transaction.atomic
    def promote_then_fail() -> None:
        membership_change_role(membership=analyst, role=Role.ADMIN, by=owner, actor=Actor(user=owner.user))
        raise RuntimeError("something after the change failed")

    with pytest.raises(RuntimeError, match="something after the change failed"):
        promote_then_fail()

    assert Membership.objects.get(pk=analyst.pk).role == Role.ANALYST
    assert not AuditEvent.objects.exists()


def test_audit_changes_keeps_only_what_changed_as_json() -> None:
    changes = audit_changes(
        {"a": 1, "b": "x", "c": None, "zone": ZoneInfo("UTC")},
        {"a": 2, "b": "x", "d": True, "zone": ZoneInfo("Asia/Kolkata")},
    )

    assert changes == {"a": [1, 2], "d": [None, True], "zone": ["UTC", "Asia/Kolkata"]}


@pytest.mark.django_db
def test_a_malformed_action_is_refused_by_the_database(organization) -> None:
    with pytest.raises(IntegrityError):
        audit_record(organization=organization, actor=SYSTEM, action="Not An Action")


def _event(organization, action: str, at: str, actor=None) -> AuditEvent:
    with time_machine.travel(datetime.fromisoformat(at), tick=False):
        return audit_record(organization=organization, actor=actor or SYSTEM, action=action)


@pytest.mark.django_db
def test_the_audit_page_filters_by_action_person_and_day_in_the_organizations_time_zone() -> None:
    organization = OrganizationFactory.create(time_zone="Asia/Kolkata")
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    other = MembershipFactory.create(organization=organization, role=Role.ANALYST)
    # 20:00 UTC on the 1st is already the 2nd in Kolkata (UTC+5:30).
    late = _event(organization, "api_key.created", "2026-03-01T20:00:00+00:00", Actor(user=admin.user))
    early = _event(organization, "api_key.created", "2026-03-01T10:00:00+00:00", Actor(user=other.user))
    _event(organization, "member.invited", "2026-03-02T10:00:00+00:00", Actor(user=admin.user))
    _event(OrganizationFactory.create(), "api_key.created", "2026-03-02T10:00:00+00:00")
    client = Client()
    client.force_login(admin.user)

    def shown(query: str) -> list[str]:
        page = client.get(f"/app/audit/?{query}").context["page"]
        return [event.public_id for event in page.object_list]

    assert shown("action=api_key.created") == [late.public_id, early.public_id]
    assert shown(f"action=api_key.created&actor={other.user.public_id}") == [early.public_id]
    assert shown("action=api_key.created&since=2026-03-02&until=2026-03-02") == [late.public_id]
    assert shown("until=2026-03-01") == [early.public_id]
    assert len(shown("")) == 3, "only this organization's events"


@pytest.mark.django_db
def test_the_audit_page_answers_htmx_with_the_results_only(organization) -> None:
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)

    body = client.get("/app/audit/?action=", HTTP_HX_REQUEST="true").content.decode()

    assert body.strip().startswith('<section id="audit-results"')


@pytest.mark.django_db
def test_the_audit_log_is_read_only_in_django_admin(organization) -> None:
    event = audit_record(organization=organization, actor=SYSTEM, action="organization.updated")
    request = RequestFactory().get("/admin/")
    model_admin = site._registry[AuditEvent]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
