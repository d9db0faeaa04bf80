"""The few expressions whose SQL differs between PostgreSQL and SQLite, so that the
selectors speak one API on both engines.

Medians: PostgreSQL computes `percentile_cont(0.5)` inside the grouped query. SQLite has no
such aggregate; there the median is read from the ordered durations themselves (a count,
then the one or two middle values by OFFSET), never by loading rows into Python.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Expression, F, FloatField, Func, QuerySet
from django.db.models.sql.compiler import SQLCompiler

SECONDS_PER_DAY = 86400.0


class DaysBetween(Func):
    """(end - start) in days, as a float, for two datetime or date columns."""

    output_field = FloatField()

    def __init__(self, end: str | Expression, start: str | Expression) -> None:
        super().__init__(end, start)

    def as_sql(  # type: ignore[override]
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra: Any,
    ) -> tuple[str, list[Any]]:
        template = "(julianday(%(expressions)s))"
        if connection.vendor == "postgresql":
            template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / " + f"{SECONDS_PER_DAY})"
        arg_joiner = " - " if connection.vendor == "postgresql" else ") - julianday("
        sql, params = super().as_sql(
            compiler, connection, template=template, arg_joiner=arg_joiner, **extra
        )
        return sql, list(params)


class Median(Aggregate):
    """PostgreSQL's continuous median; other engines use `median()` below."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def postgres() -> bool:
    return connection.vendor == "postgresql"


def median(queryset: QuerySet[Any], value: str | Expression) -> float | None:
    """The median of `value` over the rows of `queryset` (nulls left out), in SQL."""
    expression = F(value) if isinstance(value, str) else value
    if postgres():
        result = queryset.aggregate(median=Median(expression))["median"]
        return None if result is None else float(result)
    ordered = (
        queryset.annotate(median_value=expression)
        .filter(median_value__isnull=False)
        .order_by("median_value")
        .values_list("median_value", flat=True)
    )
    n = ordered.count()
    if n == 0:
        return None
    middle = [float(v) for v in ordered[(n - 1) // 2 : n // 2 + 1]]
    return sum(middle) / len(middle)


def one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
