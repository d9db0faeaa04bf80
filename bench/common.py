"""Helpers shared by benchmarks: the machine they ran on, percentiles, result files.

Benchmarks run Django in a child process per database because settings are read once per
process; the parent collects each child's JSON result from a file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"


def _proc_value(path: str, key: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return ""


def postgres_version() -> str:
    """The server binaries a throwaway PostgreSQL would use, or why there are none."""
    from scripts.pgtemp import PostgresNotFoundError, find_bindir

    try:
        bindir = find_bindir()
    except PostgresNotFoundError as exc:
        return f"not found ({exc})"
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        return "unknown (not a git checkout)"
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    changed = len(status.stdout.splitlines())
    return head.stdout.strip() + (f" + {changed} uncommitted changes" if changed else "")


def machine() -> dict[str, Any]:
    """What a reader needs to compare figures: CPU, cores, RAM, versions, date, load."""
    import django

    mem_kb = _proc_value("/proc/meminfo", "MemTotal").split()
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": _proc_value("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "ram_gib": round(int(mem_kb[0]) / 1024 / 1024, 1) if mem_kb else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "code": code_version(),
    }


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99, mean and max in milliseconds."""
    if not seconds:
        return {}
    ms = sorted(s * 1000 for s in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "n": len(ms),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(ms[-1], 2),
    }


def run_child(module: str, args: Sequence[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    """Run `python -m module args` with `env`; it writes its JSON result to `out`."""
    command = [sys.executable, "-m", module, *args, "--out", str(out)]
    code = subprocess.call(command, cwd=ROOT, env={**os.environ, **env})
    if code != 0:
        return {"error": f"{module} {' '.join(args)} exited with status {code}"}
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def django_env(database_url: str, data_dir: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's worker process: its own data directory and
    database, no DEBUG (it would keep every query in memory), quiet logs."""
    (Path(data_dir) / "static").mkdir(exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "armstrace.settings",
        "ARMSTRACE_MODE": "development",
        "ARMSTRACE_DEBUG": "false",
        "ARMSTRACE_LOG_LEVEL": "ERROR",
        "ARMSTRACE_DATA_DIR": data_dir,
        "DATABASE_URL": database_url,
        **extra,
    }


def run_on_postgres(
    name: str,
    worker_args: list[str],
    report: Callable[[dict[str, Any]], str],
    argv: Sequence[str] | None,
    **extra_env: str,
) -> int:
    """Run `bench.<name>` as a worker against a throwaway PostgreSQL, print its report and
    the machine, and keep the result with the command that made it."""
    from scripts.pgtemp import temporary_postgres

    machine_facts = machine()
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp, temporary_postgres() as url:
        result = run_child(
            f"bench.{name}",
            worker_args,
            django_env(url, tmp, **extra_env),
            Path(tmp) / "result.json",
        )
    print(report(result), flush=True)
    command = f"python -m bench.{name} " + " ".join(sys.argv[1:] if argv is None else argv)
    payload = {"command": command.strip(), "machine": machine_facts, "result": result}
    path = write_results(name, payload)
    print(f"\nmachine: {machine_facts}\nresults written to {path.relative_to(ROOT)}")
    return 1 if "error" in result else 0
