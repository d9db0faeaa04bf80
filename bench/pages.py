"""Page benchmark (issue 10): the main pages' server time under load, in PostgreSQL.

    .venv/bin/python -m bench.pages [--weapons 10000000] [--clients 4] [--requests 200]
                                    [--seed 1]

1. A throwaway PostgreSQL (scripts/pgtemp.py), loaded as bench/search.py loads it: the
   weapons and their search index rows by COPY, indexes rebuilt, tables analysed.
2. A user of each role (second factor off: ARMSTRACE_REQUIRE_2FA=false), each signed in
   once (a session made by Django's test client), and 30 incoming trace requests with
   draft answers, made through the services.
3. `armstrace serve` (waitress, as operators run it) on loopback, and a load generator:
   `--clients` threads, each with its own keep-alive connection, asking the pages in a
   shuffled order for random weapons and misread serials; a warm-up round first.
4. Per page: the client's wall time and the server's own time (its `Server-Timing`
   header, from the first middleware to the last) at p50, p95 and p99. Target: server p95
   under 200 ms. Printed as markdown and written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import common

TARGET_P95_MS = 200.0
WARMUP_PER_PAGE = 10
PASSWORD = "bench-pages-password-1"  # noqa: S105 (a throwaway database on loopback)
ROLES = ("registrar", "investigator", "poc", "auditor")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--weapons", type=int, default=10_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)

    worker_args = ["--worker", "--weapons", str(args.weapons), "--clients", str(args.clients)]
    worker_args += ["--requests", str(args.requests), "--seed", str(args.seed)]
    return common.run_on_postgres("pages", worker_args, report, argv, ARMSTRACE_REQUIRE_2FA="false")


# ---------------------------------------------------------------- worker: data and users


def load_registry(weapons: int, seed: int) -> tuple[Any, list[Any], dict[str, Any]]:
    """The search benchmark's registry; returns its world, sampled records and timings."""
    from bench import search

    rng = random.Random(seed)
    world = search.build_world(rng)
    search.plan_formats(world, weapons, rng)
    pools = {"any": search.Reservoir(search.POOL, random.Random(seed)),
             "licensed": search.Reservoir(search.POOL, random.Random(seed + 1)),
             "shared": search.Reservoir(search.POOL, random.Random(seed + 2))}  # fmt: skip
    timings = search.load(world, weapons, rng, pools)
    return world, pools["any"].items, timings


def signed_in_sessions() -> dict[str, str]:
    """One user per role in the national registry, and the session cookie of each."""
    from django.conf import settings
    from django.test import Client

    from armstrace.accounts.models import Agency
    from armstrace.accounts.services import create_user
    from armstrace.core.context import audit_context

    agency = Agency.objects.get(national_scope=True)
    cookies = {}
    with audit_context(actor_id=None, actor_name="bench", channel="system"):
        for role in ROLES:
            user = create_user(username=f"bench-{role}", password=PASSWORD, agency=agency,
                               roles=[role], check_password=False)  # fmt: skip
            client = Client()
            client.force_login(user)
            cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def trace_requests(world: Any, records: list[Any], count: int) -> list[str]:
    """Incoming requests for registered weapons, each with its draft answer."""
    from armstrace.accounts.models import User
    from armstrace.core.context import audit_context
    from armstrace.tracing import services
    from bench.tracing import request_for

    poc = User.objects.get(username="bench-poc")
    ids = []
    with audit_context(actor_id=poc.pk, actor_name=poc.username, channel="system"):
        for n, rec in enumerate(r for r in records if r.written_calibre or r.calibre):
            if n == count:
                break
            maker = world.makers[rec.maker]
            row = {"serial_number": rec.serial, "manufacturer": maker.name,
                   "model": rec.model.model, "weapon_type": rec.model.weapon_type,
                   "calibre": rec.written_calibre or rec.calibre,
                   "country_of_manufacture": maker.country}  # fmt: skip
            trace = services.create_request(actor=poc, data=request_for(row, n))
            services.draft_answer(request=trace, actor=poc)
            ids.append(trace.request_id)
    return ids


def page_plan(
    world: Any, records: list[Any], traces: list[str], rng: random.Random
) -> dict[str, tuple[str, list[str]]]:
    """Page name -> (role asking, the paths it asks, drawn at random per request)."""
    from bench import search

    sample = rng.sample(records, min(300, len(records)))
    misread = []
    for rec in sample:
        wrong = search.misread(rec.serial, 1, rng) or rec.serial
        query = {"serial": wrong, "manufacturer": world.makers[rec.maker].name,
                 "purpose": "CASE-2026/17"}  # fmt: skip
        misread.append("/search/?" + urllib.parse.urlencode(query))
    by_maker = [
        "/weapons/?" + urllib.parse.urlencode({"manufacturer": world.makers[r.maker].name})
        for r in sample[:50]
    ]
    return {
        "weapon list": ("registrar", ["/weapons/"]),
        "weapon list, serial filter": (
            "registrar",
            ["/weapons/?" + urllib.parse.urlencode({"serial": r.serial}) for r in sample],
        ),
        "weapon list, manufacturer filter": ("registrar", by_maker),
        "weapon detail": ("registrar", [f"/weapons/{r.weapon_id}/" for r in sample]),
        "search, misread serial + manufacturer": ("investigator", misread),
        "trace list": ("poc", ["/tracing/"]),
        "trace detail": ("poc", [f"/tracing/{t}/" for t in traces]),
        "overdue traces": ("poc", ["/tracing/overdue/"]),
        "data quality": ("auditor", ["/quality/"]),
    }


