"""The tenant-isolation registry: how to make another organization's object for each URL the suites walk.

Every route of the URLconf is walked by one suite (accounts/tests/test_tenant_isolation.py
fails for a route none of them covers):

- console (`/app/…`) and API (`/v1/…`) URLs that take an id (test_tenant_isolation.py): the
  object is made in organization B with the factory registered for each kwarg, and requested
  as organization A. To register one:

      @isolation_factory("transaction_id")
      def transaction_id(organization: Organization) -> str:
          return TransactionFactory.create(organization=organization).public_id

- public URLs, reached with a link or a secret instead of a session or an API key
  (`/webhooks/…`, `/sandbox/…`, `/invitations/…`; test_public_isolation.py): register how
  the holder of one organization's link uses it, with `@public_route("<url name>", unknown=…)`.
- the admin (test_admin_isolation.py): every registered ModelAdmin needs a row factory,
  `@admin_row("<app_label>.<Model>")`, that makes a row belonging to an organization.
- routes that address no organization's objects are listed in TENANT_FREE_ROUTES, with why.

Registrations live in `<app>/tests/isolation.py`, imported automatically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client

from accounts.enums import Role
from accounts.mfa_keys import mfa_secret_encrypt
from accounts.models import ApiKey, AuditEvent, Invitation, Membership, Organization, OrganizationLogo, User
from accounts.services import SYSTEM, api_key_create, audit_record, invitation_create
from accounts.tests.factories import STAFF_TOTP, MembershipFactory, UserFactory

if TYPE_CHECKING:
    # What the test client answers (an ClientResponse with .json(), .wsgi_request, …).
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

# Organization B's name: a response that shows it has leaked B to A.
MARKER = "Zebra-Secret-Org"

IsolationFactory = Callable[[Organization], str]
_REGISTRY: dict[str, IsolationFactory] = {}


@dataclass(frozen=True)
class PublicVisit:
    """One organization's object at a public URL, and the request that whoever legitimately holds
    its link (a payer, an invitee, the organization's gateway) sends to it."""

    kwargs: dict[str, str]
    # Sends the holder's request to `path`: to this object's own URL, or to another organization's.
    send: Callable[[Client, str], ClientResponse]


PublicVisitFactory = Callable[[Organization], PublicVisit]


@dataclass(frozen=True)
class PublicRoute:
    name: str
    visit: PublicVisitFactory
    # URL kwargs that name no object at all.
    unknown: dict[str, str]
    # True when the holder's request carries a credential besides the URL (a signature, a signed-in
    # person): sent to another organization's URL, it must be refused.
    carries_credential: bool


_PUBLIC: dict[str, PublicRoute] = {}

AdminRowFactory = Callable[[Organization], models.Model]
_ADMIN_ROWS: dict[str, AdminRowFactory] = {}

# Routes outside /app/, /v1/ and the admin that take no id of any organization's object, and why.
TENANT_FREE_ROUTES: dict[str, str] = {
    "landing": "the public home page",
    "favicon": "a redirect to the site icon",
    "healthz": "liveness, no data",
    "readyz": "readiness of the database, cache and workers, no data",
    "api-schema": "the OpenAPI document",
    "api-docs": "the API's documentation page",
}
TENANT_FREE_PREFIXES: dict[str, str] = {
    "accounts/": "allauth: a person's own sign-in, sign-up, e-mail and two-factor pages",
}


def isolation_factory(kwarg: str) -> Callable[[IsolationFactory], IsolationFactory]:
    """Register `factory(organization) -> value` for URLs with the keyword argument `kwarg`."""

    def register(factory: IsolationFactory) -> IsolationFactory:
        if kwarg in _REGISTRY and _REGISTRY[kwarg] is not factory:
            raise ValueError(f"An isolation factory for {kwarg!r} is already registered.")
        _REGISTRY[kwarg] = factory
        return factory

    return register


def public_route(
    name: str, *, unknown: dict[str, str], carries_credential: bool
) -> Callable[[PublicVisitFactory], PublicVisitFactory]:
    """Register `visit(organization) -> PublicVisit` for the public URL named `name`."""

    def register(visit: PublicVisitFactory) -> PublicVisitFactory:
        if name in _PUBLIC and _PUBLIC[name].visit is not visit:
            raise ValueError(f"A public route {name!r} is already registered.")
        _PUBLIC[name] = PublicRoute(name=name, visit=visit, unknown=unknown, carries_credential=carries_credential)
        return visit

    return register


def admin_row(label: str) -> Callable[[AdminRowFactory], AdminRowFactory]:
    """Register `factory(organization) -> row` for the admin of the model `label` ("app_label.Model"):
    a row that belongs to the organization, or, for models no organization owns, one of its own."""

    def register(factory: AdminRowFactory) -> AdminRowFactory:
        if label in _ADMIN_ROWS and _ADMIN_ROWS[label] is not factory:
            raise ValueError(f"An admin row factory for {label!r} is already registered.")
        _ADMIN_ROWS[label] = factory
        return factory

    return register


def _import_registrations() -> None:
    """Import `<app>.tests.isolation` of each project app, which registers that app's factories."""
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        inside_project = base in Path(config.path).resolve().parents and ".venv" not in Path(config.path).parts
        if inside_project and find_spec(f"{config.name}.tests") and find_spec(f"{config.name}.tests.isolation"):
            import_module(f"{config.name}.tests.isolation")


def isolation_factories() -> dict[str, IsolationFactory]:
    """Every registered kwarg factory."""
    _import_registrations()
    return dict(_REGISTRY)


def public_routes() -> dict[str, PublicRoute]:
    """Every registered public route, by URL name."""
    _import_registrations()
    return dict(_PUBLIC)


def admin_row_factories() -> dict[str, AdminRowFactory]:
    """Every registered admin row factory, by model label."""
    _import_registrations()
    return dict(_ADMIN_ROWS)


# --- what an organization owns, to show that a request changed none of it ----------------------


def _organization_field(model: type[models.Model]) -> models.Field[Any, Any] | None:
    field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
    return field if field is not None and field.related_model is Organization else None


def _user_fields(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is User and model is not User
    ]


def organization_rows(organization: Organization) -> dict[str, list[dict[str, Any]]]:
    """Every row `organization` owns: its own, every row that names it as its organization, its
    members' users, and the rows of models no organization owns that belong to those users."""
    rows: dict[str, list[dict[str, Any]]] = {
        "accounts.Organization": [dict(row) for row in Organization.objects.filter(pk=organization.pk).values()]
    }
    member_ids = list(Membership.objects.filter(organization=organization).values_list("user_id", flat=True))
    rows["accounts.User"] = [dict(row) for row in User.objects.filter(pk__in=member_ids).order_by("pk").values()]
    for model in apps.get_models():
        if _organization_field(model) is not None:
            owned = model._default_manager.filter(organization=organization)
        elif user_fields := _user_fields(model):
            owned = model._default_manager.filter(
                models.Q.create([(f"{name}__in", member_ids) for name in user_fields], connector=models.Q.OR)
            )
        else:
            continue
        rows[model._meta.label] = list(owned.order_by("pk").values())
    return rows


# --- accounts' registrations ------------------------------------------------------------------


@isolation_factory("member_id")
def member_id(organization: Organization) -> str:
    return MembershipFactory.create(organization=organization, role=Role.ANALYST).public_id


@isolation_factory("invitation_id")
def invitation_id(organization: Organization) -> str:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    return invitation_create(
        by=owner, email="isolated@example.com", role=Role.ANALYST, actor=SYSTEM
    ).invitation.public_id


@isolation_factory("key_id")
def key_id(organization: Organization) -> str:
    return api_key_create(organization=organization, name="Isolated key").api_key.public_id


@public_route("invitation", unknown={"token": "Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0nPq3"}, carries_credential=True)
def invitation_visit(organization: Organization) -> PublicVisit:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    invitee = UserFactory.create()
    issued = invitation_create(by=owner, email=invitee.email, role=Role.ADMIN, actor=SYSTEM)
    token = issued.url.rstrip("/").rsplit("/", 1)[1]

    def accept(client: Client, path: str) -> ClientResponse:
        client.force_login(invitee)
        return client.post(path)

    return PublicVisit(kwargs={"token": token}, send=accept)


@public_route("brand-logo", unknown={"org_id": "org_0000000000000000", "version": "0" * 16}, carries_credential=False)
def brand_logo_visit(organization: Organization) -> PublicVisit:
    content = f"PNG of {organization.public_id}".encode()
    logo = OrganizationLogo.objects.create(
        organization=organization, content=content, sha256=hashlib.sha256(content).hexdigest(), width=1, height=1
    )

    def show(client: Client, path: str) -> ClientResponse:
        return client.get(path)

    return PublicVisit(kwargs={"org_id": organization.public_id, "version": logo.sha256[:16]}, send=show)


def _member(organization: Organization) -> User:
    return MembershipFactory.create(organization=organization, role=Role.ANALYST).user


@admin_row("accounts.Organization")
def organization_row(organization: Organization) -> Organization:
    return organization


@admin_row("accounts.User")
def user_row(organization: Organization) -> User:
    return _member(organization)


@admin_row("accounts.Membership")
def membership_row(organization: Organization) -> Membership:
    return MembershipFactory.create(organization=organization, role=Role.ANALYST)


@admin_row("accounts.ApiKey")
def api_key_row(organization: Organization) -> ApiKey:
    return api_key_create(organization=organization, name="Admin walk").api_key


@admin_row("accounts.Invitation")
def invitation_row(organization: Organization) -> Invitation:
    owner = MembershipFactory.create(organization=organization, role=Role.OWNER)
    return invitation_create(by=owner, email="walked@example.com", role=Role.ANALYST, actor=SYSTEM).invitation


@admin_row("accounts.AuditEvent")
def audit_event_row(organization: Organization) -> AuditEvent:
    return audit_record(organization=organization, actor=SYSTEM, action="organization.updated")


@admin_row("auth.Group")
def group_row(organization: Organization) -> Group:
    return Group.objects.create(name=f"Support for {organization.slug}")


@admin_row("account.EmailAddress")
def email_address_row(organization: Organization) -> EmailAddress:
    user = _member(organization)
    return EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)


@admin_row("mfa.Authenticator")
def authenticator_row(organization: Organization) -> Authenticator:
    return Authenticator.objects.create(
        user=_member(organization), type=Authenticator.Type.TOTP, data={"secret": mfa_secret_encrypt(STAFF_TOTP)}
    )
