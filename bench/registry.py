"""Registry benchmark (issue 2): registration throughput and read latency.

    .venv/bin/python -m bench.registry [--weapons 100000] [--read-weapons 1000000]
                                       [--db sqlite|postgres|both] [--samples 500] [--batch 100]

1. Registration: N weapons, each `manufactured` -> `exported` -> `imported` through the
   service layer (the transition table allows `imported` only first or after an export or
   transit), in batches inside `transaction.atomic()`, on a fresh SQLite file and on a
   fresh throwaway PostgreSQL.
2. Reads (PostgreSQL only): load M weapons with two events each by COPY, bypassing the ORM,
   then time the weapon detail page, the API read and the API serial lookup in-process with
   django.test.Client for a registrar.

Settings are read once per process, so each database runs in a child process (this module
again, with the hidden `--worker` flag). Figures are printed and written as JSON to
bench/results/. `--weapons 0` or `--read-weapons 0` skips a part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench import common

if TYPE_CHECKING:
    from django.db.models import Model
    from django.test import Client

    from armstrace.accounts.models import Agency, User
    from armstrace.registry.models import Party

REGISTRY_COUNTRY = "KE"
PASSWORD = "bench-only-password-never-used-elsewhere"  # noqa: S105
BATCH = 100  # weapons per transaction when registering (see docs/benchmarks.md)
CHUNK = 50_000  # weapons per round of COPY when loading
# The reads go through Django's test client, whose host is testserver.
EXTRA_ENV = {"ARMSTRACE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}
WARMUP = 50  # requests per endpoint before timing starts
TARGET_P95_MS = 50.0  # issue 2: detail page and API read at 1M weapons on PostgreSQL


@dataclass(frozen=True)
class Maker:
    name: str
    country: str
    model: str
    calibre: str
    weapon_type: str
    prefix: str  # serial prefix; makers sharing one collide on serials, as in real records


MAKERS = (
    Maker("Zastava Arms", "RS", "M70", "7.62x39", "assault-rifle", ""),
    Maker("Kalashnikov Concern", "RU", "AK-74M", "5.45x39", "assault-rifle", ""),
    Maker("Norinco", "CN", "Type 56", "7.62x39", "assault-rifle", ""),
    Maker("FN Herstal", "BE", "FAL", "7.62x51", "rifle", "1-"),
    Maker("Heckler & Koch", "DE", "G3A3", "7.62x51", "rifle", "A"),
    Maker("Glock", "AT", "17", "9x19", "pistol", "AB"),
    Maker("Beretta", "IT", "92FS", "9x19", "pistol", "BER"),
    Maker("Česká zbrojovka", "CZ", "Scorpion EVO 3", "9x19", "sub-machine-gun", "F"),
    Maker("SIG Sauer", "CH", "P226", "9x19", "pistol", "U"),
    Maker("Taurus", "BR", "PT92", "9x19", "pistol", "TAY"),
    Maker("MKE", "TR", "MP5-T", "9x19", "sub-machine-gun", "T0"),
    Maker("Sturm, Ruger & Co.", "US", "Mini-14", "5.56x45", "carbine", "58"),
)


# ---------------------------------------------------------------- parent: orchestration


def on_sqlite(worker_args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        env = common.django_env(f"sqlite:///{tmp}/bench.sqlite3", tmp, **EXTRA_ENV)
        return common.run_child("bench.registry", worker_args, env, Path(tmp) / "result.json")


def on_postgres(worker_args: list[str]) -> dict[str, Any]:
    from scripts.pgtemp import PostgresNotFoundError, PostgresStartError, temporary_postgres

    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        try:
            with temporary_postgres() as url:
                env = common.django_env(url, tmp, **EXTRA_ENV)
                return common.run_child(
                    "bench.registry", worker_args, env, Path(tmp) / "result.json"
                )
        except (PostgresNotFoundError, PostgresStartError) as exc:
            return {"error": str(exc)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--weapons", type=int, default=100_000, help="weapons to register")
    parser.add_argument("--read-weapons", type=int, default=1_000_000, help="weapons for reads")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--samples", type=int, default=500, help="timed requests per endpoint")
    parser.add_argument("--batch", type=int, default=BATCH, help="weapons per transaction")
    parser.add_argument("--worker", choices=["register", "reads"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)

    machine = common.machine()
    print_machine(machine)
    results: dict[str, Any] = {}
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.weapons > 0:
        worker_args = ["--worker", "register", "--weapons", str(args.weapons)]
        worker_args += ["--batch", str(args.batch)]
        for engine in engines:
            print(f"\n== registration on {engine}: {args.weapons:,} weapons", flush=True)
            run = on_sqlite if engine == "sqlite" else on_postgres
            results[f"registration_{engine}"] = run(worker_args)
            print_registration(results[f"registration_{engine}"])
    if args.read_weapons > 0 and "postgres" in engines:
        print(f"\n== reads on postgres: {args.read_weapons:,} weapons", flush=True)
        worker_args = ["--worker", "reads", "--read-weapons", str(args.read_weapons)]
        results["reads_postgres"] = on_postgres([*worker_args, "--samples", str(args.samples)])
        print_reads(results["reads_postgres"])
    command = "python -m bench.registry " + " ".join(sys.argv[1:] if argv is None else argv)
    path = common.write_results(
        "registry", {"command": command.strip(), "machine": machine, "results": results}
    )
    print(f"\nresults written to {path.relative_to(common.ROOT)}")
    return 1 if any("error" in r for r in results.values()) else 0


def print_machine(machine: dict[str, Any]) -> None:
    print("machine:")
    for key, value in machine.items():
        print(f"  {key:13} {value}")


def print_registration(r: dict[str, Any]) -> None:
    if "error" in r:
        print(f"  FAILED: {r['error']}")
        return
    print(
        f"  {r['database']}: {r['weapons']:,} weapons, {r['events']:,} events, "
        f"{r['audit_entries']:,} audit entries in {r['seconds']:.1f} s\n"
        f"  {r['weapons_per_s']:.1f} weapons/s, {r['events_per_s']:.1f} events/s, "
        f"{r['audit_entries_per_s']:.1f} audit entries/s "
        f"(first 10%: {r['weapons_per_s_first_10pct']:.1f} weapons/s, "
        f"last 10%: {r['weapons_per_s_last_10pct']:.1f} weapons/s)"
    )


def print_reads(r: dict[str, Any]) -> None:
    if "error" in r:
        print(f"  FAILED: {r['error']}")
        return
    load = r["load"]
    print(
        f"  {r['database']}: loaded {load['weapons']:,} weapons, {load['events']:,} events, "
        f"{load['audit_entries']:,} audit entries by COPY in {load['seconds']:.0f} s"
    )
    for name, m in r["endpoints"].items():
        lat = m["latency"]
        verdict = ""
        if name in {"detail_page", "api_read"}:
            verdict = "met" if m["target_met"] else "NOT met"
            verdict = f"  target p95 < {TARGET_P95_MS:.0f} ms: {verdict}"
        print(
            f"  {name:13} {m['path_example']}\n"
            f"  {'':13} status {m['statuses']} serial shown {m['serial_shown']}/{lat['n']} "
            f"queries {m['queries']}\n"
            f"  {'':13} p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  p99 {lat['p99_ms']} ms  "
            f"max {lat['max_ms']} ms{verdict}"
        )


# ---------------------------------------------------------------- child: common set-up


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if args.worker == "register":
        result = register_worker(args.weapons, args.batch)
    else:
        result = reads_worker(args.read_weapons, args.samples)
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        cursor.execute("SHOW server_version" if postgres else "SELECT sqlite_version()")
        result["database"] = f"{connection.vendor} {cursor.fetchone()[0]}"
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]  # a noisy machine?
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def setup_people(agency_codes: list[str]) -> tuple[list[Agency], User]:
    """Agencies (the first with national scope) and a registrar of the national registry."""
    from armstrace.accounts.services import create_agency, create_user
    from armstrace.core.context import audit_context

    with audit_context(actor_id=None, actor_name="bench", channel="system"):
        agencies = [
            create_agency(
                code=code,
                name=f"Agency {code}",
                kind="registry" if i == 0 else "police",
                country=REGISTRY_COUNTRY,
                national_scope=i == 0,
            )
            for i, code in enumerate(agency_codes)
        ]
        user = create_user(
            username="bench-registrar",
            password=PASSWORD,
            agency=agencies[0],
            roles=["registrar"],
            check_password=False,
        )
    return agencies, user


def create_parties(kind: str, count: int, *, country: str = REGISTRY_COUNTRY) -> list[Party]:
    from armstrace.registry.services import create_party

    return [
        create_party(
            kind=kind,
            name=f"{kind.replace('_', ' ').title()} {i:04d}",
            licence_number=f"{kind[:3].upper()}-{i:06d}",
            country=country,
        )
        for i in range(1, count + 1)
    ]


# ---------------------------------------------------------------- child: registration


def register_worker(count: int, batch: int) -> dict[str, Any]:
    from django.db import transaction

    from armstrace.audit.models import AuditEntry
    from armstrace.core.context import audit_context
    from armstrace.registry.services import create_party

    agencies, user = setup_people(["NFR"])
    with audit_context(actor_id=user.pk, actor_name=user.username, channel="job"):
        makers = [create_party(kind="manufacturer", name=m.name, country=m.country) for m in MAKERS]
        importers = create_parties("importer", 5)
        audit_before = AuditEntry.objects.count()
        batch_seconds: list[tuple[int, float]] = []
        started = time.perf_counter()
        for first in range(0, count, batch):
            size = min(batch, count - first)
            t0 = time.perf_counter()
            with transaction.atomic():
                for i in range(first, first + size):
                    register_one(i, agencies[0], makers, importers)
            batch_seconds.append((size, time.perf_counter() - t0))
            done = first + size
            if done % 2000 < batch or done == count:
                elapsed = time.perf_counter() - started
                print(f"  {done:,} weapons, {done / elapsed:.1f}/s", flush=True)
        seconds = time.perf_counter() - started
        audit_entries = AuditEntry.objects.count() - audit_before
    return {
        "weapons": count,
        "events": 3 * count,
        "events_per_weapon": ["manufactured", "exported", "imported"],
        "audit_entries": audit_entries,
        "batch_size": batch,
        "seconds": round(seconds, 2),
        "weapons_per_s": round(count / seconds, 1),
        "events_per_s": round(3 * count / seconds, 1),
        "audit_entries_per_s": round(audit_entries / seconds, 1),
        "weapons_per_s_first_10pct": decile_rate(batch_seconds[: max(1, len(batch_seconds) // 10)]),
        "weapons_per_s_last_10pct": decile_rate(batch_seconds[-max(1, len(batch_seconds) // 10) :]),
    }


def decile_rate(batches: list[tuple[int, float]]) -> float:
    return round(sum(n for n, _ in batches) / sum(s for _, s in batches), 1)


def register_one(i: int, agency: Agency, makers: list[Party], importers: list[Party]) -> None:
    """One weapon made abroad, exported to the registry's country and imported there."""
    from armstrace.registry.services import (
        EventInput,
        WeaponInput,
        record_life_event,
        register_weapon,
    )

    spec, maker = MAKERS[i % len(MAKERS)], makers[i % len(MAKERS)]
    importer = importers[i % len(importers)]
    year = 1995 + i % 28
    weapon = register_weapon(
        agency=agency,
        data=WeaponInput(
            serial_number=f"{spec.prefix}{i // len(MAKERS) + 1:06d}",
            manufacturer_name=spec.name,
            manufacturer=maker,
            weapon_type=spec.weapon_type,
            country_of_manufacture=spec.country,
            model=spec.model,
            calibre=spec.calibre,
            year_of_manufacture=year,
        ),
        first_event=EventInput(
            kind="manufactured", occurred_on=dt.date(year, 2, 1), country=spec.country
        ),
    )
    record_life_event(
        weapon=weapon,
        data=EventInput(
            kind="exported",
            occurred_on=dt.date(year, 5, 1),
            country=spec.country,
            counterpart_country=REGISTRY_COUNTRY,
            from_party=maker,
            document_ref=f"EXP-{year}-{i:07d}",
        ),
    )
    record_life_event(
        weapon=weapon,
        data=EventInput(
            kind="imported",
            occurred_on=dt.date(year, 6, 1),
            country=REGISTRY_COUNTRY,
            counterpart_country=spec.country,
            from_party=maker,
            to_party=importer,
            document_ref=f"IMP-{year}-{i:07d}",
            licence_number=importer.licence_number,
        ),
    )


