"""Bulk row writers: PostgreSQL COPY, SQLite executemany. Same rows, same tables.

The importer validates every row itself (the same checks as the registry services) and
writes whole chunks at once; per-row ORM saves cost 30 queries a weapon.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def columns(model: type[Model], names: Sequence[str]) -> list[str]:
    """Database column names of the given field names (`agency` -> `agency_id`)."""
    return [str(model._meta.get_field(name).column) for name in names]  # type: ignore[union-attr]


def insert(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows of plain values (uuids through `uuid_format`, datetimes through
    `datetime_value`) into the model's table."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns(model, names))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY is not in the DB-API
            sql = f"COPY {table} ({cols}) FROM STDIN"
            # Django's wrapper turns psycopg's errors into django.db ones (IntegrityError...).
            with connection.wrap_database_errors, raw.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 (names from models)
            cursor.executemany(sql, list(rows))


def insert_returning(
    model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], returned: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert rows and return the `returned` columns of each (`id` among them: the primary
    key given to the row). The order of the returned rows is not the order given.

    PostgreSQL takes the keys from the table's sequence and COPYs the rows (a multi-row
    INSERT costs about five times more a row); SQLite inserts with RETURNING (3.35+)."""
    if connection.vendor == "postgresql":
        return _copy_returning(model, names, rows, returned)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns(model, names))
    back = ", ".join(connection.ops.quote_name(c) for c in columns(model, returned))
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(part))
            params = [value for row in part for value in row]
            sql = f"INSERT INTO {table} ({cols}) VALUES {values} RETURNING {back}"  # noqa: S608
            cursor.execute(sql, params)
            found.extend(cursor.fetchall())
    return found


def _copy_returning(
    model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], returned: Sequence[str]
) -> list[tuple[Any, ...]]:
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        keys = [key for (key,) in cursor.fetchall()]
    insert(model, [pk.name, *names], [(key, *row) for key, row in zip(keys, rows, strict=True)])
    where = {name: n for n, name in enumerate(names)}
    return [
        tuple(key if name == pk.name else row[where[name]] for name in returned)
        for key, row in zip(keys, rows, strict=True)
    ]


def prepare_connection() -> None:
    """SQLite's default page cache (2 MB) thrashes once the indexes outgrow it; a bulk load
    gets 256 MB for this connection."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")


class OrderedIds:
    """Time-ordered UUIDs (version 7, RFC 9562): a bulk load appends to the end of every index
    on the weapon id instead of writing all over it, as random (version 4) ids would."""

    def __init__(self) -> None:
        self.last = 0  # 48-bit milliseconds and a 12-bit sequence, strictly increasing

    def __call__(self) -> uuid.UUID:
        return self.take(1)[0]

    def take(self, count: int) -> list[uuid.UUID]:
        """`count` ids at once; past 4096 in one millisecond the clock field runs ahead,
        which keeps them unique and ordered."""
        start = max(time.time_ns() // 1_000_000 << 12, self.last + 1)
        self.last = start + count - 1
        noise = secrets.token_bytes(8 * count)
        ids = []
        for n in range(count):
            stamp = start + n
            tail = int.from_bytes(noise[8 * n : 8 * n + 8]) >> 2
            value = (stamp >> 12) << 80 | 7 << 76 | (stamp & 0xFFF) << 64 | 2 << 62 | tail
            ids.append(uuid.UUID(int=value))
        return ids


def uuid_format() -> Callable[[uuid.UUID], str]:
    """How Django stores a UUIDField: native on PostgreSQL, 32 hex characters on SQLite."""
    return str if connection.vendor == "postgresql" else operator.attrgetter("hex")


def json_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def datetime_value(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)
