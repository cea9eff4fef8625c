"""Model instances for hot write paths, built by field name, their column lists read from `_meta`.

`Model(**kwargs)` walks every field, its descriptor and its default for each instance; at two
instances per ingested failure that is a real share of a batch's time. `instance_build` takes
the same keyword arguments and fills the instance's attributes directly, as Django does when it
unpickles one: about a third of the cost. Column order is never written down by hand.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState

from tinko.sql import insert_rows

M = TypeVar("M", bound=models.Model)


@functools.cache
def _blank(model: type[models.Model]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]:
    """Every column's attname in `_meta` order with its default where that is a constant (None,
    "", a literal), and the columns whose default is made anew with the callable that makes it."""
    constants: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            constants[field.attname] = None
            made.append((field.attname, field.default))
        else:
            constants[field.attname] = field.get_default()
    return constants, tuple(made)


@functools.cache
def insert_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The attnames an INSERT of a new row writes: every column but an automatic primary key."""
    pk = model._meta.pk
    auto = pk is not None and isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    return tuple(field.attname for field in model._meta.concrete_fields if not (auto and field is pk))


def instance_build(model: type[M], /, **values: Any) -> M:
    """An unsaved instance with `values` by attname (a foreign key by its id); fields not given
    take their defaults, as with `Model(**values)`."""
    constants, made = _blank(model)
    if not values.keys() <= constants.keys():
        unknown = values.keys() - constants.keys()
        raise TypeError(f"{model.__name__} has no column {', '.join(sorted(unknown))}.")
    attributes = constants.copy()  # in column order, which updates keep
    for attname, make in made:
        if attname not in values:
            attributes[attname] = make()
    attributes.update(values)
    # Empty receiver lists (the usual case) say at once that no one listens to any model.
    if (signals.pre_init.receivers or signals.post_init.receivers) and (
        signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
    ):
        # Someone listens for instances being made: make it the ordinary way, in column order.
        # Typed as a plain callable: the Django type plugin reads positional arguments as the id alone.
        construct: Callable[..., M] = model
        return construct(*attributes.values())
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(attributes)
    return instance


def instance_values(instance: models.Model, fields: Sequence[str]) -> list[Any]:
    """The values of `fields` (attnames) of `instance`, in that order: a row for `tinko.sql`."""
    return [getattr(instance, name) for name in fields]


@functools.lru_cache(maxsize=256)
def _row_getter(fields: tuple[str, ...]) -> Callable[[models.Model], tuple[Any, ...]]:
    get = operator.attrgetter(*fields)
    if len(fields) == 1:
        return lambda instance: (get(instance),)
    return get


def instances_rows(instances: Sequence[models.Model], fields: Sequence[str]) -> list[tuple[Any, ...]]:
    """`instance_values` of many instances: rows for `tinko.sql`, read by one attrgetter each (in C)."""
    return list(map(_row_getter(tuple(fields)), instances))


def instance_mark_saved(instance: models.Model, *, pk: Any, using: str = "default") -> None:
    """Give a row written by `tinko.sql` its id and mark it saved, as `bulk_create` does."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using


@functools.cache
def _foreign_key(model: type[models.Model], name: str) -> models.ForeignKey[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.ForeignKey):
        raise ValueError(f"{model.__name__}.{name} is not a foreign key.")
    return field


def instance_relate(instance: models.Model, name: str, related: models.Model) -> None:
    """Set the related object of foreign key `name` without a query (its id must already match)."""
    _foreign_key(type(instance), name).set_cached_value(instance, related)


@functools.cache
def _filled_on_save(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    """The columns whose field fills in a value as the row is first saved (a public id, auto_now)."""
    return tuple(field for field in model._meta.concrete_fields if type(field).pre_save is not models.Field.pre_save)


def instances_insert(instances: Sequence[models.Model], *, key: str = "public_id") -> None:
    """Write new instances of one model in one statement (`tinko.sql.insert_rows`), their fields'
    values on first save filled in as `save` fills them, and mark them saved with their ids, matched
    back by `key`, a unique field."""
    if not instances:
        return
    model = type(instances[0])
    for field in _filled_on_save(model):
        for instance in instances:
            field.pre_save(instance, True)
    fields = insert_fields(model)
    pk = model._meta.pk
    assert pk is not None
    rows = instances_rows(instances, fields)
    written = insert_rows(model, fields, rows, returning=(pk.attname, key))
    by_key = {getattr(instance, key): instance for instance in instances}
    for pk, value in written:
        instance_mark_saved(by_key[value], pk=pk)