# ---------------------------------------------------------------- worker: server and load


def start_server() -> tuple[subprocess.Popen[bytes], int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [sys.executable, "-m", "armstrace.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 900  # the in-memory serial column is built at start
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return server, port
        except OSError:
            time.sleep(1)
    server.kill()
    raise RuntimeError("armstrace serve did not answer")


class Generator:
    """`clients` threads sharing one shuffled list of (page, role, path) requests."""

    def __init__(self, port: int, cookies: dict[str, str], clients: int) -> None:
        self.port, self.cookies, self.clients = port, cookies, clients
        self.lock = threading.Lock()
        self.client_ms: dict[str, list[float]] = defaultdict(list)
        self.server_ms: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, list[str]] = defaultdict(list)

    def run(self, work: list[tuple[str, str, str]]) -> float:
        queue = list(reversed(work))
        started = time.perf_counter()
        threads = [
            threading.Thread(target=self._client, args=(queue,)) for _ in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def _client(self, queue: list[tuple[str, str, str]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while True:
            with self.lock:
                if not queue:
                    break
                page, role, path = queue.pop()
            headers = {"Cookie": f"sessionid={self.cookies[role]}", "Accept-Language": "en"}
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            timing = response.getheader("Server-Timing", "app;dur=nan")
            with self.lock:
                if response.status != 200:
                    self.failures[page].append(f"{response.status} {path}")
                self.client_ms[page].append(elapsed)
                self.server_ms[page].append(float(timing.split("dur=")[1]))
        conn.close()


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    import json

    from django.core.management import call_command

    result: dict[str, Any] = {"weapons": args.weapons, "clients": args.clients}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    world, records, timings = load_registry(args.weapons, args.seed)
    result["load"] = {k: v for k, v in timings.items() if k != "indexes_rebuilt"}
    cookies = signed_in_sessions()
    traces = trace_requests(world, records, 30)
    rng = random.Random(args.seed)
    plan = page_plan(world, records, traces, rng)
    result["setup_s"] = round(time.perf_counter() - t0, 1)
    print(f"  set-up {result['setup_s']} s: {result['load']}", flush=True)

    server, port = start_server()
    try:
        t0 = time.perf_counter()
        result["server_start_s"] = round(time.perf_counter() - t0, 1)
        warm = [(p, role, rng.choice(paths)) for p, (role, paths) in plan.items()
                for _ in range(WARMUP_PER_PAGE)]  # fmt: skip
        Generator(port, cookies, args.clients).run(warm)
        timed = [(p, role, rng.choice(paths)) for p, (role, paths) in plan.items()
                 for _ in range(args.requests)]  # fmt: skip
        rng.shuffle(timed)
        generator = Generator(port, cookies, args.clients)
        wall = generator.run(timed)
    finally:
        server.terminate()
        server.wait(timeout=60)
    result["throughput_rps"] = round(len(timed) / wall, 1)
    result["pages"] = {
        page: {
            "requests": len(generator.client_ms[page]),
            "failures": generator.failures[page][:5],
            "failed": len(generator.failures[page]),
            "client": common.latency_summary([ms / 1000 for ms in generator.client_ms[page]]),
            "server": common.latency_summary([ms / 1000 for ms in generator.server_ms[page]]),
        }
        for page in plan
    }
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def report(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"error: {r['error']}"
    lines = [
        f"{r['weapons']:,} weapons, {r['clients']} concurrent clients, "
        f"{r['throughput_rps']} requests/s overall",
        "",
        "| page | requests (failed) | server p50 / **p95** / p99 ms | client p50 / p95 / p99 ms | "
        "p95 < 200 ms |",
        "|---|---:|---|---|---|",
    ]
    for page, p in r["pages"].items():
        s, c = p["server"], p["client"]
        ok = "yes" if s["p95_ms"] < TARGET_P95_MS and not p["failed"] else "**no**"
        lines.append(
            f"| {page} | {p['requests']} ({p['failed']}) | {s['p50_ms']} / **{s['p95_ms']}** / "
            f"{s['p99_ms']} | {c['p50_ms']} / {c['p95_ms']} / {c['p99_ms']} | {ok} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
