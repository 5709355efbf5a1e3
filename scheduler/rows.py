"""Inserting rows in one plain statement, for the writes of every booking.

Django's bulk_create and save build their INSERT through the query compiler each time: for
a booking's row, its client and its two or three outbox rows that cost 1-2 ms of CPU per
statement on the bench machine (measured with process_time: 1.95 ms for two outbox rows),
and the plain statement a quarter of it (0.55 ms).
The statement is made from the model's own fields (every concrete field but the primary
key, each value prepared by its field as Django's save would: defaults are applied when the
instance is made, auto_now_add by pre_save), so a field added to the model is written here
too. rows_insert sends no signals, as bulk_create; row_create sends those of a save.

Several rows go, on PostgreSQL, as one array per column (INSERT ... SELECT * FROM UNNEST, as
Django's own bulk_create does): psycopg keeps the parsed form of a statement of at most 50
parameters only, and parsing the four outbox rows' 76 placeholders again cost 0.17 ms each
time; the columns' arrays are 19 parameters, whatever the number of rows.
"""

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.signals import post_save, pre_save


@cache
def _fields(model: type[Model]) -> tuple:
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


def _by_columns(model: type[Model], count: int) -> bool:
    """Whether `count` rows go as one array per column (UNNEST)."""
    return count > 1 and _unnestable(model)


@cache
def _unnestable(model: type[Model]) -> bool:
    """Only plain column types go in arrays (as Django's bulk_create decides)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return (
        connection.vendor == "postgresql"
        and not any(hasattr(field, "get_placeholder") for field in _fields(model))
        and all(
            (field.target_field if field.is_relation else field).get_internal_type() in connection.data_types
            for field in _fields(model)
        )
    )


@cache
def _statement(model: type[Model], count: int, conflict: tuple[str, ...]) -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    fields = _fields(model)
    if _by_columns(model, count):
        # Without the types' lengths (varchar[], not varchar(20)[]), as Django: nothing is cut.
        arrays = ", ".join(f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields)
        values = f"SELECT * FROM UNNEST({arrays})"
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        values = f"VALUES {', '.join([row] * count)}"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"{values}"
    )
    if conflict:
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in conflict)
        sql += f" ON CONFLICT ({columns}) DO NOTHING"
    return f"{sql} RETURNING {quote(model._meta.pk.column)}"


def rows_insert(objs: Sequence[Model], *, unless_conflict: tuple[str, ...] = ()) -> list[Model]:
    """Insert `objs` (instances of one model, unsaved) in one statement and set their primary
    keys; returns them. `unless_conflict` names the fields of a unique constraint: a row
    that would break it is not inserted, and only the inserted instances are returned
    (for a single row: [] when it exists already)."""
    if not objs:
        return []
    if unless_conflict and len(objs) != 1:  # which rows were left out, the ids alone would not say
        raise ValueError("rows_insert: unless_conflict takes a single row")
    connection = connections[DEFAULT_DB_ALIAS]  # once: each use of the proxy looks it up again
    model = type(objs[0])
    fields = _fields(model)
    params = []
    for obj in objs:
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(obj, add=True), connection))
    if _by_columns(model, len(objs)):
        params = [params[column :: len(fields)] for column in range(len(fields))]
    with connection.cursor() as cursor:
        cursor.execute(_statement(model, len(objs), tuple(unless_conflict)), params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:  # the one row exists already (unless_conflict)
        return []
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objs)


def row_create(obj: Model) -> Model:
    """Insert one new instance as its save() would (Model.save_base of a model without parents
    or a save() of its own): pre_save, the row, post_save with created=True, so that every
    receiver hears of it. Returns it."""
    model = type(obj)
    if model._meta.parents:  # its parents' rows would be missing
        raise ValueError("row_create: not for a model with parents")
    alias = connections[DEFAULT_DB_ALIAS].alias
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    rows_insert([obj])
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias)
    return obj
