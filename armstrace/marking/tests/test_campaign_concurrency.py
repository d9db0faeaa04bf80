"""Two campaigns allocating under one stem at the same time never take the same mark.

On PostgreSQL two threads, each on its own database connection, reserve marks under one
stem at the same moment, many times over, each in its own committed transaction; the
counter row's SELECT ... FOR UPDATE makes one wait for the other. What they commit is only
the counter row of a stem no other test uses, deleted at the end (no audit rows, so nothing
needs a flush). On SQLite the test database allows one writer, and the test's own open
transaction holds it, so the same reservations run interleaved on one connection.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections, transaction

from armstrace.marking.models import MarkCounter
from armstrace.marking.services import campaigns

pytestmark = pytest.mark.django_db
ROUNDS = 25
PER_ROUND = 20


def _allocate_in_thread(
    stem: str, barrier: threading.Barrier, out: list[str], errors: list[BaseException]
) -> None:
    try:
        barrier.wait(timeout=30)
        for _ in range(ROUNDS):
            with transaction.atomic():
                out.extend(campaigns.reserve_marks(stem, 6, PER_ROUND))
    except BaseException as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connections.close_all()


def _cleanup(stem: str) -> None:
    def delete() -> None:
        try:
            MarkCounter.objects.filter(stem=stem).delete()
        finally:
            connections.close_all()

    worker = threading.Thread(target=delete)
    worker.start()
    worker.join()


def test_two_concurrent_allocations_under_one_stem_never_collide():
    stem = f"CONC{uuid.uuid4().hex[:6].upper()}-"
    results: list[list[str]] = [[], []]
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=_allocate_in_thread, args=(stem, barrier, out, errors))
            for out in results
        ]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        finally:
            _cleanup(stem)
        assert not errors, errors
    else:
        for _ in range(ROUNDS):
            for out in results:
                out.extend(campaigns.reserve_marks(stem, 6, PER_ROUND))
    first, second = results
    assert len(first) == len(second) == ROUNDS * PER_ROUND
    assert not set(first) & set(second)
    assert len(set(first) | set(second)) == 2 * ROUNDS * PER_ROUND


def test_the_counter_row_is_locked_for_update_while_marks_are_reserved(django_assert_num_queries):
    with transaction.atomic(), connection.execute_wrapper(_record) as _:
        campaigns.reserve_marks("LOCK-", 3, 2)
    assert any("FOR UPDATE" in sql and "marking_markcounter" in sql for sql in SEEN) or (
        connection.vendor == "sqlite"  # SQLite has no FOR UPDATE; its one writer serialises
    )


SEEN: list[str] = []


def _record(execute, sql, params, many, context):
    SEEN.append(sql)
    return execute(sql, params, many, context)
