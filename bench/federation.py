"""Federation benchmark (issue 8): trace requests from node A (KE) to node B (UG) on
loopback, B acknowledging automatically.

    .venv/bin/python -m bench.federation [--requests 1000] [--db sqlite|postgres] [--rate 0]

Two `armstrace serve` processes (each with its in-process delivery worker), each with its
own data directory and database (SQLite files, or two databases on a throwaway
PostgreSQL), set up as peers with `armstrace federation init` / `peer add` (the harness
of tests/scenarios). A third process files the requests at A through tracing's services
and sends each one, as fast as it can: each send queues a signed `trace.request` in the
same transaction. A's worker delivers; B files the incoming request, acknowledges it
(FEDERATION_AUTO_ACKNOWLEDGE) and queues the acknowledgement; B's worker delivers it; A
applies it. End-to-end latency: from the request message queued at A to the
acknowledgement applied at A (both timestamps from A's database). Throughput: requests
acknowledged per second, from the first queued to the last applied. With `--rate R` the
requests are filed at R per second (latency without a backlog); by default as fast as
they can be filed (throughput; latency then includes the wait behind the backlog).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from tests.scenarios.nodes import Node, federate, wait_for

GENERATE = """
import datetime as dt
import time
from armstrace.accounts.models import User
from armstrace.core.context import audit_context
from armstrace.tracing import services
user = User.objects.get(username="poc")
start = time.monotonic()
with audit_context(actor_id=user.pk, actor_name="bench", channel="cli"):
    for n in range({count}):
        if {rate}:
            time.sleep(max(0, start + n / {rate} - time.monotonic()))
        data = services.RequestInput(
            direction="outgoing", channel="bilateral_npc", requested_state="UG",
            routing_reason="last_import", case_ref=f"BENCH/{{n}}", officer_name="Insp. Bench",
            officer_email="bench@example.org", serial_as_read=f"M70-{{n:06d}}",
            markings=f"M70 {{n:06d}}", weapon_type="assault-rifle", calibre="7.62x39",
            illicit_grounds=["a"], legal_justification="Firearms Act s. 4",
            found_on=dt.date(2026, 1, 1), found_place="Nairobi", found_context="seized",
            intended_use="Evidence", confidentiality="restricted", use_restrictions="LE only")
        request = services.create_request(actor=user, data=data)
        services.transition(request=request, to="sent", actor=user)
"""
LATENCIES = (
    "SELECT o.created_at, i.received_at FROM federation_outboxmessage o "
    "JOIN federation_inboxmessage i ON i.request_id = o.request_id "
    "WHERE o.kind = 'trace.request' AND i.kind = 'trace.acknowledgement' "
    "AND i.status = 'accepted'"
)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _acknowledged(node: Node) -> int:
    rows = node.sql(
        "SELECT count(*) FROM federation_inboxmessage "
        "WHERE kind = 'trace.acknowledgement' AND status = 'accepted'"
    )
    return int(rows[0][0])


def measure(count: int, rate: float, tmp: Path) -> dict[str, Any]:
    a = Node("KE", tmp / "ke")
    b = Node("UG", tmp / "ug", {"ARMSTRACE_FEDERATION_AUTO_ACKNOWLEDGE": "true"})
    try:
        federate([a, b], f"bench_{os.getpid()}")
        started = time.monotonic()
        a.cli("shell", "-c", GENERATE.format(count=count, rate=rate))
        filed = time.monotonic() - started
        wait_for(lambda: _acknowledged(a) >= count, 60 + count, "every acknowledgement")
        pairs = [(_moment(q), _moment(r)) for q, r in a.sql(LATENCIES)]
        failed = a.sql("SELECT count(*) FROM federation_outboxmessage WHERE status = 'failed'")
    finally:
        a.drop()
        b.drop()
    first, last = min(q for q, _ in pairs), max(r for _, r in pairs)
    span = (last - first).total_seconds()
    return {
        "requests": count,
        "offered_rate": rate or "as fast as filed",
        "acknowledged": len(pairs),
        "failed_messages": int(failed[0][0]),
        "filing_seconds": round(filed, 1),
        "span_seconds": round(span, 1),
        "throughput_per_second": round(len(pairs) / span, 1) if span else None,
        "latency": common.latency_summary([(r - q).total_seconds() for q, r in pairs]),
    }


def report(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    latency = result["latency"]
    return (
        f"{result['acknowledged']}/{result['requests']} acknowledged in "
        f"{result['span_seconds']} s: {result['throughput_per_second']} requests/s; "
        f"end-to-end p50 {latency['p50_ms']} ms, p99 {latency['p99_ms']} ms "
        f"(filing at A took {result['filing_seconds']} s; failed messages: "
        f"{result['failed_messages']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--rate", type=float, default=0, help="requests per second filed at A (0: at once)"
    )
    args = parser.parse_args(argv)
    facts = common.machine()
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        if args.db == "postgres":
            from scripts.pgtemp import temporary_postgres

            with temporary_postgres() as url:
                os.environ["DATABASE_URL"] = url
                result = measure(args.requests, args.rate, Path(tmp))
        else:
            os.environ.pop("DATABASE_URL", None)
            result = measure(args.requests, args.rate, Path(tmp))
    print(report(result), flush=True)
    command = "python -m bench.federation " + " ".join(sys.argv[1:] if argv is None else argv)
    path = common.write_results("federation", {"command": command.strip(), "machine": facts,
                                               "result": result})  # fmt: skip
    print(f"\nmachine: {facts}\nresults written to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
