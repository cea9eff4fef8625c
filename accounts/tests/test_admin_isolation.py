"""The Django admin, walked from `admin.site._registry` and the URL resolver so that a new ModelAdmin,
admin page or action is covered the moment it is added (its model needs an `@admin_row` factory,
accounts/tests/isolation.py):

- a superuser gets every page of every ModelAdmin without an error;
- every action, run on a selection of organization A's rows, changes nothing else: no other row of
  its model and nothing of organization B;
- people who are not staff, and staff without the model's permission, get no page and no action
  (nothing of B shows, nothing changes); staff who may only view a model change nothing through
  an action either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.enums import Role
from accounts.models import Organization, User
from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from accounts.tests.isolation import MARKER, admin_row_factories, organization_rows
from accounts.tests.urlwalk import Route, all_routes

if TYPE_CHECKING:
    from accounts.tests.isolation import ClientResponse

REGISTRY: dict[str, tuple[type[models.Model], admin.ModelAdmin[Any]]] = {
    model._meta.label: (model, model_admin) for model, model_admin in admin.site._registry.items()
}
LABELS = sorted(REGISTRY)
ADMIN_ROUTES = [route for route in all_routes() if route.is_admin]
# What a model's own pages take: the row's primary key.
MODEL_KWARGS = {"object_id", "id"}
# The site's own pages (index, sign-in, app lists, "view on site", the catch-all) and what they take.
SITE_KWARGS = {"app_label", "content_type_id", "object_id", "url"}
# Django's answers when an action did not run on the selection.
NOT_RUN = ("No action selected", "Items must be selected")


def _prefix(label: str) -> str:
    model = REGISTRY[label][0]
    return f"{settings.ADMIN_URL_PATH}{model._meta.app_label}/{model._meta.model_name}/"


def _model_routes(label: str) -> list[Route]:
    return [route for route in ADMIN_ROUTES if route.route.startswith(_prefix(label))]


SITE_ROUTES = [route for route in ADMIN_ROUTES if not any(route.route.startswith(_prefix(label)) for label in LABELS)]


def _superuser_request() -> Any:
    request = RequestFactory().get("/")
    request.user = User(is_active=True, is_staff=True, is_superuser=True)
    return request


ACTIONS = [(label, name) for label in LABELS for name in REGISTRY[label][1].get_actions(_superuser_request()) or {}]


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _database() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the sessions (signing in writes one)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model is not Session
    }


def _others(model: type[models.Model], row: models.Model) -> list[dict[str, Any]]:
    """The model's rows other than `row` and, for an organization's rows, other than its organization's
    (an action may keep one organization's rows consistent, as making a policy the default does)."""
    others = model._default_manager.exclude(pk=row.pk)
    organization_id = getattr(row, "organization_id", None)
    if organization_id is not None:
        others = others.exclude(organization_id=organization_id)
    return list(others.order_by("pk").values())


def _changelist(label: str) -> str:
    model = REGISTRY[label][0]
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _run_action(client: Client, label: str, action: str, row: models.Model) -> ClientResponse:
    # `post=yes` confirms on the spot the actions that ask first (delete).
    data = {"action": action, "_selected_action": [str(row.pk)], "index": "0", "post": "yes"}
    return client.post(_changelist(label), data)


def _messages(response: ClientResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _body(response: ClientResponse) -> str:
    return response.content.decode(errors="replace")


def test_every_model_admin_has_a_row_factory() -> None:
    missing = sorted(set(LABELS) - set(admin_row_factories()))

    assert not missing, (
        "The admin walk cannot make rows of these models: register @admin_row('<label>') in "
        f"<app>/tests/isolation.py (see accounts/tests/isolation.py): {missing}"
    )


def test_the_walk_knows_what_every_admin_page_takes() -> None:
    unknown = [
        f"{route} takes {sorted(set(route.kwargs) - MODEL_KWARGS)}"
        for label in LABELS
        for route in _model_routes(label)
        if set(route.kwargs) - MODEL_KWARGS
    ]
    unknown += [
        f"{route} takes {sorted(set(route.kwargs) - SITE_KWARGS)}"
        for route in SITE_ROUTES
        if set(route.kwargs) - SITE_KWARGS
    ]

    assert not unknown, f"Teach the admin walk what to put in these URLs: {unknown}"


def test_the_walk_finds_the_admin_pages_and_actions_we_know() -> None:
    assert {"recovery.ClassifierRule", "payments.WebhookEvent", "django_celery_beat.PeriodicTask"} <= set(LABELS)
    assert "admin:recovery_classifierrule_test" in {route.name for route in _model_routes("recovery.ClassifierRule")}
    assert {
        ("payments.WebhookEvent", "reprocess"),
        ("recovery.ClassifierRule", "test_selected_codes"),
        ("accounts.Organization", "delete_organizations"),
    } <= set(ACTIONS)


def _expected_status(route: Route, model_admin: admin.ModelAdmin[Any], row: models.Model) -> int:
    request = _superuser_request()
    if not route.name:
        return 302  # `<object_id>/` sends to the change page
    if route.name.endswith("_add"):
        return 200 if model_admin.has_add_permission(request) else 403
    if route.name.endswith("_delete"):
        return 200 if model_admin.has_delete_permission(request, row) else 403
    return 200


@pytest.mark.django_db
@pytest.mark.parametrize("label", LABELS)
def test_a_superuser_gets_every_page_of_each_model_admin(label: str) -> None:
    model_admin = REGISTRY[label][1]
    row = admin_row_factories()[label](OrganizationFactory.create(name=MARKER))
    client = _signed_in(UserFactory.create(is_staff=True, is_superuser=True))
    values = dict.fromkeys(MODEL_KWARGS, str(row.pk))

    answers = {str(route): client.get(route.fill(values)).status_code for route in _model_routes(label)}
    expected = {str(route): _expected_status(route, model_admin, row) for route in _model_routes(label)}
    if model_admin.search_fields:
        answers["search"], expected["search"] = client.get(_changelist(label), {"q": MARKER}).status_code, 200

    assert answers == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "action"), ACTIONS, ids=[f"{label}-{action}" for label, action in ACTIONS])
def test_an_action_on_organization_as_rows_changes_nothing_else(label: str, action: str) -> None:
    model = REGISTRY[label][0]
    factory = admin_row_factories()[label]
    org_a, org_b = OrganizationFactory.create(), OrganizationFactory.create(name=MARKER)
    row_a, _ = factory(org_a), factory(org_b)
    client = _signed_in(UserFactory.create(is_staff=True, is_superuser=True))
    others, b_rows = _others(model, row_a), organization_rows(org_b)

    response = _run_action(client, label, action, row_a)

    assert response.status_code in (200, 302)
    assert not [message for message in _messages(response) if message.startswith(NOT_RUN)], "it did not run"
    assert _others(model, row_a) == others, f"{action} changed rows that were not selected"
    assert organization_rows(org_b) == b_rows, f"{action} changed organization B's data"
    if action == "delete_selected":
        assert not model._default_manager.filter(pk=row_a.pk).exists()


def _people_without_permission() -> dict[str, User]:
    """The owner of another organization, who is not staff; and staff (with two-factor sign-in)
    without any model permission."""
    owner = MembershipFactory.create(role=Role.OWNER).user
    return {"owner, not staff": owner, "staff, no permission": UserFactory.create(is_staff=True)}


@pytest.mark.django_db
@pytest.mark.parametrize("label", LABELS)
def test_people_without_the_model_permission_get_no_page_and_no_action(label: str) -> None:
    model, model_admin = REGISTRY[label]
    org_b = OrganizationFactory.create(name=MARKER)
    row = admin_row_factories()[label](org_b)
    values = dict.fromkeys(MODEL_KWARGS, str(row.pk))
    actions = list(model_admin.get_actions(_superuser_request()) or {})

    for person, user in _people_without_permission().items():
        client = _signed_in(user)
        rows, b_rows = list(model._default_manager.order_by("pk").values()), organization_rows(org_b)
        for route in _model_routes(label):
            response = client.get(route.fill(values))
            refused = {302} if not user.is_staff or not route.name else {403}
            assert response.status_code in refused, f"{person}: {route} answered {response.status_code}"
            assert MARKER not in _body(response), f"{person}: {route} shows organization B"
        for action in actions:
            response = _run_action(client, label, action, row)
            assert response.status_code in (302, 403), f"{person}: {action} answered {response.status_code}"
        assert list(model._default_manager.order_by("pk").values()) == rows, f"{person} changed {label}"
        assert organization_rows(org_b) == b_rows, f"{person} changed organization B's data"


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "action"), ACTIONS, ids=[f"{label}-{action}" for label, action in ACTIONS])
def test_staff_who_may_only_view_a_model_change_nothing_through_its_actions(label: str, action: str) -> None:
    model = REGISTRY[label][0]
    row = admin_row_factories()[label](OrganizationFactory.create(name=MARKER))
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type=ContentType.objects.get_for_model(model), codename=f"view_{model._meta.model_name}"
        )
    )
    client = _signed_in(viewer)
    before = _database()

    response = _run_action(client, label, action, row)

    assert response.status_code in (200, 302, 403)
    assert _database() == before, f"a viewer's {action} on {label} changed data"


def _site_values(route: Route, organization: Organization) -> list[dict[str, str]]:
    if "app_label" in route.kwargs:
        return [{"app_label": label} for label in sorted({REGISTRY[label][0]._meta.app_label for label in LABELS})]
    if "url" in route.kwargs:
        return [{"url": "no-such-page/"}]
    if "content_type_id" in route.kwargs:
        content_type = ContentType.objects.get_for_model(Organization)
        return [{"content_type_id": str(content_type.pk), "object_id": str(organization.pk)}]
    return [{}]


@pytest.mark.django_db
def test_the_admin_sites_own_pages_answer_without_an_error_and_show_b_to_the_superuser_only() -> None:
    org_b = OrganizationFactory.create(name=MARKER)
    for label in LABELS:
        admin_row_factories()[label](org_b)
    people = {**_people_without_permission(), "superuser": UserFactory.create(is_staff=True, is_superuser=True)}

    for person, user in people.items():
        for route in SITE_ROUTES:
            for values in _site_values(route, org_b):
                response = _signed_in(user).get(route.fill(values))
                assert response.status_code < 500, f"{person}: {route} {values} answered {response.status_code}"
                if person != "superuser":
                    assert MARKER not in _body(response), f"{person}: {route} {values} shows organization B"
