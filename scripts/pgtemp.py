"""Run a command against a throwaway PostgreSQL server.

Usage: python scripts/pgtemp.py [--keep] -- CMD ARGS...

CMD gets DATABASE_URL=postgres://armstrace:armstrace@127.0.0.1:PORT/armstrace.
Exit status: CMD's; 3 if no PostgreSQL binaries are found; 4 if the server fails
to start. Benchmarks can use the ``temporary_postgres()`` context manager directly.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

__all__ = ["PostgresNotFoundError", "PostgresStartError", "find_bindir", "temporary_postgres"]

# Durability is pointless for a throwaway test database: trade it for speed.
SETTINGS = """
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_connections = 50
listen_addresses = '127.0.0.1'
"""


class PostgresNotFoundError(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


class PostgresStartError(RuntimeError):
    """initdb, server start or database setup failed."""


def find_bindir() -> Path:
    """pg_config's bindir if it has the server, else newest /usr/lib/postgresql/*/bin."""
    dirs = list(Path("/usr/lib/postgresql").glob("*/bin"))
    # Numeric sort so that 15 beats 9.6; pg_config (if present) is tried first.
    dirs.sort(key=lambda d: [int(x) for x in d.parent.name.split(".") if x.isdigit()])
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        dirs += [Path(out.stdout.strip())] if out.stdout.strip() else []
    for d in reversed(dirs):
        if all((d / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres", "psql")):
            return d
    raise PostgresNotFoundError(
        "no PostgreSQL binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(bindir: Path, port: int, timeout: float = 30.0) -> bool:
    # pg_ctl -w watches the pid file; pg_isready confirms TCP connections work.
    cmd = [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(cmd).returncode == 0:
            return True
        time.sleep(0.1)
    return False


@contextmanager
def temporary_postgres(keep: bool = False) -> Iterator[str]:
    """Start a fresh server, yield its DATABASE_URL; stop and delete it on exit."""
    bindir = find_bindir()
    root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="pgtemp-", dir="/tmp"))
    if root:  # the server runs as `postgres`, which must own its data dir
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
    data, log, port = tmp / "data", tmp / "server.log", _free_port()

    def server(*args: str) -> subprocess.CompletedProcess[str]:
        # PostgreSQL refuses to run as root. cwd=tmp: `postgres` may not read ours.
        cmd = [str(bindir / args[0]), *args[1:]]
        cmd = ["runuser", "-u", "postgres", "--", *cmd] if root else cmd
        return subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)

    try:
        r = server("initdb", "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C",
                   "--auth=trust")  # fmt: skip
        if r.returncode:
            raise PostgresStartError(f"initdb failed:\n{r.stdout}{r.stderr}")
        with (data / "postgresql.conf").open("a") as f:
            f.write(f"{SETTINGS}port = {port}\nunix_socket_directories = '{tmp}'\n")
        r = server("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "start")
        if r.returncode or not _wait_ready(bindir, port):
            lines = log.read_text(errors="replace").splitlines() if log.exists() else []
            tail = "\n".join(lines[-30:])
            raise PostgresStartError(f"server did not start: {r.stderr}\n{log}:\n{tail}")

        psql = [str(bindir / "psql"), "-Xq", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(port)]  # fmt: skip
        url = f"postgres://armstrace:armstrace@127.0.0.1:{port}/armstrace"
        setup = [
            # Each -c is its own transaction (CREATE DATABASE can't run in one).
            [*psql, "-U", "postgres", "-d", "postgres",
             "-c", "CREATE ROLE armstrace LOGIN SUPERUSER PASSWORD 'armstrace'",
             "-c", "CREATE DATABASE armstrace OWNER armstrace"],
            [*psql, "-d", url, "-c", "CREATE EXTENSION IF NOT EXISTS pg_trgm"],
        ]  # fmt: skip
        for cmd in setup:
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                raise PostgresStartError(f"database setup failed:\n{r.stderr}")
        yield url
    finally:
        if signal.getsignal(signal.SIGTERM) is _on_sigterm:  # don't abort cleanup
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop = ("pg_ctl", "-D", str(data), "-w", "stop", "-m")
        if (data / "postmaster.pid").exists() and server(*stop, "fast").returncode:
            server(*stop, "immediate")  # never delete the files under a live server
        if keep:
            print(f"pgtemp: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # an exception, so `finally` cleanup runs


def _run(cmd: Sequence[str], env: dict[str, str]) -> int:
    proc = subprocess.Popen(cmd, env=env)
    try:
        rc = proc.wait()
    except BaseException:  # Ctrl-C/SIGTERM: stop CMD before the server goes away
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    return 128 - rc if rc < 0 else rc  # killed by signal N -> 128+N, like a shell


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(usage="%(prog)s [--keep] -- CMD ARGS...")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("missing CMD")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with temporary_postgres(keep=args.keep) as url:
            return _run(cmd, {**os.environ, "DATABASE_URL": url})
    except PostgresNotFoundError as e:
        print(f"pgtemp: {e}", file=sys.stderr)
        return 3
    except PostgresStartError as e:
        print(f"pgtemp: {e}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
