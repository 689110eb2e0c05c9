"""`column__any=[...]`: membership in a long list of values, bound as one parameter.

Django compiles a plain `__in` list value by value — at ingestion's tens of thousands of ids per
batch that cost more than the queries themselves — and SQLite caps the parameters of a statement,
which forced chunked loops. `__any` binds the whole list once: `= ANY(array)` on PostgreSQL (an
index scan whatever the list's length) and `IN (SELECT value FROM json_each(?))` on SQLite.
Registered on every field by MdmConfig.ready().
"""

from __future__ import annotations

import orjson
from django.db.models import Field, ForeignObject, Lookup

# Column types whose values need no conversion when already of this Python type.
_PLAIN = {**dict.fromkeys(("CharField", "TextField", "SlugField"), str),
          **dict.fromkeys(("IntegerField", "BigIntegerField", "AutoField", "BigAutoField", "SmallIntegerField",
                           "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"), int)}


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = list(self.rhs)
        # Text ids against a text column, whole numbers against an integer one: nothing to convert
        # (a batch's tens of thousands of values each went through the field's conversion).
        plain = _PLAIN.get(field.get_internal_type())
        if plain is None or not all(type(value) is plain for value in values):
            values = [field.get_db_prep_value(value, connection, prepared=False) for value in values]
        if not values:
            return "1 = 0", list(lhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, _array_literal(values)]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, orjson.dumps(values).decode()]


def _array_literal(values: list) -> str | list:
    """PostgreSQL's text form of an array of whole numbers or strings, built here in one pass: the
    driver dumps a list element by element in Python, for each of a batch's values."""
    kinds = {type(value) for value in values}
    if kinds == {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == {str}:
        return "{" + ",".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                              for value in values) + "}"
    return values  # anything else (None, dates, …): the driver's own dumping


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # relations keep a lookup registry of their own
