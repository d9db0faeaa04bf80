"""Analytics benchmark (issue 9): every analytics page and selector over a large registry and
many traces, on PostgreSQL.

    .venv/bin/python -m bench.analytics [--weapons 10000000] [--traces 1000000] [--runs 5]
                                        [--seed 1]

1. A throwaway PostgreSQL (scripts/pgtemp.py), and in a child process:
2. the weapons, loaded by COPY as bench/search.py loads them (its Loader, with the search
   index rows); then, set-based in SQL, an import event for every weapon (one importer of
   50), an import mark on 70 % of the weapons made since 2015, and a seizure for 1 % of the
   weapons in the last five years;
3. `--traces` trace requests (70 % domestic, 15 % incoming, 15 % outgoing) about weapons
   drawn from the registry, found in the last five years, with their history (created,
   sent, acknowledged, some delayed, then answered, restricted or refused; 5 % still
   open), their released answers with the outcome columns, and for each traced weapon of
   our registry its chain (importer -> dealer -> individual, a theft for 40 %, the
   seizure): generated in Python, written by COPY; indexes rebuilt, tables analysed;
4. the analytics tables (traced recoveries, custody events, request steps) rebuilt
   (`armstrace analytics rebuild`), as a deployment's migrations fill them;
5. each selector over the last twelve months (the pages' default), two years (the
   national report's biennial default) and five years, `--runs` times after a warm-up;
   each page (three pages, a chart, an export) and the national report (PDF, XLSX,
   JSON; two and five years) the same way, through Django's test client as an auditor.

Target: every page and selector under 3 s. Printed as markdown with the machine, and
written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import common

TARGET_S = 3.0
IMPORTERS, DEALERS, INDIVIDUALS, AGENCIES = 50, 2_000, 100_000, 10
CHUNK = 50_000
PLACES = [f"Place {n:03d}" for n in range(200)]
OFFENCES = ["armed robbery", "illegal possession", "smuggling", "homicide", "poaching",
            "terrorism", "assault", "burglary", "arms trafficking", ""]  # fmt: skip
STATES = ["UG", "TZ", "SO", "ET", "SS", "RW"]
GROUNDS = ["investigation", "national_security", "legal_protection", "other"]
PASSWORD = "bench-analytics-1"  # noqa: S105 (a throwaway database on loopback)
# Texts and answers as wide as real ones, so that scans read what they would in service.
MARKINGS = "ZASTAVA KRAGUJEVAC M70AB2 CAL 7.62x39 SERIAL {n}; PROOF MARKS ON BARREL AND RECEIVER"
LEGAL = (
    "Firearms Act s. 4 and s. 12: possession without a certificate; the weapon was seized "
    "under a warrant of the magistrate's court in the course of a robbery investigation"
)
USE = "Evidence in criminal proceedings; intelligence on trafficking routes; no onward use"
LINK = {
    "seq": 1,
    "event": "transferred",
    "date": "2015-03-01",
    "place": "Nairobi",
    "country": "KE",
    "counterpart_country": "",
    "document_ref": "INV-2015-0001",
    "from": {"name": "Dealer 17", "kind": "dealer", "licence_number": "D-0017", "personal": False},
    "to": {
        "name": "[redacted]",
        "kind": "individual",
        "licence_number": "[redacted]",
        "personal": True,
    },
    "licence_number": "L-2015-77",
    "status_after": "civilian",
}
CANDIDATE = {
    "weapon_id": "00000000-0000-4000-8000-000000000000",
    "serial_number": "M70-000001",
    "manufacturer": "Zastava Arms",
    "model": "M70AB2",
    "match": "exact",
    "score": 1.0,
}
ANSWER = json.dumps(
    {
        "candidates": [CANDIDATE] * 5,
        "supply_chain": [LINK] * 4,
        "search_message": "One exact match",
        "chosen": "automatic",
    }
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--weapons", type=int, default=10_000_000)
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)

    worker_args = ["--worker", "--weapons", str(args.weapons), "--traces", str(args.traces)]
    worker_args += ["--runs", str(args.runs), "--seed", str(args.seed)]
    return common.run_on_postgres(
        "analytics", worker_args, report, argv, ARMSTRACE_REQUIRE_2FA="false"
    )


# ---------------------------------------------------------------- worker: COPY helpers


def copy_rows(table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    """COPY rows into `table` in chunks; values hold no tab, newline or backslash."""
    from django.db import connection

    from bench.search import copy_line

    count, batch = 0, []
    with connection.connection.cursor() as cursor:
        for row in rows:
            batch.append(copy_line(row))
            if len(batch) == CHUNK:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write("".join(batch))
                count, batch = count + len(batch), []
        if batch:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write("".join(batch))
            count += len(batch)
    return count


def execute(sql: str, params: list[Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


# ---------------------------------------------------------------- worker: the registry


def parties_and_agencies() -> dict[str, list[int]]:
    """Importers, dealers and individuals; police agencies besides the national one."""
    from armstrace.accounts.models import Agency
    from armstrace.registry.models import Party

    now = dt.datetime.now(dt.UTC).isoformat()
    rows = [("importer", f"Importer {n}") for n in range(IMPORTERS)]
    rows += [("dealer", f"Dealer {n}") for n in range(DEALERS)]
    rows += [("individual", f"Person {n}") for n in range(INDIVIDUALS)]
    columns = ("kind", "name", "name_norm", "licence_number", "country_id", "address", "created_at")
    copy_rows("registry_party", columns, ((k, n, n.lower(), "", "KE", "", now) for k, n in rows))
    ids: dict[str, list[int]] = {}
    for kind in ("importer", "dealer", "individual"):
        ids[kind] = list(
            Party.objects.filter(kind=kind, name__regex=r"^(Importer|Dealer|Person) [0-9]+$")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    police = [
        Agency.objects.create(code=f"P{n:02d}", name=f"Police {n}", kind="police", country="KE")
        for n in range(AGENCIES)
    ]
    ids["agencies"] = [a.pk for a in police]
    return ids


def registry_events(ids: dict[str, list[int]], today: dt.date) -> None:
    """Set-based: an import for every weapon, import marks, seizures of untraced weapons."""
    low, high = min(ids["importer"]), max(ids["importer"])
    execute(
        "INSERT INTO registry_event (weapon_id, seq, kind, occurred_on, place, country_id, "
        "counterpart_country_id, to_party_id, document_ref, licence_number, notes, "
        "status_before, status_after, recorded_at, recorded_by_name, correlation_id, source, "
        "source_key) SELECT id, 1, 'imported', LEAST(make_date(COALESCE(year_of_manufacture, "
        "2000) + 1, 1, 1) + abs(hashtext(id::text || 'i')) %% 365, %s::date), '', 'KE', "
        "country_of_manufacture_id, "
        "%s + abs(hashtext(id::text)) %% %s, '', '', '', '', 'in_stock', now(), 'bench', "
        "'bench', '', '' FROM registry_weapon",
        [today, low, high - low + 1],
    )
    execute(
        "INSERT INTO registry_mark (weapon_id, role, text, text_norm, method, location, "
        "concealed, created_at) SELECT id, 'import', 'KE', 'KE', '', '', false, now() "
        "FROM registry_weapon WHERE year_of_manufacture >= 2015 "
        "AND abs(hashtext(id::text)) %% 10 < 7"
    )
    execute(
        "INSERT INTO registry_event (weapon_id, seq, kind, occurred_on, place, document_ref, "
        "licence_number, notes, status_before, status_after, recorded_at, recorded_by_name, "
        "correlation_id, source, source_key) SELECT id, 9, 'seized', %s::date - "
        "(abs(hashtext(id::text || 's')) %% 1825), '', '', '', '', 'in_stock', 'seized', now(), "
        "'bench', 'bench', '', '' FROM registry_weapon WHERE abs(hashtext(id::text)) %% 100 = 7",
        [today],
    )


def traced_weapons(count: int, seed: int) -> list[tuple[str, str]]:
    """(id, weapon type) of `count` weapons drawn at random (repeatably) from the registry."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_weapon")
        total = cursor.fetchone()[0]
        share = min(100.0, 100.0 * count / max(1, total) * 1.1)
        cursor.execute(
            "SELECT id::text, weapon_type FROM registry_weapon TABLESAMPLE BERNOULLI (%s) "
            "REPEATABLE (%s) WHERE abs(hashtext(id::text)) %% 100 <> 7 LIMIT %s",
            [share, seed, count],
        )
        return [(str(wid), str(kind)) for wid, kind in cursor.fetchall()]


# ---------------------------------------------------------------- worker: the traces


REQUEST_COLUMNS = ("id", "request_id", "direction", "channel", "status", "case_ref",
    "requesting_state_id", "requesting_agency_id", "requesting_agency_name", "requested_state_id",
    "requested_agency_id", "routing_reason", "external_ref", "officer_name", "officer_phone",
    "officer_email", "officer_badge", "priority", "priority_justification", "serial_as_read",
    "serial_obliterated", "markings", "weapon_type", "calibre", "manufacturer", "model",
    "country_of_manufacture_id", "other_identifiers", "illicit_grounds", "legal_justification",
    "found_on", "found_place", "found_context", "offence", "intended_use", "confidentiality",
    "use_restrictions", "ballistic_ref", "chain_so_far", "language", "sent_at", "ack_due_at",
    "answer_due_at", "acknowledged_at", "answered_at", "closed_at", "reminders", "weapon_id",
    "created_at")  # fmt: skip
EVENT_COLUMNS = ("request_id", "seq", "kind", "rule", "status_before", "status_after", "grounds",
                 "reasons", "note", "at", "actor_name", "correlation_id")  # fmt: skip
ANSWER_COLUMNS = ("request_id", "weapon_id", "draft", "drafted_at", "drafted_by_name", "released",
    "completeness", "released_at", "released_by_name", "source", "responder_ref",
    "confidentiality", "use_restrictions", "diversion_established", "diversion_event",
    "diversion_on", "last_legal_event", "last_legal_on", "last_legal_country",
    "last_legal_holder_id", "time_to_crime_days")  # fmt: skip
