"""The tenant-isolation registry: how to make another organization's object for each URL kwarg.

The isolation suite (accounts/tests/test_tenant_isolation.py) walks every console URL
(`/app/…`) and API URL (`/v1/…`) that takes an id, creates the object in organization B
with the factory registered for each kwarg, and requests it as organization A. A URL
whose kwarg has no factory fails the suite. To register one, add `<app>/tests/isolation.py`
(it is imported automatically) with:

    from accounts.tests.isolation import isolation_factory

    @isolation_factory("transaction_id")
    def transaction_id(organization: Organization) -> str:
        return TransactionFactory.create(organization=organization).public_id
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from django.apps import apps
from django.conf import settings

from accounts.enums import Role
from accounts.models import Organization
from accounts.services import SYSTEM, api_key_create, invitation_create
from accounts.tests.factories import MembershipFactory

IsolationFactory = Callable[[Organization], str]
_REGISTRY: dict[str, IsolationFactory] = {}


def isolation_factory(kwarg: str) -> Callable[[IsolationFactory], IsolationFactory]:
    """Register `factory(organization) -> value` for URLs with the keyword argument `kwarg`."""

    def register(factory: IsolationFactory) -> IsolationFactory:
        if kwarg in _REGISTRY and _REGISTRY[kwarg] is not factory:
            raise ValueError(f"An isolation factory for {kwarg!r} is already registered.")
        _REGISTRY[kwarg] = factory
        return factory

    return register


def isolation_factories() -> dict[str, IsolationFactory]:
    """Every registered factory, after importing `<app>.tests.isolation` of each project app."""
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        inside_project = base in Path(config.path).resolve().parents and ".venv" not in Path(config.path).parts
        if inside_project and find_spec(f"{config.name}.tests") and find_spec(f"{config.name}.tests.isolation"):
            import_module(f"{config.name}.tests.isolation")
    return dict(_REGISTRY)


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
