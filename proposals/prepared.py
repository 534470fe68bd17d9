"""Queries compiled to SQL once per process, then run again with other values (Prepared).

A page of a dozen small queries spends several times longer in Django compiling each one than
in the database answering it; the proposal's page and the comparison run theirs through here.
It relies on Django's compiler and model iterator (`get_related_populators`, `klass_info`), so
tests/test_prepared.py checks every query it is used for against the queryset's own result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


class Prepared:
    """A query compiled to SQL once per process, then run again with other values.

    A page of a dozen small queries spends several times longer in Django compiling each one
    than in the database answering it. `build` makes the queryset from placeholders that stand
    for its arguments: a list of ids or texts, an id, a text, a day or a moment; None and
    booleans are passed as they are and choose the query. A list has a placeholder per item, so another length is
    another query: lists are padded to a power of two by repeating their last item, which
    changes nothing in an IN, to keep the queries few. When every list is empty nothing
    matches, and the query is not run. A run returns what the queryset would: its models,
    with their select_related records and annotations, or the tuples of a values_list().
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self.plans: dict[tuple, _Plan] = {}

    def __call__(self, *args) -> list[Model] | list[tuple]:
        lists = [arg for arg in args if isinstance(arg, list)]
        if lists and not any(lists):
            return []
        args = tuple(_padded(arg) if isinstance(arg, list) else arg for arg in args)
        shape = tuple(len(arg) if isinstance(arg, list) else _kind(arg) for arg in args)
        plan = self.plans.get(shape)
        if plan is None:
            plan = self.plans[shape] = _Plan(self.build, args)
        return plan.run(args)


def _padded(items: list) -> list:
    return items + items[-1:] * ((1 << (len(items) - 1).bit_length()) - len(items)) if items else []


def _kind(arg) -> object:
    return arg if arg is None or isinstance(arg, bool) else type(arg)


def _values(args: Iterable) -> list:
    """The arguments that placeholders stand for, in order."""
    values = []
    for arg in args:
        if isinstance(arg, list):
            values.extend(arg)
        elif arg is not None and not isinstance(arg, bool):
            values.append(arg)
    return values


def _placeholder(value, n: int):
    if isinstance(value, int):
        return -1_000_000_000 - n  # no record has a negative id
    if isinstance(value, str):
        return f"\x00placeholder {n}"
    if isinstance(value, dt.datetime):
        return dt.datetime(1000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    if isinstance(value, dt.date):
        return dt.date(1000, 1, 1) + dt.timedelta(days=n)
    raise TypeError(f"Prepared queries take ids, texts, days and moments, not {value!r}")


def _placeholders(args: tuple, first: int) -> list:
    """The arguments with each value replaced by a placeholder, numbered from `first`."""
    marks = iter(_placeholder(value, first + n) for n, value in enumerate(_values(args)))
    return [
        [next(marks) for _ in arg]
        if isinstance(arg, list)
        else arg
        if arg is None or isinstance(arg, bool)
        else next(marks)
        for arg in args
    ]


# A second compilation numbers its placeholders from here: what differs between the two besides
# the placeholders was worked out from an argument (a day's end from the day, say), which the
# compiled query would keep as it was for the first arguments.
SECOND = 1000


class _Plan:
    def __init__(self, build: Callable[..., QuerySet], args: tuple) -> None:
        placeholders = _placeholders(args, 0)
        queryset = build(*placeholders)
        self.models = queryset._iterable_class is ModelIterable
        if not self.models and queryset._iterable_class is not ValuesListIterable:
            raise TypeError("Prepared queries return models, or tuples from values_list().")
        self.db = queryset.db
        connection = connections[self.db]
        compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        # Where each placeholder went, as the database driver receives it.
        stand_ins = [self.adapt(connection, mark) for mark in _values(placeholders)]
        self.slots = [stand_ins.index(p) if p in stand_ins else None for p in params]
        self.params = params
        if set(range(len(stand_ins))) - set(self.slots):
            raise ValueError("A prepared query must use each of its arguments as a value.")
        again = build(*_placeholders(args, SECOND)).query.get_compiler(using=self.db).as_sql()
        fixed = [p for p, slot in zip(params, self.slots, strict=True) if slot is None]
        other = [p for p, slot in zip(again[1], self.slots, strict=True) if slot is None]
        if again[0] != self.sql or fixed != other:
            raise ValueError(
                "A prepared query must take as arguments the values it works out from them."
            )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        if not self.models:
            return
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [
            column[0].target.attname for column in compiler.select[self.start : self.end]
        ]
        self.populators = get_related_populators(klass_info, compiler.select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())

    @staticmethod
    def adapt(connection, value):
        if isinstance(value, dt.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.date):
            return connection.ops.adapt_datefield_value(value)
        return value

    def run(self, args: tuple) -> list[Model] | list[tuple]:
        connection = connections[self.db]
        values = [self.adapt(connection, value) for value in _values(args)]
        params = [
            p if slot is None else values[slot]
            for p, slot in zip(self.params, self.slots, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        objects = []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, (converters, expression) in self.converters:
                    for converter in converters:
                        row[position] = converter(row[position], expression, connection)
            if not self.models:
                objects.append(tuple(row))
                continue
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects
