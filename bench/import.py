"""Import benchmark: a generated CSV of weapon records through `armstrace import weapons`.

    python -m bench.import [--rows 1000000] [--db sqlite|postgres|both] [--seed 1]

End to end, as an operator runs it: reading, validation, reference resolution, the
serial index and the audit trail, on an empty database right after `armstrace migrate`.
The same run measures the machine's ceiling: the raw rate of loading the same file into
a bare table with no indexes or checks (PostgreSQL COPY; SQLite executemany), and reports
the ratio of the two.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common

HEADER = (
    "record_ref", "serial_number", "manufacturer", "country_of_manufacture", "model", "calibre",
    "weapon_type", "year_of_manufacture", "import_country", "import_year", "holder", "status",
)  # fmt: skip
# Manufacturer names as registries write them: names, short forms, other scripts, and a
# share that no reference entry knows (kept as written and flagged).
MAKERS = (
    ("Glock", "AT", "17", "9mm", "pistol"),
    ("GLOCK Ges.m.b.H.", "AT", "19", "9x19", "pistol"),
    ("Ceska Zbrojovka", "CZ", "75 B", "9 mm Luger", "pistol"),
    ("CZ", "CZ", "Scorpion", "9x19mm", "sub-machine-gun"),
    ("Beretta", "IT", "92FS", "9x19", "pistol"),
    ("Fabbrica d'Armi Pietro Beretta", "IT", "A400", "12 ga", "shotgun"),
    ("Norinco", "CN", "Type 56", "7.62x39", "assault-rifle"),
    ("Smith & Wesson", "US", "Model 10", ".38 Special", "revolver"),
    ("Remington", "US", "870", "12 gauge", "shotgun"),
    ("Sturm, Ruger & Co.", "US", "10/22", ".22 LR", "rifle"),
    ("Heckler & Koch", "DE", "G3", "7.62x51", "rifle"),
    ("FN Herstal", "BE", "FAL", "7.62 NATO", "rifle"),
    ("Izhmash", "RU", "AKM", "7.62x39mm", "assault-rifle"),
    ("Taurus", "BR", "PT92", "9mm Parabellum", "pistol"),
    ("Zastava", "RS", "M70", "7.62x39", "assault-rifle"),
    ("Mossberg", "US", "500", "12GA", "shotgun"),
    ("Baikal", "RU", "MP-153", "12 ga", "shotgun"),
    ("Walther", "DE", "PPK", "7.65mm", "pistol"),
    ("Local Gunsmith Ltd", "KE", "Custom", "12 ga", "shotgun"),
    ("Unknown maker", "", "", "", "rifle"),
)
STATUSES = ("", "", "", "civilian", "in civilian possession", "stolen", "lost", "state_holding")


def generate(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for n in range(rows):
            maker, country, model, calibre, kind = rng.choice(MAKERS)
            serial = (
                f"{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}{rng.randrange(10**6):06d}"
            )
            year = rng.randrange(1960, 2025)
            imported = rng.random() < 0.4
            out.writerow((
                f"L{n:08d}", serial if rng.random() > 0.1 else f"{serial[:2]}-{serial[2:]}", maker,
                country, model, calibre, kind, year,
                "KE" if imported else "", rng.randrange(year, 2026) if imported else "",
                f"Holder {rng.randrange(200_000)}" if rng.random() < 0.3 else "",
                rng.choice(STATUSES),
            ))  # fmt: skip


def ceiling(path: Path) -> float:
    """Rows per second loading the same file into a bare table: the machine's limit."""
    from django.db import connection

    cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_raw ({cols})")
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    "COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)"
                ) as copy:
                    for block in iter(lambda: handle.read(1 << 20), ""):
                        copy.write(block)
                rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
            else:
                reader = csv.reader(handle)
                next(reader)
                marks = ", ".join(["%s"] * len(HEADER))
                batch: list[list[str]] = []
                rows = 0
                for row in reader:
                    batch.append(row)
                    if len(batch) == 50_000:
                        cursor.executemany(f"INSERT INTO bench_raw VALUES ({marks})", batch)
                        rows += len(batch)
                        batch = []
                cursor.executemany(f"INSERT INTO bench_raw VALUES ({marks})", batch)
                rows += len(batch)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw")
    return rows / seconds


BREAKDOWN_TABLES = ("registry_weapon", "registry_event", "search_serialentry")