CHAIN_COLUMNS = ("weapon_id", "seq", "kind", "occurred_on", "place", "country_id", "from_party_id",
                 "to_party_id", "document_ref", "licence_number", "notes", "status_before",
                 "status_after", "recorded_at", "recorded_by_name", "correlation_id", "source",
                 "source_key")  # fmt: skip


class Traces:
    """Generates every row of one trace request at a time, from a seeded generator."""

    def __init__(self, rng: random.Random, ids: dict[str, list[int]], national: int) -> None:
        self.rng, self.ids, self.national = rng, ids, national
        self.now = dt.datetime.now(dt.UTC)
        self.requests: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.answers: list[tuple[Any, ...]] = []
        self.chains: list[tuple[Any, ...]] = []

    def add(self, n: int, weapon_id: str, weapon_type: str) -> None:
        rng = self.rng
        direction = rng.choices(["domestic", "incoming", "outgoing"], [70, 15, 15])[0]
        found = self.now.date() - dt.timedelta(days=rng.randrange(5 * 365))
        sent = min(self.now, dt.datetime.combine(found, dt.time(9), tzinfo=dt.UTC)
                   + dt.timedelta(days=rng.randint(1, 10)))  # fmt: skip
        acked = sent + dt.timedelta(hours=rng.randint(2, 24 * 10))
        fate = rng.choices(["answered_complete", "answered_partial", "refused", "restricted",
                            "open"], [80, 8, 4, 3, 5])[0]  # fmt: skip
        answered = acked + dt.timedelta(days=rng.randint(1, 60)) if "answered" in fate else None
        delayed = rng.random() < 0.05
        ours = direction != "outgoing"
        status = "acknowledged" if fate == "open" else fate
        self.requests.append((
            n, f"KE-B-{n:09d}", direction, "domestic" if direction == "domestic" else "interpol",
            status, f"CASE/{n}", rng.choice(STATES) if direction == "incoming" else "KE",
            None if direction == "incoming" else (
                self.national if direction == "outgoing" else rng.choice(self.ids["agencies"])),
            "Police", "RS" if direction == "outgoing" else "KE",
            None if direction == "outgoing" else self.national, "domestic", "", "Officer", "",
            "o@example.org", "", "routine", "", f"S{n}", "f", MARKINGS.format(n=n),
            weapon_type or "pistol", "9x19", "Maker", "M",
            rng.choice(["RS", "CN", "US", "BE", "RU", "TR"]), "", '["a"]', LEGAL, found,
            rng.choice(PLACES), rng.choice(["seized", "found", "surrendered"]),
            rng.choice(OFFENCES), USE, "restricted", USE, "", "", "en",
            sent.isoformat(), None, None, acked.isoformat(),
            answered.isoformat() if answered else None, None, 0,
            weapon_id if ours and answered else None, sent.isoformat(),
        ))  # fmt: skip
        first = "received" if direction == "incoming" else "sent"
        steps = [("created", "", first), ("transition", first, "acknowledged")]
        if delayed:
            steps.append(("transition", "acknowledged", "delayed"))
        if fate != "open":
            steps.append(("transition", steps[-1][2], fate))
        for seq, (kind, before, after) in enumerate(steps, start=1):
            grounds = (f'["{rng.choice(GROUNDS)}"]' if after in ("delayed", "refused", "restricted")
                       else "[]")  # fmt: skip
            at = acked if seq > 1 else sent
            self.events.append((n, seq, kind, "", before, after, grounds, "", "", at.isoformat(),
                                "bench", "bench"))  # fmt: skip
        if answered is not None:
            self._answer(n, weapon_id if ours else None, found, answered, fate)

    def _answer(
        self, n: int, weapon_id: str | None, found: dt.date, at: dt.datetime, fate: str
    ) -> None:
        rng = self.rng
        sold = found - dt.timedelta(days=int(rng.expovariate(1 / 2500)) + 1)
        stolen = rng.random() < 0.4
        last = rng.choices(["transferred", "exported", ""], [70, 10, 20])[0]
        holder = rng.choice(self.ids["individual"]) if weapon_id and last else None
        ttc = (found - sold).days if rng.random() < 0.8 else None
        self.answers.append((
            n, weapon_id, ANSWER, at.isoformat(), "bench", ANSWER, fate.split("_")[1],
            at.isoformat(), "bench", "drafted" if weapon_id else "received", "", "restricted",
            "Police only", "t" if stolen else "f", "stolen" if stolen else "",
            sold + dt.timedelta(days=30) if stolen else None, last, sold if last else None,
            "KE" if last else "", holder, ttc,
        ))  # fmt: skip
        if weapon_id is not None:
            self._chain(weapon_id, sold, found, stolen)

    def _chain(self, weapon_id: str, sold: dt.date, found: dt.date, stolen: bool) -> None:
        rng = self.rng
        dealer, person = rng.choice(self.ids["dealer"]), rng.choice(self.ids["individual"])
        importer = rng.choice(self.ids["importer"])
        links: list[tuple[str, dt.date, int | None, int | None, str]]
        links = [("transferred", sold - dt.timedelta(days=90), importer, dealer, "in_stock"),
                 ("transferred", sold, dealer, person, "civilian")]  # fmt: skip
        if stolen:
            links.append(("stolen", sold + dt.timedelta(days=30), None, None, "stolen"))
        links.append(("seized", found, None, None, "seized"))
        for seq, (kind, day, src, to, after) in enumerate(links, start=2):
            self.chains.append((weapon_id, seq, kind, day, "", "KE", src, to, "", "", "", "",
                                after, self.now.isoformat(), "bench", "bench", "", ""))  # fmt: skip

    def flush(self) -> None:
        copy_rows("tracing_tracerequest", REQUEST_COLUMNS, iter(self.requests))
        copy_rows("tracing_traceevent", EVENT_COLUMNS, iter(self.events))
        copy_rows("tracing_traceanswer", ANSWER_COLUMNS, iter(self.answers))
        copy_rows("registry_event", CHAIN_COLUMNS, iter(self.chains))
        self.requests, self.events, self.answers, self.chains = [], [], [], []


