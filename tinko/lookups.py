"""`field__any=[…]`: `field__in` for a list of values, sent to PostgreSQL as one array parameter.

`field__in` writes one placeholder per value, and Django prepares, checks and binds each value on
its own: for the few hundred ids a retry worker's task reads and writes a dozen times, that is a
millisecond per statement before the database sees it. `__any` says `field = ANY(%s)` with the list
as a single array, the same rows. On SQLite, and for anything but a plain list of values (a
subquery, an expression), it is `__in` itself.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        field = self.lhs.output_field
        # As `__in`: None matches nothing, and no values at all match no row.
        values = [
            field.get_db_prep_value(value, connection, prepared=True)
            for value in dict.fromkeys(self.rhs)
            if value is not None
        ]
        if not values:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s::{field.cast_db_type(connection)}[])", (*lhs_params, values)


@ForeignObject.register_lookup
class RelatedAnyOf(RelatedIn, AnyOf):
    """`__any` on a foreign key (`transaction_id__any=[…]`): its values made ids as `__in` makes them."""

    lookup_name = "any"
