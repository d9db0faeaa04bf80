"""An import killed in the middle leaves no partial chunk, and re-running it completes it.

The import runs as the operator runs it, in its own process against its own database
(a file for SQLite, a fresh database on the same server for PostgreSQL), and is killed
with SIGKILL once some chunks have landed.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROWS, CHUNK = 20_000, 1_000


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(DATABASE_URL, a function counting rows of a table) for a database of our own."""
    if connection.vendor == "sqlite":
        path = tmp_path / "crash.sqlite3"

        def count_sqlite(table: str) -> int:
            if not path.exists():
                return 0
            with sqlite3.connect(path, timeout=30) as db:
                try:
                    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
                except sqlite3.OperationalError:  # not migrated yet
                    return 0

        yield f"sqlite:///{path}", count_sqlite
        return
    db = settings.DATABASES["default"]
    name = f"crash_{uuid.uuid4().hex[:12]}"
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"

    def count_pg(table: str) -> int:
        with psycopg.connect(**{**params, "dbname": name}) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]  # noqa: S608

    try:
        yield url, count_pg
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def armstrace(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "armstrace.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return out


@pytest.mark.django_db
def test_a_killed_import_leaves_whole_chunks_only_and_a_re_run_completes_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "big.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_ref", "serial_number", "manufacturer", "calibre"])
        writer.writerows([f"K{n}", f"KS{n:07d}", "Glock", "9mm"] for n in range(ROWS))
    with scratch_database(tmp_path) as (url, count):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "armstrace.settings",
            "ARMSTRACE_MODE": "development",
            "ARMSTRACE_DATA_DIR": str(tmp_path),
            "DATABASE_URL": url,
        }
        finished(armstrace(env, "migrate", "-v", "0"))
        args = ("import", "weapons", str(data), "--quiet", "--chunk", str(CHUNK), "--source", "k")
        process = armstrace(env, *args)
        deadline = time.monotonic() + 300
        while count("registry_weapon") < 3 * CHUNK and process.poll() is None:
            assert time.monotonic() < deadline, "the import landed nothing in time"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()

        landed = count("registry_weapon")
        assert 3 * CHUNK <= landed < ROWS, "killed too late to test anything"
        assert landed % CHUNK == 0  # whole chunks only
        assert count("search_serialentry") == landed
        assert count("registry_event") == landed

        out = finished(armstrace(env, *args))
        assert f"{ROWS} rows read: {ROWS - landed} landed, {landed} already present" in out
        assert count("registry_weapon") == ROWS
        assert count("search_serialentry") == ROWS
        assert "intact" in finished(armstrace(env, "audit", "verify"))