# ---------------------------------------------------------------- child: reads


def reads_worker(count: int, samples: int) -> dict[str, Any]:
    from django.test import Client

    from armstrace.core.context import audit_context
    from armstrace.registry.services import create_party

    agencies, user = setup_people(["NFR", "PA", "PB", "PC"])
    with audit_context(actor_id=user.pk, actor_name=user.username, channel="job"):
        makers = [create_party(kind="manufacturer", name=m.name, country=m.country) for m in MAKERS]
        importers = create_parties("importer", 20)
        holders = [
            *create_parties("dealer", 200),
            *create_parties("state_unit", 50),
            *create_parties("individual", 1000),
            *create_parties("company", 100),
        ]
    rng = random.Random(2)  # the same sample on every run
    picked = set(rng.sample(range(count), min(count, samples + WARMUP)))
    started = time.perf_counter()
    sample, totals = load_weapons(count, agencies, user, makers, importers, holders, picked)
    load: dict[str, Any] = {**totals, "seconds": round(time.perf_counter() - started, 1)}
    load["table_sizes_mb"] = table_sizes()
    rng.shuffle(sample)

    client = Client(raise_request_exception=False)  # a failing view is a status, not a crash
    client.force_login(user)
    endpoints = {
        "detail_page": [(f"/weapons/{pk}/", serial) for pk, serial in sample],
        "api_read": [(f"/api/v1/weapons/{pk}", serial) for pk, serial in sample],
        "serial_lookup": [
            (f"/api/v1/weapons?{urlencode({'serial': serial})}", serial) for _, serial in sample
        ],
    }
    headers = api_headers(client, user, endpoints["api_read"][0][0])
    measured = {
        name: measure(client, requests, headers if name != "detail_page" else {})
        for name, requests in endpoints.items()
    }
    for name in ("detail_page", "api_read"):
        p95 = measured[name]["latency"].get("p95_ms")
        ok = measured[name]["statuses"] == {"200": len(sample) - WARMUP}
        measured[name]["target_met"] = bool(ok and p95 is not None and p95 < TARGET_P95_MS)
    return {"load": load, "endpoints": measured, "warmup": WARMUP, "target_p95_ms": TARGET_P95_MS}


