"""Deleting an organization: nobody reaches it at once, its data goes in the background."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.enums import Role
from accounts.models import ApiKey, AuditEvent, Invitation, Membership, Organization
from accounts.services import organization_delete
from accounts.services.organizations import organization_purge, organizations_purge_due
from accounts.tasks import organization_purge_sweep_task
from accounts.tests.factories import ApiKeyFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_starting_a_deletion_shuts_every_door_at_once_and_leaves_the_data_for_the_purge(organization) -> None:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    other = OrganizationFactory.create()
    key, other_key = ApiKeyFactory.issue(organization=organization), ApiKeyFactory.issue(organization=other)
    client = APIClient()

    organization_delete(organization=organization)

    organization.refresh_from_db()
    assert organization.deletion_started_at is not None
    assert not Membership.objects.filter(organization=organization).exists()
    assert not Invitation.objects.filter(organization=organization).exists()
    assert not ApiKey.objects.filter(organization=organization, revoked_at__isnull=True).exists()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.plaintext}")
    assert client.get("/v1/organization").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key.plaintext}")
    assert client.get("/v1/organization").status_code == 200
    event = AuditEvent.objects.get(action="organization.deletion_started")
    assert (event.organization, event.target_id, event.changes) == (
        None,
        organization.public_id,
        {"api_keys_revoked": [None, 1]},
    )
    assert owner.user.memberships.count() == 0


def test_deleting_twice_changes_nothing_the_second_time(organization) -> None:
    organization_delete(organization=organization)
    started = Organization.objects.get(pk=organization.pk).deletion_started_at

    organization_delete(organization=organization)

    assert Organization.objects.get(pk=organization.pk).deletion_started_at == started
    assert AuditEvent.objects.filter(action="organization.deletion_started").count() == 1


def test_the_purge_deletes_in_batches_only_organizations_being_deleted(organization) -> None:
    for _ in range(5):
        ApiKeyFactory.issue(organization=organization)
    assert organization_purge(organization_id=organization.pk) is False  # never deleted: untouched

    organization_delete(organization=organization)
    assert organization_purge(organization_id=organization.pk, batch_size=2) is True

    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not ApiKey.objects.filter(organization_id=organization.pk).exists()
    assert organization_purge(organization_id=organization.pk) is False  # already purged
    assert AuditEvent.objects.filter(action="organization.deleted", target_id=organization.public_id).count() == 1


def test_a_lost_purge_is_sent_again_by_the_sweeper(organization) -> None:
    Organization.objects.filter(pk=organization.pk).update(deletion_started_at=timezone.now() - timedelta(hours=1))
    assert organizations_purge_due() == [organization.pk]

    organization_purge_sweep_task.delay()

    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert organizations_purge_due() == []


def test_platform_admins_delete_through_the_same_service_never_by_cascading_in_the_request(organization) -> None:
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    ApiKeyFactory.issue(organization=organization)
    prefix = f"/{settings.ADMIN_URL_PATH}accounts/organization/"

    assert client.get(f"{prefix}{organization.pk}/delete/").status_code == 403
    response = client.post(prefix, {"action": "delete_organizations", "_selected_action": [str(organization.pk)]})

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.deletion_started_at is not None
    assert not ApiKey.objects.filter(organization=organization, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="organization.deletion_started", actor_user=staff).exists()
