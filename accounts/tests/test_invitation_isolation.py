"""/invitations/<token>/ keeps organizations apart: a token makes its reader a member of its own
organization with its own role and changes nothing anywhere else; a member of B who accepts A's
invitation gains A and nothing in B; the link of a revoked, expired or used invitation reveals
nothing about it and leaves no pending invitation behind for a sign-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.access import SESSION_INVITATION_KEY, SESSION_ORGANIZATION_KEY
from accounts.enums import Role
from accounts.models import Invitation, Membership, Organization, User
from accounts.services import SYSTEM, IssuedInvitation, api_key_create, invitation_create, invitation_revoke
from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from accounts.tests.isolation import MARKER, organization_rows

pytestmark = pytest.mark.django_db


def _invite(organization: Organization, email: str, role: Role) -> IssuedInvitation:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    return invitation_create(by=owner, email=email, role=role, actor=SYSTEM)


def _path(issued: IssuedInvitation) -> str:
    return "/invitations/" + issued.url.rstrip("/").rsplit("/", 1)[1] + "/"


def _roles(user: User) -> dict[str, str]:
    return {m.organization.name: m.role for m in Membership.objects.filter(user=user).select_related("organization")}


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_token_makes_its_reader_a_member_of_its_own_organization_only() -> None:
    org_a, org_b = OrganizationFactory.create(name="Acme"), OrganizationFactory.create(name=MARKER)
    ravi = UserFactory.create()
    issued_a = _invite(org_a, ravi.email, Role.ADMIN)
    issued_b = _invite(org_b, ravi.email, Role.OWNER)
    client = _signed_in(ravi)
    before = organization_rows(org_b)

    response = client.post(_path(issued_a))

    assert (response.status_code, response["Location"]) == (302, "/app/")
    assert _roles(ravi) == {"Acme": Role.ADMIN}
    assert client.session[SESSION_ORGANIZATION_KEY] == org_a.pk
    assert organization_rows(org_b) == before
    assert Invitation.objects.get(pk=issued_b.invitation.pk).accepted_at is None, "B's own invitation is B's to use"


def test_a_member_of_b_who_accepts_as_invitation_gains_a_and_nothing_in_b() -> None:
    org_a, org_b = OrganizationFactory.create(name="Acme"), OrganizationFactory.create(name=MARKER)
    membership_b = MembershipFactory.create(organization=org_b, role=Role.ANALYST)
    api_key_create(organization=org_b, name="B's backend")
    issued = _invite(org_a, membership_b.user.email, Role.OWNER)
    client = _signed_in(membership_b.user)
    before = organization_rows(org_b)

    accepted = client.post(_path(issued))
    keys_in_a = client.get("/app/api-keys/")
    switched = client.post("/app/organizations/switch/", {"organization": org_b.public_id})
    keys_in_b = client.get("/app/api-keys/")

    assert accepted.status_code == 302
    assert _roles(membership_b.user) == {"Acme": Role.OWNER, MARKER: Role.ANALYST}
    assert keys_in_a.status_code == 200
    assert "B&#x27;s backend" not in keys_in_a.content.decode()
    assert "B's backend" not in keys_in_a.content.decode()
    assert switched.status_code == 302
    assert keys_in_b.status_code == 403, "an analyst of B is still an analyst of B"
    assert organization_rows(org_b) == before


def test_an_invitation_cannot_change_the_role_of_someone_already_a_member() -> None:
    organization = OrganizationFactory.create()
    ravi = UserFactory.create()
    issued = _invite(organization, ravi.email, Role.OWNER)
    MembershipFactory.create(organization=organization, user=ravi, role=Role.ANALYST)
    client = _signed_in(ravi)
    before = organization_rows(organization)

    response = client.post(_path(issued))

    assert response.status_code == 409
    assert _roles(ravi) == {organization.name: Role.ANALYST}
    assert organization_rows(organization) == before


def _close(issued: IssuedInvitation, state: str) -> None:
    if state == "revoked":
        invitation_revoke(
            invitation=issued.invitation, by=Membership.objects.get(user=issued.invitation.invited_by), actor=SYSTEM
        )
    elif state == "used":
        _signed_in(User.objects.get(email=issued.invitation.email)).post(_path(issued))


@pytest.mark.parametrize("state", ["revoked", "expired", "used"])
@pytest.mark.parametrize("visitor", ["anonymous", "invitee", "member of another organization"])
def test_the_link_of_a_closed_invitation_reveals_nothing_and_leaves_nothing_pending(state: str, visitor: str) -> None:
    organization = OrganizationFactory.create(name=MARKER)
    invitee = UserFactory.create(email="ravi.invitee@example.com", full_name="Ravi Invitee")
    issued = _invite(organization, invitee.email, Role.ADMIN)
    inviter = issued.invitation.invited_by
    assert inviter is not None
    _close(issued, state)
    people = {
        "anonymous": None,
        "invitee": invitee,
        "member of another organization": MembershipFactory.create(role=Role.OWNER).user,
    }
    person = people[visitor]
    client = _signed_in(person) if person else Client()
    before = organization_rows(organization)

    with time_machine.travel(timezone.now() + timedelta(days=8 if state == "expired" else 0)):
        answers = [client.get(_path(issued)), client.post(_path(issued))]

    assert [answer.status_code for answer in answers] == [410, 410]
    for answer in answers:
        page = answer.content.decode()
        for secret in (MARKER, invitee.email, inviter.get_full_name(), inviter.email, organization.public_id, "Admin"):
            assert secret not in page, f"a closed invitation's page shows {secret!r}"
    assert SESSION_INVITATION_KEY not in client.session
    assert organization_rows(organization) == before
