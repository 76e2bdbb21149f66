"""An id no column can hold matches nothing, instead of failing the query with a 500.

Ids come from addresses, filters and posted bodies, typed by anyone (``/transparencia/
99999999999999999999/informes/1/``, ``?version=1e30``). Django already answers an integer
field's ``exact``, ``lt``, ``gte``… with an out-of-range number as "nothing matches" (or
"everything"), but a foreign key's ``exact`` and every ``in`` pass the number on to the
database, and SQLite's driver refuses anything beyond 64 bits (OverflowError). Registered once
(``register``, from the site's ``AppConfig.ready``), these lookups leave such a number out of
the query, so every page, filter, form and API call answers 404 or 400 as for any id that does
not exist.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def column_range(field, connection) -> tuple[int | None, int | None] | None:
    """(lowest, highest) the column behind ``field`` holds; None when it holds no integers."""
    target = getattr(field, "target_field", field)
    if not isinstance(target, IntegerField):
        return None
    return connection.ops.integer_field_range(target.get_internal_type())


def fits(value, bounds: tuple[int | None, int | None] | None) -> bool:
    if bounds is None or not isinstance(value, int):
        return True
    lowest, highest = bounds
    return (lowest is None or value >= lowest) and (highest is None or value <= highest)


class OutOfRangeIdsDropped:
    """``in``: the numbers no row can have are left out (none left: nothing matches)."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and not isinstance(self.lhs, ColPairs):
            bounds = column_range(self.lhs.output_field, connection)
            self.rhs = [value for value in self.rhs if fits(value, bounds)]
        return super().process_rhs(compiler, connection)


class IntegerIn(OutOfRangeIdsDropped, In):
    pass


class RelatedInRange(OutOfRangeIdsDropped, RelatedIn):
    pass


class RelatedExactInRange(RelatedExact):
    """A foreign key equal to a number its column cannot hold: nothing matches."""

    def process_rhs(self, compiler, connection):
        if not fits(self.rhs, column_range(self.lhs.output_field, connection)):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerIn)
    ForeignObject.register_lookup(RelatedInRange)
    ForeignObject.register_lookup(RelatedExactInRange)