TABLES = ("registry_event", "registry_mark", "registry_party", "tracing_tracerequest",
          "tracing_traceevent", "tracing_traceanswer")  # fmt: skip


def load_traces(count: int, seed: int, ids: dict[str, list[int]]) -> dict[str, Any]:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from armstrace.accounts.models import Agency
    from armstrace.analytics.services import rebuild, rebuild_custody, rebuild_steps
    from armstrace.registry.models import Event, Mark, Party
    from armstrace.tracing.models import TraceAnswer, TraceEvent, TraceRequest
    from bench.search import secondary_indexes

    timings: dict[str, Any] = {}
    indexes = secondary_indexes(TABLES)
    national = Agency.objects.get(national_scope=True).pk
    started = time.perf_counter()
    with transaction.atomic():
        for name, _sql in indexes:
            execute(f'DROP INDEX "{name}"')
        execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        registry_events(ids, dt.date.today())
        timings["registry_events_s"] = round(time.perf_counter() - started, 1)
        weapons = traced_weapons(count, seed)
        generator = Traces(random.Random(seed), ids, national)
        for n, (weapon_id, weapon_type) in enumerate(weapons, start=1):
            generator.add(n, weapon_id, weapon_type)
            if n % CHUNK == 0:
                generator.flush()
                print(f"  {n:,} traces, {time.perf_counter() - started:.0f} s", flush=True)
        generator.flush()
    timings["traces"] = len(weapons)
    timings["rows_s"] = round(time.perf_counter() - started, 1)
    t0 = time.perf_counter()
    execute("SET maintenance_work_mem = '1GB'")
    for _name, sql in indexes:
        execute(sql)
    models = [Event, Mark, Party, TraceRequest, TraceEvent, TraceAnswer]
    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        execute(sql)
    timings["indexes_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    for table in (*TABLES, "registry_weapon"):
        execute(f"VACUUM ANALYZE {table}")
    timings["analyze_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()  # the traced-recovery table, as `armstrace analytics rebuild`
    timings["traced_rows"] = rebuild()
    execute("VACUUM ANALYZE analytics_tracedrecovery")
    timings["traced_table_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    timings["custody_rows"] = rebuild_custody()
    execute("VACUUM ANALYZE analytics_custodyevent")
    timings["custody_table_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    timings["steps_rows"] = rebuild_steps()
    execute("VACUUM ANALYZE analytics_requeststeps")
    timings["steps_table_s"] = round(time.perf_counter() - t0, 1)
    return timings


# ---------------------------------------------------------------- worker: measuring


def timed(work: Callable[[], object], runs: int) -> dict[str, float]:
    work()  # warm-up: plans and caches, as a running server has them
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - t0)
    return common.latency_summary(seconds)


def _call(selector: Callable[[Any], object], argument: object) -> Callable[[], object]:
    return lambda: selector(argument)


def measure(runs: int) -> dict[str, Any]:
    from django.test import Client

    from armstrace.accounts.models import Agency
    from armstrace.accounts.services import create_user
    from armstrace.analytics import selectors as s
    from armstrace.core import clock
    from armstrace.core.context import audit_context

    year = s.Period.year_to(clock.today())
    two = s.Period(clock.today() - dt.timedelta(days=2 * 365), clock.today())
    five = s.Period(clock.today() - dt.timedelta(days=5 * 365), clock.today())
    periods = (("last 12 months", year), ("2 years", two), ("5 years", five))
    results: dict[str, Any] = {}
    for label, period in periods:
        f = s.Filters(period)
        work: dict[str, Callable[[], object]] = {
            "trace_statistics": _call(s.trace_statistics, period),
            "sdg_16_4_2": _call(s.sdg_16_4_2, period),
            "time_to_crime": _call(s.time_to_crime, f),
            "sources": _call(s.sources, f),
            "routes": _call(s.routes, f),
            "parties_behind": _call(s.parties_behind, f),
            "recovery": _call(s.recovery, f),
            "import_control": _call(s.import_control, f),
            "import_marks": _call(s.import_marks, f),
        }
        for name, call in work.items():
            results[f"selector {name} ({label})"] = timed(call, runs)
            print(f"  {name} ({label}): {results[f'selector {name} ({label})']}", flush=True)
    agency = Agency.objects.get(national_scope=True)
    with audit_context(actor_id=None, actor_name="bench", channel="system"):
        # An auditor reads every page and makes the report, without a second factor.
        auditor = create_user(username="bench-auditor", password=PASSWORD, agency=agency,
                              roles=["auditor"], check_password=False)  # fmt: skip
    client = Client()
    client.force_login(auditor)
    pages = {"/analytics/": "traces and SDG 16.4.2", "/analytics/sources/": "sources and routes",
             "/analytics/imports/": "import controls",
             "/analytics/charts/time-to-crime.svg": "chart: time to crime",
             "/analytics/export/dealers.xlsx": "export: dealers (XLSX)"}  # fmt: skip
    for path, name in pages.items():
        for label, period in periods:
            query = f"?start={period.start.isoformat()}&end={period.end.isoformat()}"

            def get(url: str = path + query) -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")

            results[f"page {name} ({label})"] = timed(get, runs)
            print(f"  page {name} ({label}): {results[f'page {name} ({label})']}", flush=True)
    for fmt in ("pdf", "xlsx", "json"):  # the national report, as the reporting page makes it
        for label, period in periods[1:]:
            form = {"start": period.start, "end": period.end, "language": "en", "format": fmt}

            def post(data: dict[str, Any] = form) -> None:
                response = client.post("/reporting/", data)
                if response.status_code != 200 or "attachment" not in response.get(
                    "Content-Disposition", ""
                ):
                    raise RuntimeError(f"national report {data}: {response.status_code}")

            key = f"report national {fmt.upper()} ({label})"
            results[key] = timed(post, runs)
            print(f"  {key}: {results[key]}", flush=True)
    return results


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from bench import search

    result: dict[str, Any] = {"weapons": args.weapons, "traces": args.traces, "runs": args.runs}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    search.check_columns()
    rng = random.Random(args.seed)
    world = search.build_world(rng)
    search.plan_formats(world, args.weapons, rng)
    pools = {name: search.Reservoir(10, random.Random(args.seed)) for name in
             ("any", "licensed", "shared")}  # fmt: skip
    weapons = search.load(world, args.weapons, rng, pools)
    result["load_weapons"] = {k: v for k, v in weapons.items() if k != "indexes_rebuilt"}
    print(f"  weapons loaded: {result['load_weapons']}", flush=True)
    ids = parties_and_agencies()
    result["load_traces"] = load_traces(args.traces, args.seed, ids)
    print(f"  traces loaded: {result['load_traces']}", flush=True)
    result["setup_s"] = round(time.perf_counter() - t0, 1)
    result["timings"] = measure(args.runs)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


def report(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"error: {r['error']}"
    lines = [
        f"{r['weapons']:,} weapons, {r['load_traces']['traces']:,} traces, PostgreSQL; "
        f"{r['runs']} runs each after a warm-up; set-up {r['setup_s']} s",
        "",
        "| what | p50 ms | p95 ms | max ms | < 3 s |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t in r["timings"].items():
        ok = "yes" if t["p95_ms"] < TARGET_S * 1000 else "**no**"
        lines.append(f"| {name} | {t['p50_ms']} | {t['p95_ms']} | {t['max_ms']} | {ok} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