def api_headers(client: Client, user: User, probe: str) -> dict[str, str]:
    """Session auth if the API accepts it; else a bearer token, as a machine would send."""
    from armstrace.accounts.services import issue_token
    from armstrace.core.context import audit_context

    if client.get(probe).status_code not in {401, 403}:
        return {}
    with audit_context(actor_id=user.pk, actor_name=user.username, channel="job"):
        _, secret = issue_token(user=user, name="bench")
    return {"Authorization": f"Bearer {secret}"}


def measure(
    client: Client, requests: list[tuple[str, str]], headers: dict[str, str]
) -> dict[str, Any]:
    """Time each request in-process; the first WARMUP requests are not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path, _ in requests[:WARMUP]:
        client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as queries:
        client.get(requests[WARMUP][0], headers=headers)
    query_count = len(queries.captured_queries)  # now: the next request clears the log
    statuses: Counter[str] = Counter()
    seconds: list[float] = []
    shown = 0
    for path, serial in requests[WARMUP:]:
        t0 = time.perf_counter()
        response = client.get(path, headers=headers)
        seconds.append(time.perf_counter() - t0)
        statuses[str(response.status_code)] += 1
        shown += serial in response.content.decode(errors="replace")
    return {
        "path_example": requests[WARMUP][0],
        "statuses": dict(statuses),
        "serial_shown": shown,
        "queries": query_count,
        "latency": common.latency_summary(seconds),
    }


def table_sizes() -> dict[str, float]:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in ("registry_weapon", "registry_event", "audit_auditentry"):
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = round(cursor.fetchone()[0] / 1024 / 1024, 1)
    return sizes


@dataclass
class Chain:
    """The audit chain's tail while loading: rows are appended exactly as services would."""

    seq: int
    hash: str
    actor_id: int
    actor_name: str

    def entry(
        self, tag: str, weapon_id: str, data: dict[str, Any], at: dt.datetime
    ) -> dict[str, Any]:
        from armstrace.audit.chain import entry_hash

        payload: dict[str, Any] = {
            "seq": self.seq + 1,
            "kind": "event",
            "tag": tag,
            "created_at": at.isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "channel": "job",
            "correlation_id": uuid.UUID(weapon_id).hex,  # one registration, one id
            "purpose": "",
            "object_type": "registry.weapon",
            "object_id": weapon_id,
            "before": None,
            "after": None,
            "data": data,
        }
        digest = entry_hash(self.hash, payload)
        row = {**payload, "created_at": at, "data": json.dumps(data), "prev_hash": self.hash}
        self.seq, self.hash = payload["seq"], digest
        return {**row, "hash": digest}


