"""The daily check for ingest rows left behind by an organization deleted outside Django."""

import logging

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Organization
from accounts.tests.factories import OrganizationFactory
from recovery.models import FailureEvent, Transaction
from recovery.orphans import ingest_orphans_check, ingest_orphans_delete, ingest_orphans_recorded
from recovery.tasks import ingest_orphans_check_task, ingest_orphans_delete_task
from recovery.tests.factories import record_failure
from retries.models import RecoveryAttempt
from tinko.models import IdempotencyKey
from tinko.schedules import PERIODIC_TASKS

pytestmark = pytest.mark.django_db

TABLES = ("recovery_transaction", "recovery_failureevent", "retries_recoveryattempt", "tinko_idempotencykey")


def ingest(organization: Organization, *, failures: int, keys: int) -> None:
    for _ in range(failures):
        record_failure(organization=organization)
    for number in range(keys):
        IdempotencyKey.objects.create(
            organization=organization,
            livemode=False,
            key=f"key-{number}",
            fingerprint="f",
            response_status=201,
            response_body=b"{}",
            created_at=timezone.now(),
        )


def delete_bypassing_django(organization: Organization) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Organization._meta.db_table)} WHERE id = %s",
            [organization.pk],
        )


def test_rows_of_a_deleted_organization_are_counted_logged_and_recorded(organization, caplog) -> None:
    gone = OrganizationFactory.create()
    ingest(organization, failures=2, keys=1)
    ingest(gone, failures=3, keys=2)
    delete_bypassing_django(gone)

    with caplog.at_level(logging.INFO, logger="recovery.orphans"):
        counts = ingest_orphans_check()

    assert counts == {
        "recovery_transaction": 3,
        "recovery_failureevent": 3,
        "retries_recoveryattempt": 3,
        "tinko_idempotencykey": 2,
    }
    [record] = [record for record in caplog.records if record.getMessage() == "ingest_orphans_found"]
    assert (record.levelno, record.total, record.tables) == (logging.WARNING, 11, counts)
    assert {table: ingest_orphans_recorded(table=table) for table in TABLES} == counts


def test_an_organization_deleted_through_django_leaves_nothing_behind(organization, caplog) -> None:
    doomed = OrganizationFactory.create()
    ingest(organization, failures=1, keys=1)
    ingest(doomed, failures=2, keys=2)
    doomed.delete()

    with caplog.at_level(logging.INFO, logger="recovery.orphans"):
        ingest_orphans_check_task.delay()

    [record] = [record for record in caplog.records if record.getMessage() == "ingest_orphans_found"]
    assert (record.levelno, record.total) == (logging.INFO, 0)
    assert {table: ingest_orphans_recorded(table=table) for table in TABLES} == dict.fromkeys(TABLES, 0)


def test_the_daily_check_deletes_the_orphans_it_found_and_nothing_else(organization) -> None:
    gone = OrganizationFactory.create()
    ingest(organization, failures=2, keys=1)
    ingest(gone, failures=3, keys=2)
    delete_bypassing_django(gone)

    ingest_orphans_check_task.delay()

    assert ingest_orphans_check() == dict.fromkeys(TABLES, 0)
    assert (Transaction.objects.count(), FailureEvent.objects.count(), IdempotencyKey.objects.count()) == (2, 2, 1)
    assert RecoveryAttempt.objects.count() == 2
    assert set(Transaction.objects.values_list("organization_id", flat=True)) == {organization.pk}


def test_one_deleted_organizations_stragglers_are_deleted_in_batches(caplog) -> None:
    first, second = OrganizationFactory.create(), OrganizationFactory.create()
    ingest(first, failures=3, keys=3)
    ingest(second, failures=1, keys=1)
    delete_bypassing_django(first)
    delete_bypassing_django(second)

    with caplog.at_level(logging.INFO, logger="recovery.orphans"):
        deleted = ingest_orphans_delete(organization_id=first.pk, batch_size=2)

    assert deleted == {
        "recovery_failureevent": 3,
        "retries_recoveryattempt": 3,
        "tinko_idempotencykey": 3,
        "recovery_transaction": 3,
    }
    [record] = [record for record in caplog.records if record.getMessage() == "ingest_orphans_deleted"]
    assert (record.levelno, record.organization_id, record.tables) == (logging.WARNING, first.pk, deleted)
    assert ingest_orphans_check() == {
        "recovery_transaction": 1,
        "recovery_failureevent": 1,
        "retries_recoveryattempt": 1,
        "tinko_idempotencykey": 1,
    }
    ingest_orphans_delete_task.delay(second.pk)
    assert ingest_orphans_check() == dict.fromkeys(TABLES, 0)


def test_no_count_is_recorded_before_the_first_check() -> None:
    assert ingest_orphans_recorded(table="recovery_transaction") is None


def test_the_check_runs_daily() -> None:
    [spec] = [spec for spec in PERIODIC_TASKS if spec.task == "recovery.ingest_orphans_check"]

    assert spec.every_seconds == 86_400
