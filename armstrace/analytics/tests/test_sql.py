"""The SQL helpers: reads run at once on PostgreSQL outside a transaction."""

from __future__ import annotations

import threading

from armstrace.analytics import sql


def test_on_postgresql_outside_a_transaction_the_figures_are_read_at_once(db, monkeypatch):
    jobs = dict.fromkeys(("a", "b", "c"), threading.current_thread)
    assert {t.name for t in sql.concurrently(jobs).values()} == {"MainThread"}
    monkeypatch.setattr(sql, "_at_once", lambda: True)
    barrier = threading.Barrier(3, timeout=10)  # passes only if the three run together

    def job() -> str:
        barrier.wait()
        return threading.current_thread().name

    names = sql.concurrently({"a": job, "b": job, "c": job})
    assert list(names) == ["a", "b", "c"]
    assert len(set(names.values())) == 3 and all(n.startswith("figures") for n in names.values())