def load_weapons(
    count: int,
    agencies: list[Agency],
    user: User,
    makers: list[Party],
    importers: list[Party],
    holders: list[Party],
    picked: set[int],
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """COPY `count` weapons, each imported and (mostly) transferred to a holder, with their
    events and typed audit entries; returns the picked weapons' (id, serial) pairs."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from armstrace.audit.models import AuditEntry, ChainHead
    from armstrace.registry.models import Event, Weapon

    head = ChainHead.objects.get(id=1)
    chain = Chain(head.seq, head.hash, user.pk, user.username)
    sample: list[tuple[str, str]] = []
    totals = {"weapons": 0, "events": 0, "audit_entries": 0}
    event_id = 0
    with transaction.atomic():
        for first in range(0, count, CHUNK):
            weapons: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            entries: list[dict[str, Any]] = []
            for i in range(first, min(count, first + CHUNK)):
                weapon, its_events, its_entries = weapon_rows(
                    i, agencies, chain, makers, importers, holders, event_id
                )
                event_id += len(its_events)
                weapons.append(weapon)
                events += its_events
                entries += its_entries
                if i in picked:
                    sample.append((str(weapon["id"]), weapon["serial_number"]))
            copy_rows(Weapon, weapons)
            copy_rows(Event, events)
            copy_rows(AuditEntry, entries)
            totals["weapons"] += len(weapons)
            totals["events"] += len(events)
            totals["audit_entries"] += len(entries)
            print(f"  loaded {totals['weapons']:,} weapons", flush=True)
        ChainHead.objects.filter(id=1).update(seq=chain.seq, hash=chain.hash)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Event]):
                cursor.execute(sql)
    with connection.cursor() as cursor:  # what autovacuum would do on a live database
        cursor.execute("VACUUM ANALYZE registry_weapon, registry_event, audit_auditentry")
    return sample, totals


def weapon_rows(
    i: int,
    agencies: list[Agency],
    chain: Chain,
    makers: list[Party],
    importers: list[Party],
    holders: list[Party],
    last_event_id: int,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """One weapon's rows; statuses come from the transition table, as in the services."""
    from armstrace.core.text import normalise_serial
    from armstrace.registry import rules
    from armstrace.registry.choices import EventKind, Status

    spec, maker = MAKERS[i % len(MAKERS)], makers[i % len(MAKERS)]
    importer = importers[i % len(importers)]
    holder = holders[(i * 7919) % len(holders)] if i % 10 else None  # 1 in 10: still in stock
    year = 1975 + i % 48
    weapon_id = uuid.uuid4()
    serial = f"{spec.prefix}{i // len(MAKERS) + 1:06d}"
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i)
    steps: list[tuple[EventKind, Party, dt.date]] = [
        (EventKind.IMPORTED, importer, dt.date(year + 1, 3, 1))
    ]
    if holder is not None:
        steps.append((EventKind.TRANSFERRED, holder, dt.date(year + 1, 3, 1 + i % 28)))
    events: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    status = ""  # before the first event
    for seq, (kind, to_party, day) in enumerate(steps, start=1):
        before = Status(status) if status else None
        after = rules.next_status(before, kind, to_party_kind=to_party.kind).value
        event_id = last_event_id + seq
        events.append(
            {
                "id": event_id,
                "weapon_id": weapon_id,
                "seq": seq,
                "kind": kind.value,
                "occurred_on": day,
                "place": "Mombasa" if kind == EventKind.IMPORTED else "Nairobi",
                "country_id": REGISTRY_COUNTRY,
                "counterpart_country_id": spec.country if kind == EventKind.IMPORTED else None,
                "from_party_id": maker.pk if kind == EventKind.IMPORTED else importer.pk,
                "to_party_id": to_party.pk,
                "document_ref": f"{kind.value[:3].upper()}-{year}-{i:07d}",
                "licence_number": to_party.licence_number,
                "notes": "",
                "status_before": status,
                "status_after": after,
                "recorded_at": at,
                "recorded_by_id": chain.actor_id,
                "recorded_by_name": chain.actor_name,
                "correlation_id": weapon_id.hex,
            }
        )
        data = {"event_id": event_id, "status_before": status, "status_after": after}
        entries.append(chain.entry(f"registry:weapon:{kind.value}", str(weapon_id), data, at))
        if seq == 1:
            data = {"serial_number": serial, "first_event": kind.value}
            entries.append(chain.entry("registry:weapon:registered", str(weapon_id), data, at))
        status = after
    weapon = {
        "id": weapon_id,
        "serial_number": serial,
        "serial_norm": normalise_serial(serial),
        "manufacturer_id": maker.pk,
        "manufacturer_name": spec.name,
        "country_of_manufacture_id": spec.country,
        "model": spec.model,
        "calibre": spec.calibre,
        "weapon_type": spec.weapon_type,
        "year_of_manufacture": year,
        "record_ref": f"IMP-{year + 1}-{i // 100:05d}",
        "agency_id": agencies[i % len(agencies)].pk,
        "status": status,
        "holder_id": steps[-1][1].pk,
        "last_event_on": steps[-1][2],
        "registered_at": at,
        "updated_at": at,
    }
    return weapon, events, entries


def copy_rows(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """COPY rows into the model's table. Columns missing from the rows (fields added since
    this was written) get their default, or NULL, or '' if blank; else this fails loudly."""
    from django.db import connection

    if not rows:
        return
    fixed: dict[str, Any] = {}
    names: list[str] = []
    columns: list[str] = []
    for field in model._meta.concrete_fields:
        if field.attname not in rows[0]:
            if field.primary_key:
                continue  # the database numbers it
            fixed[field.attname] = default_value(model, field)
        names.append(field.attname)
        columns.append(connection.ops.quote_name(field.column))
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = {**fixed, **row}
            copy.write_row([values[name] for name in names])


def default_value(model: type[Model], field: Any) -> Any:
    if field.has_default():
        return field.get_default()
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return dt.datetime.now(dt.UTC)
    if field.null:
        return None
    if field.blank and field.empty_strings_allowed:
        return ""
    raise RuntimeError(f"bench/registry.py: give {model.__name__}.{field.name} a value")


if __name__ == "__main__":
    sys.exit(main())
