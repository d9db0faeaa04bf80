"""Identification benchmark (reference issue): latency of `identify()` on real descriptions.

    .venv/bin/python -m bench.identify [--repeat 5]

Loads the reference data into a fresh SQLite database (migrate does it), warms the
identification index up, then times `armstrace.reference.identify.identify(...)` over every
input of armstrace/reference/tests/identification_cases.json, `--repeat` times. Reports
p50/p95/p99 and max in milliseconds, the slowest inputs and the machine; target p95 < 20 ms.
The database work runs in a child process (settings are read once per process).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common

CASES = common.ROOT / "armstrace" / "reference" / "tests" / "identification_cases.json"
TARGET_P95_MS = 20.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--repeat", type=int, default=5, help="passes over all the cases")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)

    machine = common.machine()
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        (Path(tmp) / "static").mkdir()
        env = {
            "DJANGO_SETTINGS_MODULE": "armstrace.settings",
            "ARMSTRACE_MODE": "development",
            "ARMSTRACE_DEBUG": "false",
            "ARMSTRACE_LOG_LEVEL": "ERROR",
            "ARMSTRACE_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        }
        worker_args = ["--worker", "--repeat", str(args.repeat)]
        result = common.run_child("bench.identify", worker_args, env, Path(tmp) / "result.json")
    print(report(machine, result))
    command = "python -m bench.identify " + " ".join(sys.argv[1:] if argv is None else argv)
    payload = {"command": command.strip(), "machine": machine, "result": result}
    path = common.write_results("identify", payload)
    print(f"\nresults written to {path.relative_to(common.ROOT)}")
    return 1 if "error" in result else 0


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from armstrace.reference.identify import identify

    call_command("migrate", verbosity=0)
    cases: list[dict[str, Any]] = json.loads(CASES.read_text(encoding="utf-8"))
    inputs = [case["input"] for case in cases]
    t0 = time.perf_counter()
    identify(**inputs[0])  # builds the in-memory index from the reference tables
    first_call_s = time.perf_counter() - t0
    first_pass: list[float] = []
    for fields in inputs:  # the warm-up pass: reported apart, as first-seen inputs
        t0 = time.perf_counter()
        identify(**fields)
        first_pass.append(time.perf_counter() - t0)
    seconds: list[float] = []
    slowest: list[tuple[float, dict[str, str]]] = []
    for _ in range(args.repeat):
        for fields in inputs:
            t0 = time.perf_counter()
            identify(**fields)
            elapsed = time.perf_counter() - t0
            seconds.append(elapsed)
            slowest.append((elapsed, fields))
    slowest.sort(key=lambda item: item[0])
    latency = common.latency_summary(seconds)
    result = {
        "cases": len(inputs),
        "repeat": args.repeat,
        "first_call_ms": round(first_call_s * 1000, 1),
        "latency": latency,
        "first_pass_latency": common.latency_summary(first_pass),
        "target_p95_ms": TARGET_P95_MS,
        "target_met": latency["p95_ms"] < TARGET_P95_MS,
        "slowest": [
            {"ms": round(s * 1000, 2), "input": fields} for s, fields in slowest[-5:][::-1]
        ],
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def report(machine: dict[str, Any], r: dict[str, Any]) -> str:
    rows = [f"| {k} | {v} |" for k, v in machine.items()]
    lines = ["| machine | |", "|---|---|", *rows, ""]
    if "error" in r:
        return "\n".join([*lines, f"FAILED: {r['error']}"])
    lat = r["latency"]
    verdict = "met" if r["target_met"] else "NOT met"
    lines += [
        f"identify() over {r['cases']} cases x {r['repeat']} (after one warm-up pass); "
        f"first call (index build) {r['first_call_ms']} ms",
        "",
        "| n | p50 ms | p95 ms | p99 ms | max ms | target p95 < 20 ms |",
        "|---:|---:|---:|---:|---:|---|",
        f"| {lat['n']} | {lat['p50_ms']} | {lat['p95_ms']} | {lat['p99_ms']} | "
        f"{lat['max_ms']} | {verdict} |",
        "",
        "warm-up pass (each input seen for the first time): "
        + ", ".join(f"{k} {v}" for k, v in r["first_pass_latency"].items()),
        "",
        "slowest inputs:",
        *(f"- {s['ms']} ms: {s['input']}" for s in r["slowest"]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
