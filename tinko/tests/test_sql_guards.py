"""tinko.sql.row_absent: the guard an insert_chain uses to write only what is not there yet."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from accounts.tests.factories import OrganizationFactory
from tinko.idempotency import StoredResponse, idempotency_store
from tinko.models import IdempotencyKey
from tinko.sql import row_absent


def _holds(sql: str, params: tuple[Any, ...]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db
def test_the_guard_holds_until_a_matching_row_exists_in_that_organization(organization) -> None:
    other = OrganizationFactory.create()
    guard = row_absent(IdempotencyKey, {"organization": organization.pk, "key": "k"})
    assert _holds(guard.sql, guard.params) is True

    idempotency_store(organization=other, livemode=False, responses=[("k", "f", StoredResponse(201, b"{}"))])
    assert _holds(guard.sql, guard.params) is True
    idempotency_store(organization=organization, livemode=False, responses=[("k", "f", StoredResponse(201, b"{}"))])
    assert _holds(guard.sql, guard.params) is False


@pytest.mark.django_db
def test_non_empty_fields_are_said_to_be_non_empty(organization) -> None:
    guard = row_absent(IdempotencyKey, {"organization": organization.pk}, non_empty=("key",))

    assert guard.sql.endswith(f"{connection.ops.quote_name('key')} <> '')")
    assert guard.params == (organization.pk,)
