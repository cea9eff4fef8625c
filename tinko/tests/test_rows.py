"""Instances built by field name in column order, and rows written by tinko.sql marked saved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from recovery.enums import TransactionStatus
from recovery.models import Transaction
from tinko.models import IdempotencyKey
from tinko.rows import (
    insert_fields,
    instance_build,
    instance_mark_saved,
    instance_relate,
    instance_values,
    instances_rows,
)
from tinko.sql import insert_rows

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _values(instance: Transaction) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in Transaction._meta.concrete_fields}


def test_insert_fields_are_every_column_but_the_automatic_id_in_model_order() -> None:
    expected = tuple(field.attname for field in Transaction._meta.concrete_fields if field.name != "id")
    assert insert_fields(Transaction) == expected
    assert insert_fields(Transaction)[:3] == ("livemode", "organization_id", "public_id")


def test_a_built_instance_equals_one_made_with_keywords() -> None:
    values = {
        "organization_id": 7,
        "livemode": False,
        "public_id": "txn_1",
        "transaction_ref": "order-1",
        "amount": 500,
        "currency": "USD",
        "gateway": "stripe",
        "payment_method_type": "card",
        "first_failed_at": T0,
        "last_failed_at": T0,
        "created_at": T0,
        "updated_at": T0,
    }
    built = instance_build(Transaction, **values)

    assert _values(built) == _values(Transaction(**values))
    assert (built.status, built.failure_count, built.metadata, built.recovered_at) == (
        TransactionStatus.FAILED,
        0,
        {},
        None,
    )
    assert built._state.adding is True


def test_an_unknown_column_is_refused() -> None:
    with pytest.raises(TypeError, match="has no column colour"):
        instance_build(Transaction, colour="red")


@pytest.mark.django_db
def test_a_row_written_by_insert_rows_is_marked_saved_and_its_relation_costs_no_query(organization) -> None:
    txn = instance_build(
        Transaction,
        organization_id=organization.pk,
        livemode=False,
        public_id="txn_rows",
        transaction_ref="order-rows",
        amount=500,
        currency="USD",
        gateway="stripe",
        payment_method_type="card",
        category="funds",
        failure_count=1,
        first_failed_at=T0,
        last_failed_at=T0,
    )
    instance_relate(txn, "organization", organization)
    fields = insert_fields(Transaction)
    ((pk,),) = insert_rows(Transaction, fields, [instance_values(txn, fields)], returning=("id",))
    instance_mark_saved(txn, pk=pk)

    assert (txn._state.adding, txn._state.db) == (False, "default")
    assert _values(txn) == _values(Transaction.objects.get(pk=pk))
    with CaptureQueriesContext(connection) as queries:
        assert txn.organization is organization
    assert len(queries) == 0


def test_only_foreign_keys_can_be_related() -> None:
    with pytest.raises(ValueError, match="not a foreign key"):
        instance_relate(IdempotencyKey(), "key", IdempotencyKey())


def test_an_instance_is_made_the_ordinary_way_when_someone_listens_for_it() -> None:
    made: list[Transaction] = []

    def receiver(sender: type, instance: Transaction, **kwargs: object) -> None:
        made.append(instance)

    post_init.connect(receiver, sender=Transaction)
    try:
        built = instance_build(Transaction, public_id="txn_signal", amount=1)
    finally:
        post_init.disconnect(receiver, sender=Transaction)

    assert made == [built]
    assert (built.public_id, built.amount, built.status) == ("txn_signal", 1, TransactionStatus.FAILED)


def test_instances_rows_are_each_instances_values_in_field_order() -> None:
    first = instance_build(Transaction, transaction_ref="order-1", amount=500, metadata={"a": "1"})
    second = instance_build(Transaction, transaction_ref="order-2", amount=700)
    fields = ("amount", "transaction_ref", "metadata")

    assert instances_rows([first, second], fields) == [(500, "order-1", {"a": "1"}), (700, "order-2", {})]
    assert instances_rows([first, second], ("amount",)) == [(500,), (700,)]
    assert [list(values) for values in instances_rows([first], fields)] == [instance_values(first, fields)]
