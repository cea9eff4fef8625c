"""A request that authenticated just before its organization was deleted, and wrote just after.

The ingest tables have no database constraint on their organization, so nothing stops that
write; the sweep that follows every purge deletes it. Real concurrency needs real connections,
on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Organization
from accounts.services import organization_delete
from accounts.tests.factories import OrganizationFactory
from recovery.models import FailureEvent, Transaction
from recovery.orphans import ingest_orphans_delete
from recovery.services import transaction_record_failure
from recovery.tests.factories import failure_input, record_failure
from tinko.tests.locks import held_open

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


def test_what_a_request_in_flight_writes_after_the_purge_is_swept() -> None:
    organization = OrganizationFactory.create()
    record_failure(organization=organization)

    def straggler() -> None:
        transaction_record_failure(
            organization=organization,
            livemode=False,
            failure=failure_input(transaction_ref="late", idempotency_key="late-1"),
        )

    with held_open(straggler):
        # The purge runs on commit (tasks run eagerly in tests) and must not wait for the request.
        organization_delete(organization=organization)
        assert not Organization.objects.filter(pk=organization.pk).exists()
        assert not Transaction.objects.filter(organization_id=organization.pk).exists()

    # The request committed after its organization was gone: its rows are orphans.
    assert list(
        Transaction.objects.filter(organization_id=organization.pk).values_list("transaction_ref", flat=True)
    ) == ["late"]

    deleted = ingest_orphans_delete(organization_id=organization.pk)

    assert deleted == {
        "recovery_failureevent": 1,
        "retries_recoveryattempt": 1,
        "tinko_idempotencykey": 0,
        "recovery_transaction": 1,
    }
    assert not Transaction.objects.filter(organization_id=organization.pk).exists()
    assert not FailureEvent.objects.filter(organization_id=organization.pk).exists()
