"""Django admin: organizations with branding, memberships, keys without secrets, read-only audit and invitations."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.enums import Role
from accounts.models import Invitation
from accounts.services import SYSTEM, api_key_create, invitation_create
from accounts.tests.factories import MembershipFactory, UserFactory


@pytest.mark.django_db
def test_platform_admins_see_accounts_without_secrets(organization) -> None:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    issued = api_key_create(organization=organization, name="Backend", actor=SYSTEM)
    invitation = invitation_create(by=owner, email="ravi@example.com", role=Role.ADMIN, actor=SYSTEM).invitation
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    pages = {
        "organization": client.get(f"/admin/accounts/organization/{organization.pk}/change/"),
        "key": client.get(f"/admin/accounts/apikey/{issued.api_key.pk}/change/"),
        "invitation": client.get(f"/admin/accounts/invitation/{invitation.pk}/change/"),
        "audit": client.get("/admin/accounts/auditevent/"),
        "memberships": client.get("/admin/accounts/membership/"),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert "Accent colour" in pages["organization"].content.decode()
    assert issued.plaintext not in pages["key"].content.decode()
    assert invitation.token_hash not in pages["invitation"].content.decode()
    assert "member.invited" in pages["audit"].content.decode()
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert Invitation.objects.count() == 1
