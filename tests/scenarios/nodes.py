"""Real ArmsTrace nodes for cross-node stories: each a separate `armstrace serve` process on
a free 127.0.0.1 port, with its own data directory (its federation keys) and its own
database: a SQLite file, or, when DATABASE_URL points at a PostgreSQL server (the suite's
PostgreSQL pass), a new database on that server. Users drive them through the REST API
with bearer tokens and through `armstrace federation ...` commands, as operators would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "armstrace.cli"]
# Run by `armstrace shell` on a new node: its national agency and a point of contact who
# also registers weapons, with an API token (printed).
SETUP = """
from armstrace.accounts.services import create_agency, create_user, issue_token
from armstrace.core.context import audit_context
with audit_context(actor_id=None, actor_name="scenario setup", channel="cli"):
    agency = create_agency(code="NFR", name="National registry {state}", kind="registry",
                           country="{state}", national_scope=True)
    user = create_user(username="poc", password="x" * 20, agency=agency,
                       roles=["poc", "registrar", "investigator"], check_password=False)
    print(issue_token(user=user, name="scenario")[1])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url(name: str) -> str:
    """Empty (SQLite in the data directory), or a new database on the PostgreSQL server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return ""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Reply:
    status: int
    data: Any


@dataclass
class Node:
    node_id: str
    data_dir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    token: str = ""
    process: subprocess.Popen[bytes] | None = None
    database_url: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "armstrace.settings",
            "ARMSTRACE_MODE": "development",
            "ARMSTRACE_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url,
            "ARMSTRACE_SECRET_KEY": f"scenario-{self.node_id}-{uuid.uuid4().hex}",
            "ARMSTRACE_NODE_NAME": self.node_id,
            "ARMSTRACE_REQUIRE_2FA": "false",
            "ARMSTRACE_LOG_LEVEL": "ERROR",
            "ARMSTRACE_AUDIT_CHECKPOINT_MINUTES": "0",
            "ARMSTRACE_FEDERATION_WORKER_POLL_SECONDS": "0.2",
            "ARMSTRACE_FEDERATION_RETRY_BASE_SECONDS": "0.5",
            "ARMSTRACE_FEDERATION_RETRY_MAX_SECONDS": "2",
            "ARMSTRACE_FEDERATION_TIMEOUT": "5",
            # Nodes are killed mid-delivery here: a claim they leave lapses within the
            # scenario's waits (the default, 120 s, would outlast them).
            "ARMSTRACE_FEDERATION_LEASE_SECONDS": "10",
        }
        env.update(self.env_extra)
        return env

    def cli(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [*CLI, *args], env=self.env(), capture_output=True, text=True, timeout=300
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{self.node_id}: armstrace {' '.join(args)}:\n{done.stderr}")
        return done.stdout

    def prepare(self, db_name: str) -> subprocess.Popen[bytes]:
        """Start `migrate` (the slow part), so that several nodes migrate at once."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = _database_url(db_name)
        return subprocess.Popen(
            [*CLI, "migrate", "-v0"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def setup(self) -> str:
        """Agency, user, token, federation identity; returns the public key PEM."""
        out = self.cli("shell", "-c", SETUP.format(state=self.node_id[:2]))
        self.token = out.strip().splitlines()[-1]  # shell may say more before it
        out = self.cli("federation", "init", "--node-id", self.node_id)
        return out[out.index("-----BEGIN") :]

    def add_peer(self, other: Node, pem: str) -> None:
        contact = f"PoC {other.node_id};poc@{other.node_id.lower()}.example;;en"
        self.cli("federation", "peer", "add", "--node-id", other.node_id, "--endpoint",
                 other.url, "--key", pem, "--contact", contact)  # fmt: skip

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port), "--threads", "4"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self._up(), 60, f"{self.node_id} to answer")

    def _up(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.node_id} stopped with code {self.process.returncode}")
        try:
            with urllib.request.urlopen(f"{self.url}/login/", timeout=2):  # noqa: S310
                return True
        except OSError:
            return False

    def kill(self) -> None:
        """Killed, not stopped: what a crash looks like to its peers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def api(self, method: str, path: str, payload: Any = None) -> Reply:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 (our own loopback)
            f"{self.url}/api/v1{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Reply(response.status, json.loads(response.read() or b"null"))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, json.loads(exc.read() or b"null"))

    def post_inbox(self, body: bytes, signature: str) -> Reply:
        request = urllib.request.Request(  # noqa: S310 (our own loopback)
            f"{self.url}/federation/v1/inbox",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "ArmsTrace-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Reply(response.status, json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, json.loads(exc.read()))

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Read this node's database directly (the assertions at the end of a story)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                return [tuple(row) for row in conn.execute(query).fetchall()]
        with sqlite3.connect(self.data_dir / "armstrace.sqlite3") as conn:
            return [tuple(row) for row in conn.execute(query).fetchall()]

    def drop(self) -> None:
        self.kill()
        if self.database_url:
            import psycopg

            admin_url = os.environ["DATABASE_URL"]
            name = self.database_url.rsplit("/", 1)[1]
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def federate(nodes: list[Node], prefix: str) -> None:
    """Migrate every node at once, set each up, make each the others' peer, start them."""
    migrations = [node.prepare(f"{prefix}_{node.node_id.lower()}") for node in nodes]
    for node, process in zip(nodes, migrations, strict=True):
        _, err = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"{node.node_id}: migrate failed:\n{err.decode()}")
    keys = {node.node_id: node.setup() for node in nodes}
    for node in nodes:
        for other in nodes:
            if other is not node:
                node.add_peer(other, keys[other.node_id])
    for node in nodes:
        node.start()
