"""The few expressions whose SQL differs between PostgreSQL and SQLite, so that the
selectors speak one API on both engines.

Medians: PostgreSQL computes `percentile_cont(0.5)` inside the grouped query. SQLite has no
such aggregate; there the median is read from the ordered durations themselves (a count,
then the one or two middle values by OFFSET), never by loading rows into Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from django.db import connection, connections, transaction
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


# Work memory for one aggregation over millions of rows: enough for PostgreSQL to hash a
# list of weapons once and sort in memory, instead of probing per row or spilling to disk.
ANALYTICS_WORK_MEM = "128MB"


@contextmanager
def hashing_memory() -> Iterator[None]:
    """Raise PostgreSQL's work memory for the queries inside (this transaction only)."""
    with transaction.atomic():
        if postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{ANALYTICS_WORK_MEM}'")
        yield


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


def concurrently(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run independent reads at once, each thread on its own connection, when the database
    is PostgreSQL and no transaction is open (inside one, other connections would not see
    its rows, as in the tests); else one after the other. A page or a report then takes
    as long as the slowest of its reads, not their sum."""
    if not _at_once() or len(jobs) < 2:
        return {name: job() for name, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="figures") as pool:
        futures = {name: pool.submit(_own_connection, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def _at_once() -> bool:
    return postgres() and not connection.in_atomic_block


def _own_connection(job: Callable[[], Any]) -> Any:
    try:
        return job()
    finally:
        connections.close_all()  # this thread's connections only
