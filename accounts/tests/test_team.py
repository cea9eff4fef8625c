"""Teams: invitations, accepting them, roles, removals, the last owner, switching organizations."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone

from accounts.access import SESSION_ORGANIZATION_KEY
from accounts.enums import Role
from accounts.exceptions import AlreadyMemberError, InvitationUnavailableError, LastOwnerError, RoleRequiredError
from accounts.models import ApiKey, AuditEvent, Invitation, Membership
from accounts.services import (
    SYSTEM,
    Actor,
    api_key_create,
    invitation_accept,
    invitation_create,
    invitation_token_hash,
    membership_change_role,
    membership_remove,
)
from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "correct horse battery staple"


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def owner(organization) -> Membership:
    return MembershipFactory.create(organization=organization, role=Role.OWNER)


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner.user)
    return client


@pytest.mark.django_db
def test_inviting_sends_a_single_use_link_and_keeps_only_its_hash(
    owner_client: Client, owner, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/app/team/invitations/", {"email": "Ravi@Example.com", "role": "admin"})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organization, invitation.email, invitation.role, invitation.invited_by) == (
        owner.organization,
        "ravi@example.com",
        Role.ADMIN,
        owner.user,
    )
    assert invitation.expires_at == invitation.created_at + timedelta(days=7)
    [email] = mail.outbox
    assert email.to == ["ravi@example.com"]
    assert email.subject == f"Join {owner.organization.name} on Tinko"
    match = re.search(r"/invitations/([^/]+)/", str(email.body))
    assert match
    token = match.group(1)
    assert invitation.token_hash == invitation_token_hash(token)
    assert token not in str(Invitation.objects.values().get())
    assert isinstance(email, EmailMultiAlternatives)
    assert email.alternatives[0][1] == "text/html"
    event = AuditEvent.objects.get(action="member.invited")
    assert (event.actor_user, event.target_label, event.changes) == (
        owner.user,
        "ravi@example.com",
        {"role": [None, "admin"]},
    )


@pytest.mark.django_db
def test_nothing_is_sent_when_the_invitation_is_not_committed(owner, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create(by=owner, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM)

    assert len(callbacks) == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_inviting_again_replaces_the_open_invitation(owner) -> None:
    first = invitation_create(by=owner, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM)
    second = invitation_create(by=owner, email="RAVI@example.com", role=Role.ADMIN, actor=SYSTEM)

    first.invitation.refresh_from_db()
    assert first.invitation.revoked_at is not None
    assert Client().get(_path(first.url)).status_code == 410
    assert Client().get(_path(second.url)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("by_role", "invite_role", "message"),
    [
        (Role.ADMIN, Role.OWNER, "Only an owner can invite another owner."),
        (Role.ANALYST, Role.ANALYST, "Only owners and admins can invite people."),
    ],
)
def test_roles_limit_who_can_be_invited(organization, by_role: Role, invite_role: Role, message: str) -> None:
    by = MembershipFactory.create(organization=organization, role=by_role)

    with pytest.raises(RoleRequiredError, match=message):
        invitation_create(by=by, email="x@example.com", role=invite_role, actor=SYSTEM)

    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="member.invited").exists()


@pytest.mark.django_db
def test_inviting_a_member_is_refused(owner, owner_client: Client) -> None:
    teammate = MembershipFactory.create(organization=owner.organization, role=Role.ANALYST)

    response = owner_client.post("/app/team/invitations/", {"email": teammate.user.email.upper(), "role": "admin"})

    assert response.status_code == 422
    assert f"{teammate.user.email} is already a member" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_an_existing_user_signs_in_from_the_link_and_accepts(owner) -> None:
    ravi = UserFactory.create(email="ravi@example.com")
    issued = invitation_create(by=owner, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM)
    client = Client()

    page = client.get(_path(issued.url))
    assert page.status_code == 200
    assert "Sign in to accept" in page.content.decode()
    login = client.post(
        f"/accounts/login/?next={_path(issued.url)}", {"login": "ravi@example.com", "password": PASSWORD}
    )
    assert login["Location"] == _path(issued.url)
    assert "Accept invitation" in client.get(_path(issued.url)).content.decode()
    response = client.post(_path(issued.url))

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    membership = Membership.objects.get(user=ravi)
    assert (membership.organization, membership.role) == (owner.organization, Role.ANALYST)
    assert client.session[SESSION_ORGANIZATION_KEY] == owner.organization.pk
    assert AuditEvent.objects.filter(action="member.joined", actor_user=ravi, organization=owner.organization).exists()
    assert client.get(_path(issued.url)).status_code == 410, "the link works once"


@pytest.mark.django_db
def test_an_expired_invitation_cannot_be_accepted(owner) -> None:
    ravi = UserFactory.create(email="ravi@example.com")
    issued = invitation_create(by=owner, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM)
    client = Client()
    client.force_login(ravi)

    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        page = client.get(_path(issued.url))
        with pytest.raises(InvitationUnavailableError):
            invitation_accept(invitation=issued.invitation, user=ravi, actor=SYSTEM)

    assert page.status_code == 410
    assert "It has expired." in page.content.decode()
    assert not Membership.objects.filter(user=ravi).exists()


@pytest.mark.django_db
def test_an_invitation_for_another_address_is_not_accepted(owner) -> None:
    mallory = UserFactory.create(email="mallory@example.com")
    issued = invitation_create(by=owner, email="ravi@example.com", role=Role.ADMIN, actor=SYSTEM)
    client = Client()
    client.force_login(mallory)

    assert "but you are signed in as mallory@example.com" in client.get(_path(issued.url)).content.decode()
    response = client.post(_path(issued.url))

    assert response.status_code == 409
    assert not Membership.objects.filter(user=mallory).exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_at is None


@pytest.mark.django_db
def test_an_unknown_link_is_404(client: Client) -> None:
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "The link is not valid" in response.content.decode()


@pytest.mark.django_db
def test_accepting_as_a_member_already_is_refused(owner) -> None:
    issued = invitation_create(by=owner, email="ravi@example.com", role=Role.ADMIN, actor=SYSTEM)
    ravi = MembershipFactory.create(organization=owner.organization, user__email="ravi@example.com", role=Role.ANALYST)

    with pytest.raises(AlreadyMemberError):
        invitation_accept(invitation=issued.invitation, user=ravi.user, actor=SYSTEM)

    ravi.refresh_from_db()
    assert ravi.role == Role.ANALYST


@pytest.mark.django_db
def test_revoking_and_resending_from_the_team_page(
    owner, owner_client: Client, django_capture_on_commit_callbacks
) -> None:
    issued = invitation_create(by=owner, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM)
    public_id = issued.invitation.public_id

    with django_capture_on_commit_callbacks(execute=True):
        resent = owner_client.post(f"/app/team/invitations/{public_id}/resend/", HTTP_HX_REQUEST="true")
    assert resent.status_code == 200
    assert resent.content.decode().strip().startswith(f'<tr id="invitation-{public_id}">')
    assert Client().get(_path(issued.url)).status_code == 404, "the old link stops working"
    assert len(mail.outbox) == 1

    revoked = owner_client.post(f"/app/team/invitations/{public_id}/revoke/", HTTP_HX_REQUEST="true")
    assert revoked.status_code == 200
    assert revoked.content == b""
    issued.invitation.refresh_from_db()
    assert issued.invitation.revoked_at is not None
    assert list(AuditEvent.objects.filter(target_id=public_id).values_list("action", flat=True).order_by("pk")) == [
        "member.invited",
        "member.invitation_resent",
        "member.invitation_revoked",
    ]


@pytest.mark.django_db
def test_an_admin_promotes_an_analyst_from_the_team_page(organization) -> None:
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    analyst = MembershipFactory.create(organization=organization, role=Role.ANALYST)
    client = Client()
    client.force_login(admin.user)

    response = client.post(f"/app/team/members/{analyst.public_id}/role/", {"role": "admin"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="member-{analyst.public_id}">')
    assert f"{analyst.user.email} is now admin." in body
    analyst.refresh_from_db()
    assert analyst.role == Role.ADMIN
    event = AuditEvent.objects.get(action="member.role_changed")
    assert (event.actor_user, event.target_id, event.changes) == (
        admin.user,
        analyst.public_id,
        {"role": ["analyst", "admin"]},
    )


@pytest.mark.django_db
def test_an_admin_cannot_touch_an_owner_or_make_one(organization) -> None:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    analyst = MembershipFactory.create(organization=organization, role=Role.ANALYST)

    with pytest.raises(RoleRequiredError):
        membership_change_role(membership=owner, role=Role.ANALYST, by=admin, actor=SYSTEM)
    with pytest.raises(RoleRequiredError):
        membership_change_role(membership=analyst, role=Role.OWNER, by=admin, actor=SYSTEM)
    with pytest.raises(RoleRequiredError):
        membership_remove(membership=owner, by=admin, actor=SYSTEM)

    assert dict(Membership.objects.values_list("pk", "role")) == {
        owner.pk: Role.OWNER,
        admin.pk: Role.ADMIN,
        analyst.pk: Role.ANALYST,
    }
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_last_owner_cannot_be_demoted_or_leave(owner, owner_client: Client) -> None:
    with pytest.raises(LastOwnerError):
        membership_change_role(membership=owner, role=Role.ADMIN, by=owner, actor=SYSTEM)

    response = owner_client.post("/app/team/leave/")

    assert response.status_code == 302
    assert response["Location"] == "/app/team/"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["The last owner cannot leave: make someone else owner first, or delete the organization."]
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_with_two_owners_one_may_step_down_and_then_leave(owner) -> None:
    second = MembershipFactory.create(organization=owner.organization, role=Role.OWNER)

    membership_change_role(membership=owner, role=Role.ADMIN, by=owner, actor=Actor(user=owner.user))
    membership_remove(membership=owner, by=owner, actor=Actor(user=owner.user))

    assert list(Membership.objects.values_list("pk", "role")) == [(second.pk, Role.OWNER)]
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "member.role_changed",
        "member.left",
    ]


@pytest.mark.django_db
def test_an_admin_removes_an_analyst(organization) -> None:
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    analyst = MembershipFactory.create(organization=organization, role=Role.ANALYST)
    client = Client()
    client.force_login(admin.user)

    response = client.post(f"/app/team/members/{analyst.public_id}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=analyst.pk).exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.target_label, event.changes) == (
        "member.removed",
        analyst.user.email,
        {"role": ["analyst", None]},
    )
    removed = Client()
    removed.force_login(analyst.user)
    assert removed.get("/app/")["Location"] == "/app/organizations/new/"


@pytest.mark.django_db
def test_switching_organizations_is_limited_to_ones_own() -> None:
    first = MembershipFactory.create(role=Role.OWNER)
    second = MembershipFactory.create(user=first.user, role=Role.ANALYST)
    stranger = OrganizationFactory.create()
    client = Client()
    client.force_login(first.user)
    assert f"<h1>{first.organization.name}</h1>" in client.get("/app/").content.decode()

    response = client.post("/app/organizations/switch/", {"organization": second.organization.public_id})
    assert response["Location"] == "/app/"
    page = client.get("/app/").content.decode()
    assert f"<h1>{second.organization.name}</h1>" in page
    assert client.get("/app/api-keys/").status_code == 403, "an analyst there"

    refused = client.post("/app/organizations/switch/", {"organization": stranger.public_id})
    assert refused.status_code == 404
    assert client.session[SESSION_ORGANIZATION_KEY] == second.organization.pk


@pytest.mark.django_db
def test_a_person_without_an_organization_creates_one_and_owns_it() -> None:
    user = UserFactory.create()
    client = Client()
    client.force_login(user)

    assert client.get("/app/")["Location"] == "/app/organizations/new/"
    response = client.post(
        "/app/organizations/new/",
        {"organization_name": "Second Shop", "time_zone": "Europe/Berlin", "default_currency": "EUR"},
    )

    assert response["Location"] == "/app/"
    membership = Membership.objects.get(user=user)
    assert (membership.organization.name, membership.role, membership.organization.default_currency) == (
        "Second Shop",
        Role.OWNER,
        "EUR",
    )
    assert client.session[SESSION_ORGANIZATION_KEY] == membership.organization.pk


class _BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError("mail server down")


@pytest.mark.django_db(transaction=True)
def test_an_invitation_whose_email_fails_is_saved_and_the_failure_logged(
    owner, owner_client: Client, settings, caplog
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}._BrokenMailServer"

    with caplog.at_level(logging.ERROR, logger="accounts.services.invitations"):
        response = owner_client.post("/app/team/invitations/", {"email": "ravi@example.com", "role": "admin"})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.revoked_at) == ("ravi@example.com", None)
    assert [(record.getMessage(), record.org_id, record.exc_info[0]) for record in caplog.records] == [
        ("invitation_send_failed", owner.organization.public_id, ConnectionRefusedError)
    ]


@pytest.mark.django_db
def test_removing_a_member_revokes_the_invitations_they_sent_and_the_keys_they_created(organization) -> None:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    elsewhere = MembershipFactory.create(user=admin.user, role=Role.ADMIN)
    sent = invitation_create(by=admin, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM).invitation
    kept = invitation_create(by=owner, email="mei@example.com", role=Role.ANALYST, actor=SYSTEM).invitation
    sent_elsewhere = invitation_create(by=elsewhere, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM)
    created = api_key_create(organization=organization, name="Admin's", created_by=admin.user).api_key
    other_key = api_key_create(organization=organization, name="Owner's", created_by=owner.user).api_key
    created_elsewhere = api_key_create(
        organization=elsewhere.organization, name="Admin's", created_by=admin.user
    ).api_key
    AuditEvent.objects.all().delete()
    client = Client()
    client.force_login(owner.user)

    page = client.get("/app/team/").content.decode()
    response = client.post(f"/app/team/members/{admin.public_id}/remove/")

    assert "Their pending invitations and the API keys they created are revoked too." in page
    assert response.status_code == 302
    revoked = {
        "sent": Invitation.objects.get(pk=sent.pk).revoked_at is not None,
        "kept": Invitation.objects.get(pk=kept.pk).revoked_at is not None,
        "sent elsewhere": Invitation.objects.get(pk=sent_elsewhere.invitation.pk).revoked_at is not None,
        "created": ApiKey.objects.get(pk=created.pk).revoked_at is not None,
        "other key": ApiKey.objects.get(pk=other_key.pk).revoked_at is not None,
        "created elsewhere": ApiKey.objects.get(pk=created_elsewhere.pk).revoked_at is not None,
    }
    assert revoked == {
        "sent": True,
        "kept": False,
        "sent elsewhere": False,
        "created": True,
        "other key": False,
        "created elsewhere": False,
    }
    events = AuditEvent.objects.filter(organization=organization).order_by("pk")
    assert [(e.action, e.actor_user, e.target_id, e.changes) for e in events] == [
        ("member.invitation_revoked", owner.user, sent.public_id, {"reason": [None, "inviter removed"]}),
        ("api_key.revoked", owner.user, created.public_id, {"reason": [None, "creator removed"]}),
        ("member.removed", owner.user, admin.public_id, {"role": ["admin", None]}),
    ]
    assert AuditEvent.objects.exclude(organization=organization).count() == 0


@pytest.mark.django_db
def test_leaving_revokes_what_the_leaver_sent_and_created(organization) -> None:
    MembershipFactory.create(organization=organization, role=Role.OWNER)
    admin = MembershipFactory.create(organization=organization, role=Role.ADMIN)
    sent = invitation_create(by=admin, email="ravi@example.com", role=Role.ANALYST, actor=SYSTEM).invitation
    created = api_key_create(organization=organization, name="Admin's", created_by=admin.user).api_key

    membership_remove(membership=admin, by=admin, actor=Actor(user=admin.user))

    sent.refresh_from_db()
    created.refresh_from_db()
    assert (sent.revoked_at is not None, created.revoked_at is not None) == (True, True)