def _drop(sql: str) -> None:
    """Drop the constraints or indexes of the three bulk-loaded tables that `sql` lists."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, [list(BREAKDOWN_TABLES)])
        for statement in [row[0] for row in cursor.fetchall()]:
            cursor.execute(statement)


def breakdown(path: Path) -> dict[str, int]:
    """PostgreSQL only: the same file (a fifth at a time) imported as shipped, then without
    the foreign keys, then also without the trigram index, then without any secondary index,
    to show where the time goes. Each step adds to a registry that already holds the steps
    before it (a first fifth warms it)."""
    from django.core.management import call_command

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    step = (len(lines) - 1) // 5
    steps = (
        ("warm-up", ""),
        ("as shipped", ""),
        ("without foreign keys", "SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', "
         "conrelid::regclass, conname) FROM pg_constraint WHERE contype = 'f' AND "
         "conrelid::regclass::text = ANY(%s)"),
        ("... and without the trigram index", "SELECT format('DROP INDEX %%I', indexname) "
         "FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE '%%gin_trgm_ops%%'"),
        ("... and without any secondary index", "SELECT format('DROP INDEX %%I', indexname) "
         "FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef NOT LIKE '%%UNIQUE%%'"),
    )  # fmt: skip
    rates = {}
    for i, (name, sql) in enumerate(steps):
        if sql:
            _drop(sql)
        part = path.with_name(f"part-{i}.csv")
        part.write_text(lines[0] + "".join(lines[1 + i * step : 1 + (i + 1) * step]))
        started = time.perf_counter()
        call_command("import", "weapons", str(part), "--quiet", "--source", f"part-{i}")
        rates[name] = round(step / (time.perf_counter() - started))
        print(f"  {name}: {rates[name]:,} rows/s", flush=True)
    return rates


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from armstrace.registry.models import Weapon
    from armstrace.search.models import SerialEntry

    call_command("migrate", verbosity=0)
    if args.breakdown:
        args.out.write_text(json.dumps(breakdown(args.file)), encoding="utf-8")
        return 0
    started = time.perf_counter()
    call_command("import", "weapons", str(args.file), "--quiet", "--source", "bench")
    seconds = time.perf_counter() - started
    landed = Weapon.objects.count()
    result = {
        "rows": args.rows,
        "landed": landed,
        "indexed": SerialEntry.objects.count(),
        "seconds": round(seconds, 1),
        "rows_per_s": round(args.rows / seconds),
        "ceiling_rows_per_s": round(ceiling(args.file)),
    }
    result["ratio"] = round(result["rows_per_s"] / result["ceiling_rows_per_s"], 3)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


def on_database(engine: str, worker_args: list[str], tmp: str) -> dict[str, Any]:
    out = Path(tmp) / f"{engine}.json"
    if engine == "sqlite":
        env = common.django_env(f"sqlite:///{tmp}/bench.sqlite3", tmp)
        return common.run_child("bench.import", worker_args, env, out)
    from scripts.pgtemp import PostgresNotFoundError, PostgresStartError, temporary_postgres

    try:
        with temporary_postgres() as url:
            return common.run_child("bench.import", worker_args, common.django_env(url, tmp), out)
    except (PostgresNotFoundError, PostgresStartError) as exc:
        return {"error": str(exc)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--breakdown", action="store_true", help="PostgreSQL: time without FKs and indexes"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)
    machine = common.machine()
    print(json.dumps(machine, indent=2), flush=True)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        Path(tmp).chmod(0o755)
        data = Path(tmp) / "weapons.csv"
        generate(data, args.rows, args.seed)
        print(f"generated {args.rows:,} rows, {data.stat().st_size / 1e6:.0f} MB", flush=True)
        worker = ["--worker", "--rows", str(args.rows), "--file", str(data)]
        worker += ["--breakdown"] if args.breakdown else []
        engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        for engine in ["postgres"] if args.breakdown else engines:
            results[engine] = on_database(engine, worker, tmp)
            print(f"{engine}: {json.dumps(results[engine])}", flush=True)
    command = "python -m bench.import " + " ".join(sys.argv[1:] if argv is None else argv)
    path = common.write_results(
        "import", {"command": command.strip(), "machine": machine, "results": results}
    )
    print(f"results written to {path.relative_to(common.ROOT)}")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
