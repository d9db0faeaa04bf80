"""Search benchmark (issue 5): recall and latency of the tolerant weapon search.

    .venv/bin/python -m bench.search [--weapons 1000000] [--db postgres|sqlite|both]
                                     [--queries 300] [--seed 1]

1. Generates a registry: the curated manufacturers of the reference data with Zipf volumes,
   each with 1-3 serial formats issued in dense sequential runs, models and calibres from
   the reference designs (licensed producers carry the family's model names), and a share of
   serials repeated at 2-3 makers. It is loaded bypassing the ORM (COPY on PostgreSQL,
   executemany on SQLite) into registry_weapon and search_serialentry, with the index rows
   computed by the functions armstrace/search/indexing.py uses; indexes are dropped during
   the load and re-created from their own catalogue SQL, then the tables are analysed.
2. Draws query sets per class from the records, written as investigators write them, and
   runs each through `search_weapons`; reports recall@1, recall@10, the ambiguity ceiling
   (a direct SQL count of the records that fit the evidence exactly), p50/p95/p99 latency
   and the plans chosen. Then the plain baselines on the same queries: exact match on the
   serial as written, and (PostgreSQL) trigram similarity ordering.

Settings are read once per process, so each database runs in a child process (this module
again, with the hidden `--worker` flag). Figures are printed as markdown and written as JSON
to bench/results/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import common

CHUNK = 50_000  # records generated and written per round
POOL = 3_000  # records kept per sampling pool (reservoir sampling while generating)
SHARE = 0.02  # records whose serial is repeated at 1-2 other makers
LIMIT = 10
BASELINE_BOX_S = 30.0  # a baseline class stops after this many seconds
SERVICE_BOX_S = 240.0  # so does a service class (a safety net, not expected to trigger)
WARMUP = 40
LICENSED = frozenset({"licensed", "copy", "derivative"})
EXACT_P99_MS = 5.0
OTHER_P99_MS = {"postgresql": 50.0, "sqlite": 100.0}
STATUSES = ("in_stock", "civilian", "state_holding", "issued", "exported")
KINDS = {"digits": 0.3, "prefix": 0.25, "dashed": 0.1, "year": 0.1, "suffix": 0.1, "ps": 0.15}
WORDS = ("Ranger", "Sentinel", "Falcon", "Guardian", "Scout", "Tracker", "Warden", "Kestrel")
TYPE_CALIBRES = {
    "pistol": ("9x19", ".45-acp", ".40-sw", ".380-acp"),
    "revolver": (".357-magnum", ".38-special", ".44-magnum"),
    "rifle": (".308-winchester", "7.62x51", ".30-06", ".243-winchester"),
    "shotgun": ("12-gauge", "20-gauge"),
    "carbine": ("5.56x45", ".223-remington", ".30-carbine"),
}
# Latin capitals and the Cyrillic capitals that look the same (written as escapes on purpose).
CYRILLIC = str.maketrans(
    "ABCEHKMOPTX", "\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425"
)


# ---------------------------------------------------------------- parent: orchestration


def on_sqlite(worker_args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        env = common.django_env(f"sqlite:///{tmp}/bench.sqlite3", tmp)
        return common.run_child("bench.search", worker_args, env, Path(tmp) / "result.json")


def on_postgres(worker_args: list[str]) -> dict[str, Any]:
    from scripts.pgtemp import PostgresNotFoundError, PostgresStartError, temporary_postgres

    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        try:
            with temporary_postgres() as url:
                env = common.django_env(url, tmp)
                return common.run_child("bench.search", worker_args, env, Path(tmp) / "result.json")
        except (PostgresNotFoundError, PostgresStartError) as exc:
            return {"error": str(exc)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--weapons", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--queries", type=int, default=300, help="queries per class")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)

    machine = common.machine()
    print(machine_table(machine), flush=True)
    worker_args = ["--worker", "--weapons", str(args.weapons)]
    worker_args += ["--queries", str(args.queries), "--seed", str(args.seed)]
    results: dict[str, Any] = {}
    for engine in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        print(f"\n== {engine}: {args.weapons:,} weapons", flush=True)
        run = on_sqlite if engine == "sqlite" else on_postgres
        results[engine] = run(worker_args)
        print(report(results[engine]), flush=True)
    command = "python -m bench.search " + " ".join(sys.argv[1:] if argv is None else argv)
    payload = {"command": command.strip(), "machine": machine, "results": results}
    path = common.write_results("search", payload)
    print(f"\nresults written to {path.relative_to(common.ROOT)}")
    return 1 if any("error" in r for r in results.values()) else 0


# ---------------------------------------------------------------- the registry's makers


@dataclass(frozen=True)
class ModelSpec:
    model: str
    family: str | None  # design key, None for a model the reference data does not know
    relation: str  # original, licensed, copy, derivative; "" without a design
    calibres: tuple[str, ...]  # calibre keys, the usual one first
    weapon_type: str


@dataclass
class SerialFormat:
    """One way a maker numbers its weapons, issued in dense runs of one series at a time."""

    kind: str
    width: int
    letters: int
    gap: float  # mean step between consecutive serials of a run
    run_mean: float
    spaced: bool = False
    year_letter: bool = False
    groups: tuple[int, ...] = ()
    year: int = 1990
    series: dict[str, int] = field(default_factory=dict)
    current: str = ""
    left: int = 0

    def shape(self) -> str:
        """The normalised shape; a maker's formats never share one (no self-collisions)."""
        if self.kind in ("digits", "dashed"):
            return f"D{self.width}"
        if self.kind == "year":
            return f"D2LD{self.width}" if self.year_letter else f"D{2 + self.width}"
        return {"prefix": "L{l}D{w}", "suffix": "D{w}L", "ps": "L{l}D{w}L"}[self.kind].format(
            l=self.letters, w=self.width
        )

    def next(self, rng: random.Random) -> tuple[str, int | None]:
        if self.left <= 0 or self.series.get(self.current, 0) >= 10**self.width:
            self._new_run(rng)
        self.left -= 1
        number = self.series[self.current]
        step = 1 if self.gap <= 1 else 1 + int(rng.expovariate(1 / (self.gap - 1)))
        self.series[self.current] = number + step
        return self._text(number), self.year if self.kind == "year" else None

    def _new_run(self, rng: random.Random) -> None:
        self.left = 1 + int(rng.expovariate(1 / self.run_mean))
        if self.kind in ("digits", "dashed"):
            low = 10 ** (self.width - 1) if self.kind == "digits" else 0
            start = self.series.get("", low + rng.randrange(10 ** (self.width - 1)))
            start += rng.randrange(max(1, 10 ** (self.width - 3)))
            self.series[""] = start if start < 10**self.width else low + rng.randrange(100)
            return
        if self.kind == "year":
            self.year = self.year + 1 if self.year < 2024 else 1970
            letter = rng.choice("ABCDE") if self.year_letter else ""
            self.current = f"{self.year % 100:02d}{letter}"
        elif self.series and rng.random() < 0.3:
            self.current = rng.choice(sorted(self.series))
        else:
            letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(self.letters))
            suffix = rng.choice("ABCDEFGHKMNPRTWXYZ") if self.kind in ("suffix", "ps") else ""
            self.current = letters + suffix
        self.series.setdefault(self.current, rng.randrange(10 ** (self.width - 1)))

    def _text(self, n: int) -> str:
        if self.kind == "digits":
            return str(n)
        digits = f"{n:0{self.width}d}"
        if self.kind == "dashed":
            cuts = [sum(self.groups[:i]) for i in range(len(self.groups) + 1)]
            return "-".join(digits[a:b] for a, b in itertools.pairwise(cuts))
        if self.kind == "year":
            return f"{self.current}-{digits}"
        if self.kind == "prefix":
            return f"{self.current}{' ' if self.spaced else ''}{digits}"
        if self.kind == "suffix":
            return f"{digits}{self.current}"
        return f"{self.current[:-1]}{digits}{self.current[-1]}"


def new_format(kind: str, volume: float, rng: random.Random) -> SerialFormat:
    gap = rng.uniform(1.0, 4.0)
    run_mean = math.exp(rng.uniform(math.log(300), math.log(20_000)))
    if kind in ("digits", "dashed"):
        width = max(
            5, min(10, math.ceil(math.log10(max(10.0, volume * gap * 3))) + rng.randint(0, 1))
        )
        first = rng.choice((2, 3)) if width >= 6 else 2
        rest = width - first
        groups = (first, rest) if rest <= 5 or rng.random() < 0.5 else (first, rest - 2, 2)
        return SerialFormat(kind, width, 0, gap, run_mean, groups=groups)
    if kind == "year":
        letter, year = rng.random() < 0.4, rng.randint(1965, 2015)
        return SerialFormat(
            kind, rng.randint(4, 6), 0, gap, run_mean, year_letter=letter, year=year
        )
    letters = rng.randint(1, 3) if kind == "prefix" else rng.randint(1, 2) if kind == "ps" else 0
    width = rng.randint(4, 7) if kind != "suffix" else rng.randint(5, 8)
    return SerialFormat(kind, width, letters, gap, run_mean, spaced=rng.random() < 0.3)


@dataclass
class MakerSpec:
    ref_id: int
    key: str
    name: str
    country: str | None
    query_names: list[str]  # the name and aliases the reference data resolves to this maker
    models: list[ModelSpec]
    formats: list[SerialFormat] = field(default_factory=list)
    format_cum: list[float] = field(default_factory=list)
    model_cum: list[float] = field(default_factory=list)
    party_id: int = 0


@dataclass
class World:
    """What the generator and the query builder know about the registry."""

    makers: list[MakerSpec]
    maker_cum: list[float]
    calibre_forms: dict[str, list[str]]  # calibre key -> ways to write it
    calibre_ids: dict[str, int]
    family_producers: dict[str, set[int]]  # design key -> reference ids of its producers
    family_names: dict[str, list[str]]  # design key -> family names that resolve to it
    originator_names: dict[str, list[str]]  # design key -> names of its originator
    family_models: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def ascii_names(values: list[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v.isascii() and len(v) >= 2]


def designation_pieces(designation: str) -> list[str]:
    """'M70 / M70A (Yugoslavia)' -> ['M70', 'M70A']: how a model is written on a record."""
    pieces = re.split(r" / |, ", re.sub(r"\s*\([^)]*\)", "", designation))
    return [p.strip() for p in pieces if p.strip()]


def resolves(maker: str, model: str, family: str, maker_key: str) -> bool:
    from armstrace.reference.identify import identify

    found = identify(manufacturer=maker, model=model, limit=1).candidates
    return bool(found) and (found[0].design_key, found[0].manufacturer_key) == (family, maker_key)


def maker_models(maker: Mapping[str, Any], rng: random.Random) -> list[ModelSpec]:
    """Models from the reference designs this maker produces, as the data resolves them."""
    from armstrace.reference.models import Design, Variant

    specs: list[ModelSpec] = []
    variants = Variant.objects.filter(producer_id=maker["id"]).select_related("design")
    for v in variants.order_by("id"):
        calibres = tuple(v.calibres) or tuple(
            v.design.calibres.order_by("id").values_list("key", flat=True)
        )
        names = ascii_names(designation_pieces(v.designation) + list(v.aliases))
        good = [n for n in names[:6] if resolves(maker["name"], n, v.design.key, maker["key"])]
        specs += [
            ModelSpec(n, v.design.key, v.relation, calibres, v.design.weapon_type or "rifle")
            for n in good[:2]
        ]
    produced = {s.family for s in specs}
    for d in Design.objects.filter(originator_id=maker["id"]).order_by("id"):
        if d.key in produced:
            continue
        calibres = tuple(d.calibres.order_by("id").values_list("key", flat=True))
        names = ascii_names([*d.aliases, d.name])
        good = [n for n in names[:6] if resolves(maker["name"], n, d.key, maker["key"])]
        specs += [
            ModelSpec(n, d.key, "original", calibres, d.weapon_type or "rifle") for n in good[:2]
        ]
    return specs or plain_models(rng)


def plain_models(rng: random.Random) -> list[ModelSpec]:
    """Plausible models for makers without a design in the reference data."""
    from armstrace.reference.identify import identify

    specs = []
    for _ in range(rng.randint(1, 3)):
        name = f"{rng.choice(WORDS)} {rng.randint(10, 990)}"
        found = identify(model=name, limit=1).candidates
        if found and found[0].design_key:
            continue  # would read as a real design
        weapon_type = rng.choice(sorted(TYPE_CALIBRES))
        specs.append(ModelSpec(name, None, "", TYPE_CALIBRES[weapon_type], weapon_type))
    return specs or [ModelSpec("Ranger 100", None, "", TYPE_CALIBRES["pistol"], "pistol")]


def calibre_forms(keys: set[str]) -> dict[str, list[str]]:
    """Ways to write each calibre that the reference data reads back as that calibre."""
    from armstrace.reference.identify import identify
    from armstrace.reference.models import CalibreAlias

    forms: dict[str, list[str]] = {}
    for key in sorted(keys):
        aliases = ascii_names(
            [key, *CalibreAlias.objects.filter(calibre__key=key).values_list("alias", flat=True)]
        )
        good = []
        for alias in [a for a in aliases if len(a) <= 16][:12]:
            found = identify(calibre=alias, limit=1).candidates
            if found and found[0].calibre_key == key:
                good.append(alias)
        forms[key] = good or [key]
    return forms


def build_world(rng: random.Random) -> World:
    from armstrace.reference.identify import identify
    from armstrace.reference.models import Calibre, Design, Manufacturer, ManufacturerAlias

    rows = list(
        Manufacturer.objects.exclude(kind="ncic")
        .order_by("key")
        .values("id", "key", "name", "country_id")
    )
    makers = []
    for m in rows:
        aliases = ManufacturerAlias.objects.filter(manufacturer_id=m["id"], kind="alias")
        names = ascii_names([m["name"], *aliases.order_by("id").values_list("alias", flat=True)])
        names = [n for n in names[:8] if top_maker(identify(manufacturer=n, limit=1)) == m["key"]]
        makers.append(
            MakerSpec(
                m["id"],
                m["key"],
                m["name"],
                m["country_id"],
                names[:4] or [m["name"]],
                maker_models(m, rng),
            )
        )
    rng.shuffle(makers)  # Zipf volumes fall on makers at random
    weights = [1 / (rank + 1) for rank in range(len(makers))]
    keys = {c for m in makers for s in m.models for c in s.calibres}
    world = World(
        makers=makers,
        maker_cum=cumulative(weights),
        calibre_forms=calibre_forms(keys),
        calibre_ids=dict(Calibre.objects.values_list("key", "id")),
        family_producers=defaultdict(set),
        family_names={},
        originator_names={},
    )
    by_key = {m.key: m for m in makers}
    for spec in makers:
        for model in spec.models:
            if model.family:
                world.family_producers[model.family].add(spec.ref_id)
                world.family_models[model.family].add(model.model)
    for d in Design.objects.exclude(originator=None).select_related("originator"):
        origin = by_key.get(d.originator.key) if d.originator else None
        if origin is None:
            continue
        world.family_producers[d.key].add(origin.ref_id)
        names = [n for n in ascii_names([*d.aliases, d.name])[:8]
                 if resolves(origin.query_names[0], n, d.key, origin.key)]  # fmt: skip
        if names:
            world.family_names[d.key] = names[:3]
            world.originator_names[d.key] = origin.query_names
    return world


def top_maker(result: Any) -> str | None:
    return result.candidates[0].manufacturer_key if result.candidates else None


def cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def pick(cum: list[float], rng: random.Random) -> int:
    import bisect

    return min(bisect.bisect_left(cum, rng.random()), len(cum) - 1)


def plan_formats(world: World, weapons: int, rng: random.Random) -> None:
    """1-3 serial formats per maker, sized to its volume; a maker never repeats a shape."""
    previous = 0.0
    for maker, cum in zip(world.makers, world.maker_cum, strict=True):
        volume = weapons * (cum - previous)
        previous = cum
        shares = sorted((rng.random() for _ in range(rng.choice((1, 1, 2, 2, 3)))), reverse=True)
        shapes: set[str] = set()
        for share in shares:
            for _ in range(20):
                kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
                fmt = new_format(kind, volume * share / sum(shares), rng)
                if fmt.shape() not in shapes:
                    shapes.add(fmt.shape())
                    maker.formats.append(fmt)
                    break
        maker.format_cum = cumulative(shares[: len(maker.formats)])
        maker.model_cum = cumulative([1 / (i + 1) for i in range(len(maker.models))])


# ---------------------------------------------------------------- generation


@dataclass(frozen=True)
class Record:
    weapon_id: uuid.UUID
    serial: str
    maker: int  # index into World.makers
    model: ModelSpec
    calibre: str  # key
    written_calibre: str
    year: int
    shared: bool


def records(world: World, total: int, rng: random.Random) -> Iterator[Record]:
    """`total` records, makers interleaved; SHARE of serials also issued at 1-2 other makers."""
    made = 0
    while made < total:
        m = pick(world.maker_cum, rng)
        maker = world.makers[m]
        serial, year = maker.formats[pick(maker.format_cum, rng)].next(rng)
        copies = rng.randint(1, 2) if rng.random() < SHARE else 0
        copies = min(copies, total - made - 1)
        yield record(world, m, serial, year, copies > 0, rng)
        others = (
            rng.sample([i for i in range(len(world.makers)) if i != m], copies) if copies else []
        )
        for other in others:
            yield record(world, other, serial, None, True, rng)
        made += 1 + copies


def record(
    world: World, m: int, serial: str, year: int | None, shared: bool, rng: random.Random
) -> Record:
    maker = world.makers[m]
    model = maker.models[pick(maker.model_cum, rng)]
    calibre = ""
    if model.calibres:
        calibre = model.calibres[0] if rng.random() < 0.7 else rng.choice(model.calibres)
    forms = world.calibre_forms.get(calibre, [calibre])
    # One way of writing the calibre per maker and model, the same on every run.
    written = forms[zlib.crc32(f"{maker.key}/{model.model}".encode()) % len(forms)]
    return Record(
        uuid.UUID(int=rng.getrandbits(128), version=4),
        serial,
        m,
        model,
        calibre,
        written,
        year or rng.randint(1955, 2024),
        shared,
    )


class Reservoir:
    """A fixed-size uniform sample of a stream (Algorithm R), reproducible by seed."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size, self.rng, self.seen, self.items = size, rng, 0, list[Record]()

    def offer(self, item: Record) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        elif (j := self.rng.randrange(self.seen)) < self.size:
            self.items[j] = item


# ---------------------------------------------------------------- loading


W_VARIABLE = ("id", "serial_number", "serial_norm", "year_of_manufacture", "record_ref", "status")
W_FIXED = ("manufacturer_id", "manufacturer_name", "country_of_manufacture_id", "model", "calibre",
           "calibre_ref_id", "weapon_type", "agency_id", "holder_id", "last_event_on",
           "registered_at", "updated_at", "import_country_id", "import_year", "source",
           "unresolved")  # fmt: skip
E_COLUMNS = ("weapon_id", "source", "source_id", "value", "norm", "canon", "canon_rev", "length",
             "maker_id")  # fmt: skip


class Loader:
    """Writes records to registry_weapon and search_serialentry, bypassing the ORM."""

    def __init__(self, world: World, agency_id: int, registered: str) -> None:
        from django.db import connection

        from armstrace.search.indexing import confusables

        self.postgres = connection.vendor == "postgresql"
        self.world, self.agency_id, self.registered = world, agency_id, registered
        self.table = confusables()
        self.fixed: dict[tuple[int, str, str, str], tuple[Any, ...]] = {}

    def fixed_values(self, r: Record) -> tuple[Any, ...]:
        key = (r.maker, r.model.model, r.calibre, r.written_calibre)
        if key not in self.fixed:
            maker = self.world.makers[r.maker]
            self.fixed[key] = (
                maker.party_id, maker.name, maker.country, r.model.model, r.written_calibre,
                self.world.calibre_ids.get(r.calibre), r.model.weapon_type, self.agency_id,
                None, None, self.registered, self.registered, None, None, "bench", "{}",
            )  # fmt: skip
        return self.fixed[key]

    def rows(self, r: Record, i: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        from armstrace.core.text import normalise_serial
        from armstrace.search.serials import canonical, reverse

        norm = normalise_serial(r.serial)[:200]
        canon = canonical(norm, self.table)
        wid: Any = r.weapon_id if self.postgres else r.weapon_id.hex
        status = STATUSES[i % len(STATUSES)]
        weapon = (wid, r.serial, norm, r.year, f"BENCH-{i:09d}", status, *self.fixed_values(r))
        maker_ref = self.world.makers[r.maker].ref_id
        entry = (
            wid,
            "primary",
            None,
            r.serial[:200],
            norm,
            canon,
            reverse(canon),
            len(norm),
            maker_ref,
        )
        return weapon, entry

    def write(self, weapons: list[tuple[Any, ...]], entries: list[tuple[Any, ...]]) -> None:
        from django.db import connection

        w_cols, e_cols = ", ".join(W_VARIABLE + W_FIXED), ", ".join(E_COLUMNS)
        raw = connection.connection
        if self.postgres:
            with raw.cursor() as cursor:
                for table, cols, rows in (("registry_weapon", w_cols, weapons),
                                          ("search_serialentry", e_cols, entries)):  # fmt: skip
                    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        copy.write("".join(copy_line(row) for row in rows))
            return
        marks = ", ".join("?" * len(W_VARIABLE + W_FIXED))
        raw.executemany(f"INSERT INTO registry_weapon ({w_cols}) VALUES ({marks})", weapons)
        marks = ", ".join("?" * len(E_COLUMNS))
        raw.executemany(f"INSERT INTO search_serialentry ({e_cols}) VALUES ({marks})", entries)


def copy_line(row: tuple[Any, ...]) -> str:
    """COPY text format; the generated values hold no tab, newline or backslash."""
    return "\t".join("\\N" if v is None else str(v) for v in row) + "\n"


def check_columns() -> None:
    """The loader names its columns; a schema change must fail here, not load garbage."""
    from armstrace.registry.models import Weapon
    from armstrace.search.models import SerialEntry

    for model, names in ((Weapon, W_VARIABLE + W_FIXED), (SerialEntry, ("id", *E_COLUMNS))):
        columns = {f.column for f in model._meta.concrete_fields}
        if columns != set(names):
            raise RuntimeError(f"bench/search.py: {model.__name__} columns are now {columns}")


def secondary_indexes(tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every index that backs no constraint, from the catalogue."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND "
                "indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
                [list(tables)],
            )
        else:
            marks = ", ".join("%s" for _ in tables)
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks}) ORDER BY name",
                list(tables),
            )
        return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


def load(
    world: World, weapons: int, rng: random.Random, pools: dict[str, Reservoir]
) -> dict[str, Any]:
    from django.db import connection, transaction

    tables = ("registry_weapon", "search_serialentry")
    indexes = secondary_indexes(tables)
    loader = Loader(world, create_agency_and_parties(world), "2025-01-01 00:00:00")
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        if loader.postgres:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        else:
            cursor.execute("PRAGMA cache_size = -1000000")
        batch_w: list[tuple[Any, ...]] = []
        batch_e: list[tuple[Any, ...]] = []
        for i, rec in enumerate(records(world, weapons, rng)):
            offer(pools, world, rec)
            weapon, entry = loader.rows(rec, i)
            batch_w.append(weapon)
            batch_e.append(entry)
            if len(batch_w) == CHUNK:
                loader.write(batch_w, batch_e)
                batch_w, batch_e = [], []
                if (i + 1) % (CHUNK * 10) == 0:
                    print(f"  {i + 1:,} weapons, {time.perf_counter() - started:.0f} s", flush=True)
        loader.write(batch_w, batch_e)
    timings["rows_s"] = round(time.perf_counter() - started, 1)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if loader.postgres:
            cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, sql in indexes:
            cursor.execute(sql)
        if loader.postgres:
            cursor.execute("RESET maintenance_work_mem")
    timings["indexes_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if loader.postgres:
            cursor.execute("VACUUM ANALYZE registry_weapon")
            cursor.execute("VACUUM ANALYZE search_serialentry")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA cache_size = -2000")  # back to the default for queries
    timings["analyze_s"] = round(time.perf_counter() - t0, 1)
    timings["indexes_rebuilt"] = [name for name, _ in indexes]
    return timings


def offer(pools: dict[str, Reservoir], world: World, rec: Record) -> None:
    pools["any"].offer(rec)
    if rec.shared:
        pools["shared"].offer(rec)
    if rec.model.relation in LICENSED and rec.model.family in world.family_names:
        pools["licensed"].offer(rec)


def create_agency_and_parties(world: World) -> int:
    """The registry's agency and one manufacturer party per maker, linked to the reference."""
    from armstrace.accounts.services import create_agency
    from armstrace.core.context import audit_context
    from armstrace.core.text import normalise_name
    from armstrace.registry.models import Party

    with audit_context(actor_id=None, actor_name="bench", channel="system"):
        agency = create_agency(code="NFR", name="National registry", kind="registry",
                               country="KE", national_scope=True)  # fmt: skip
    parties = Party.objects.bulk_create(
        Party(
            kind="manufacturer",
            name=m.name,
            name_norm=normalise_name(m.name),
            country_id=m.country,
            manufacturer_ref_id=m.ref_id,
        )
        for m in world.makers
    )
    for maker, party in zip(world.makers, parties, strict=True):
        maker.party_id = party.pk
    return agency.pk


def sizes() -> dict[str, float]:
    """Table and index sizes in MiB (PostgreSQL), or the database file (SQLite)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            name = str(connection.settings_dict["NAME"])
            return {"database_file": round(Path(name).stat().st_size / 2**20, 1)}
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND pg_relation_size(c.oid) > 8 * 1024 * 1024 ORDER BY 2 DESC"
        )
        return {str(name): round(int(size) / 2**20, 1) for name, size in cursor.fetchall()}


def check_index_rows(world: World, samples: list[Record]) -> dict[str, int]:
    """The loaded index rows equal what armstrace.search.indexing computes for the weapon."""
    from armstrace.registry.models import Weapon
    from armstrace.search.indexing import confusables, entries_for
    from armstrace.search.models import SerialEntry

    fields = ("norm", "canon", "canon_rev", "length", "maker_id", "value")
    table, bad = confusables(), 0
    for rec in samples:
        weapon = Weapon.objects.select_related("manufacturer").get(pk=rec.weapon_id)
        want = [tuple(getattr(e, f) for f in fields) for e in entries_for(weapon, [], [], table)]
        have = list(SerialEntry.objects.filter(weapon_id=rec.weapon_id).values_list(*fields))
        bad += want != have
    return {"checked": len(samples), "mismatches": bad}


# ---------------------------------------------------------------- queries


@dataclass
class Query:
    cls: str
    target: str | None  # weapon id, None for a weapon not in the registry
    serial: str
    manufacturer: str = ""
    model: str = ""
    calibre: str = ""
    evidence: str = "pattern"  # how the serial fits: pattern, canon, one-sub
    maker_ids: tuple[int, ...] = ()  # evidence for the ceiling (reference maker ids)
    models: tuple[str, ...] = ()
    calibres: tuple[str, ...] = ()
    matches: int = 0  # records that fit the evidence
    ahead: int = 0  # of those, records that explain the query with fewer substitutions
    ties: int = 0  # ... and with as many as the weapon sought (itself included)

    def ceiling(self) -> float:
        """Expected recall@10 of the best ranking the evidence allows: records that need
        fewer misread characters than the weapon sought are more likely (each misreading
        is rare), records that need as many are as likely, in any order."""
        if not self.matches:
            return 1.0
        if self.ahead >= LIMIT:
            return 0.0
        return min(1.0, (LIMIT - self.ahead) / max(self.ties, 1))


def alnum_positions(serial: str) -> list[int]:
    return [i for i, ch in enumerate(serial) if ch.isalnum()]


def as_written(serial: str, rng: random.Random, cyrillic: bool = False) -> str:
    """How an investigator types a serial: case, spaces and dashes vary."""
    text = serial if rng.random() < 0.5 else re.sub(r"[ -]", "", serial)
    if len(text) > 3 and rng.random() < 0.4:
        at = rng.randrange(1, len(text))
        text = text[:at] + rng.choice(" -") + text[at:]
    if cyrillic:
        text = text.translate(CYRILLIC)
    roll = rng.random()
    if roll < 0.3:
        return text.lower()
    if roll < 0.5:
        return "".join(ch.lower() if rng.random() < 0.5 else ch for ch in text)
    return text


def confusable_classes() -> dict[str, str]:
    from django.conf import settings

    from armstrace.search.serials import DEFAULT_CONFUSABLES

    classes = getattr(settings, "ARMSTRACE_CONFUSABLES", DEFAULT_CONFUSABLES)
    return {ch: group for group in classes for ch in group}


def misread(serial: str, count: int, rng: random.Random) -> str | None:
    """`count` characters swapped for one of their confusables."""
    classes = confusable_classes()
    spots = [i for i in alnum_positions(serial) if serial[i] in classes]
    if len(spots) < count:
        return None
    chars = list(serial)
    for i in rng.sample(spots, count):
        chars[i] = rng.choice([c for c in classes[chars[i]] if c != chars[i]])
    return "".join(chars)


def misread_outside(serial: str, rng: random.Random) -> str:
    """One character swapped for one outside its confusable class (4 read as 9)."""
    classes = confusable_classes()
    i = rng.choice(alnum_positions(serial))
    pool = "0123456789" if serial[i].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    same = classes.get(serial[i], serial[i])
    return serial[:i] + rng.choice([c for c in pool if c not in same]) + serial[i + 1 :]


def obliterate(serial: str, count: int, rng: random.Random) -> str:
    chars = list(serial)
    for i in rng.sample(alnum_positions(serial), min(count, len(alnum_positions(serial)) - 1)):
        chars[i] = "?"
    return "".join(chars)


def cut(serial: str, lost: int, front: bool) -> str:
    """The serial without `lost` characters at its end (or front), separators kept."""
    spots = alnum_positions(serial)
    keep = spots[lost:] if front else spots[:-lost]
    return serial[keep[0] : keep[-1] + 1]


def family_evidence(world: World, spec: ModelSpec) -> tuple[str, ...]:
    """Models the search cannot tell apart from `spec`: its family, or itself."""
    return tuple(sorted(world.family_models[spec.family])) if spec.family else (spec.model,)


def calibre_evidence(world: World, key: str) -> tuple[str, ...]:
    return tuple(world.calibre_forms.get(key, [key]))


Builder = Callable[[World, Record, random.Random], Query | None]


def q_exact(world: World, r: Record, rng: random.Random) -> Query:
    return Query("exact", str(r.weapon_id), r.serial)


def with_maker(world: World, r: Record, rng: random.Random, q: Query) -> Query:
    maker = world.makers[r.maker]
    q.manufacturer = rng.choice(maker.query_names)
    q.maker_ids = (maker.ref_id,)
    return q


def q_exact_mfr(world: World, r: Record, rng: random.Random) -> Query:
    return with_maker(world, r, rng, Query("exact+mfr", str(r.weapon_id), r.serial))


def q_reformatted(world: World, r: Record, rng: random.Random) -> Query:
    serial = as_written(r.serial, rng, cyrillic=rng.random() < 0.2)
    return with_maker(world, r, rng, Query("reformatted+mfr", str(r.weapon_id), serial))


def q_misread(name: str, maker: bool) -> Builder:
    def build(world: World, r: Record, rng: random.Random) -> Query | None:
        serial = misread(r.serial, rng.randint(1, 2), rng)
        if serial is None:
            return None
        q = Query(name, str(r.weapon_id), as_written(serial, rng), evidence="canon")
        return with_maker(world, r, rng, q) if maker else q

    return build


def q_outside(world: World, r: Record, rng: random.Random) -> Query:
    serial = as_written(misread_outside(r.serial, rng), rng)
    q = Query("misread-outside+mfr", str(r.weapon_id), serial, evidence="one-sub")
    return with_maker(world, r, rng, q)


def q_obliterated(name: str, maker: bool, clues: bool = False) -> Builder:
    def build(world: World, r: Record, rng: random.Random) -> Query:
        q = Query(
            name, str(r.weapon_id), as_written(obliterate(r.serial, rng.randint(1, 3), rng), rng)
        )
        if clues:
            q.model, q.models = r.model.model, family_evidence(world, r.model)
            if r.calibre:
                q.calibre = rng.choice(world.calibre_forms.get(r.calibre, [r.calibre]))
                q.calibres = calibre_evidence(world, r.calibre)
        return with_maker(world, r, rng, q) if maker else q

    return build


def q_partial(front: bool) -> Builder:
    def build(world: World, r: Record, rng: random.Random) -> Query | None:
        lost = rng.randint(1, 4)
        if len(alnum_positions(r.serial)) - lost < 3:
            return None
        kept = as_written(cut(r.serial, lost, front), rng)
        serial, name = (f"*{kept}", "suffix+mfr") if front else (f"{kept}*", "prefix+mfr")
        return with_maker(world, r, rng, Query(name, str(r.weapon_id), serial))

    return build


def q_licensed(world: World, r: Record, rng: random.Random) -> Query | None:
    family = r.model.family or ""
    q = Query("licensed", str(r.weapon_id), as_written(r.serial, rng))
    q.manufacturer = rng.choice(world.originator_names[family])
    q.model = rng.choice(world.family_names[family])
    q.maker_ids = tuple(sorted(world.family_producers[family]))
    q.models = family_evidence(world, r.model)
    if r.calibre and rng.random() < 0.5:
        q.calibre = rng.choice(world.calibre_forms.get(r.calibre, [r.calibre]))
        q.calibres = calibre_evidence(world, r.calibre)
    return q


def q_shared(world: World, r: Record, rng: random.Random) -> Query:
    return with_maker(
        world, r, rng, Query("shared+mfr", str(r.weapon_id), as_written(r.serial, rng))
    )


def q_no_maker(world: World, r: Record, rng: random.Random) -> Query | None:
    if not r.calibre:
        return None
    q = Query("shared, model+calibre", str(r.weapon_id), as_written(r.serial, rng))
    q.model, q.models = r.model.model, family_evidence(world, r.model)
    q.calibre = rng.choice(world.calibre_forms.get(r.calibre, [r.calibre]))
    q.calibres = calibre_evidence(world, r.calibre)
    return q


CLASSES: list[tuple[str, str, Builder]] = [
    ("exact", "any", q_exact),
    ("exact+mfr", "any", q_exact_mfr),
    ("reformatted+mfr", "any", q_reformatted),
    ("misread+mfr", "any", q_misread("misread+mfr", True)),
    ("misread", "any", q_misread("misread", False)),
    ("misread-outside+mfr", "any", q_outside),
    ("obliterated+mfr", "any", q_obliterated("obliterated+mfr", True)),
    ("obliterated", "any", q_obliterated("obliterated", False)),
    (
        "obliterated+mfr+model+calibre",
        "any",
        q_obliterated("obliterated+mfr+model+calibre", True, True),
    ),
    ("prefix+mfr", "any", q_partial(front=False)),
    ("suffix+mfr", "any", q_partial(front=True)),
    ("licensed", "licensed", q_licensed),
    ("shared+mfr", "shared", q_shared),
    ("shared, model+calibre", "shared", q_no_maker),
]


def build_queries(
    world: World, pools: dict[str, Reservoir], n: int, rng: random.Random
) -> list[Query]:
    queries: list[Query] = []
    for _name, pool, builder in CLASSES:
        items, made = pools[pool].items, list[Query]()
        for _ in range(n * 20):
            if len(made) == n or not items:
                break
            q = builder(world, rng.choice(items), rng)
            if q is not None:
                made.append(q)
        queries += made
    return queries + absent_queries(world, pools["any"].items, n, rng)


def absent_queries(world: World, items: list[Record], n: int, rng: random.Random) -> list[Query]:
    """Serials in the makers' formats that no record carries."""
    from armstrace.core.text import normalise_serial
    from armstrace.search.models import SerialEntry

    made: list[Query] = []
    for _ in range(n * 20):
        if len(made) == n or not items:
            break
        r = rng.choice(items)
        serial = r.serial
        for _change in range(2):
            serial = misread_outside(serial, rng)
        if SerialEntry.objects.filter(norm=normalise_serial(serial)).exists():
            continue
        q = Query("absent", None, as_written(serial, rng))
        made.append(with_maker(world, r, rng, q) if rng.random() < 0.5 else q)
    return made


# ---------------------------------------------------------------- the ambiguity ceiling


def pattern_condition(pattern: str, postgres: bool, exact: bool = True) -> tuple[str, list[str]]:
    """SQL on the serial index for a normalised pattern, served by the index on the
    longer known end (as the engine does); `norm` then checks the pattern exactly."""
    from armstrace.search.indexing import confusables
    from armstrace.search.serials import Pattern, canonical, reverse

    def op(p: str) -> str:
        return p.replace("*", "%").replace("?", "_") if postgres else p

    like = "LIKE" if postgres else "GLOB"
    canon = canonical(pattern, confusables())
    shape = Pattern(canon)
    if len(shape.literal_suffix()) > len(shape.literal_prefix()):
        sql, params = f"e.canon_rev {like} %s", [op(reverse(canon))]
    else:
        sql, params = f"e.canon {like} %s", [op(canon)]
    return (f"{sql} AND e.norm {like} %s", [*params, op(pattern)]) if exact else (sql, params)


def evidence_sql(q: Query, serial_sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    sql = (
        "SELECT e.weapon_id, e.norm FROM search_serialentry e "
        "JOIN registry_weapon w ON w.id = e.weapon_id "
        f"WHERE e.source = 'primary' AND {serial_sql}"
    )
    for column, values in (
        ("e.maker_id", q.maker_ids),
        ("w.model", q.models),
        ("w.calibre", q.calibres),
    ):
        if values:
            sql += f" AND {column} IN ({', '.join('%s' for _ in values)})"
            params = [*params, *values]
    return sql, params


def count_matches(q: Query) -> None:
    """Records that fit the evidence exactly: the serial (as a pattern, as a confusable
    equivalent, or one substitution away for misreads outside the table), and the maker,
    model family and calibre when the query gives them. Sets q.matches, and q.ahead and
    q.ties by how many characters each fitting record differs from the query as read."""
    from django.db import connection

    from armstrace.search.indexing import confusables
    from armstrace.search.serials import canonical, parse

    postgres = connection.vendor == "postgresql"
    pattern = parse(q.serial).text
    if q.evidence == "canon":
        parts = [("e.canon = %s", [canonical(pattern, confusables())])]
    elif q.evidence == "one-sub":
        canon = canonical(pattern, confusables())
        subs = [canon[:i] + "?" + canon[i + 1 :] for i in range(len(canon))]
        parts = [pattern_condition(s, postgres, exact=False) for s in subs]
    elif "?" in pattern or "*" in pattern:
        parts = [pattern_condition(pattern, postgres)]
    else:
        parts = [("e.norm = %s", [pattern])]
    found: dict[str, str] = {}
    with connection.cursor() as cursor:
        for serial_sql, params in parts:
            cursor.execute(*evidence_sql(q, serial_sql, params))
            found |= {str(uuid.UUID(str(row[0]))): row[1] for row in cursor.fetchall()}
    q.matches = len(found)
    if q.evidence == "pattern" or q.target not in found:
        q.ahead, q.ties = 0, q.matches  # a pattern fits or it does not: all alike
        return
    distance = {wid: _differences(norm, pattern) for wid, norm in found.items()}
    sought = distance[q.target]
    q.ahead = sum(d < sought for d in distance.values())
    q.ties = sum(d == sought for d in distance.values())


def _differences(norm: str, read: str) -> int:
    """Characters to misread to turn `norm` into what was read (same length here)."""
    if len(norm) != len(read):
        return max(len(norm), len(read))
    return sum(a != b for a, b in zip(norm, read, strict=True))


# ---------------------------------------------------------------- measuring


def search(q: Query) -> Any:
    from armstrace.search.services import SearchQuery, search_weapons

    query = SearchQuery(
        serial=q.serial, manufacturer=q.manufacturer, model=q.model, calibre=q.calibre
    )
    return search_weapons(query=query, limit=LIMIT, log=False)


def warm_up(world: World, queries: list[Query]) -> None:
    """A long-running server has its reference caches filled: fill them the same way."""
    from armstrace.search.evidence import profile

    for maker in world.makers:
        for spec in maker.models:
            for key in spec.calibres or ("",):
                forms = world.calibre_forms.get(key, [key]) if key else [""]
                for written in forms:
                    profile(manufacturer=maker.name, model=spec.model, calibre=written,
                            weapon_type=spec.weapon_type, country=maker.country or "")  # fmt: skip
    for q in queries:
        search(q)


def measure_service(queries: list[Query]) -> dict[str, Any]:
    from armstrace.core.exceptions import DomainValidationError

    seconds: list[float] = []
    hit1 = hit10 = unique = unique_hit1 = truncated = errors = exact_absent = returned = 0
    ceiling = 0.0
    plans: Counter[str] = Counter()
    top_match: Counter[str] = Counter()
    slow: list[tuple[float, int, str]] = []
    misses: list[dict[str, Any]] = []
    started = time.perf_counter()
    for q in queries:
        if time.perf_counter() - started > SERVICE_BOX_S:
            break
        t0 = time.perf_counter()
        try:
            result = search(q)
        except DomainValidationError:
            errors += 1
            continue
        elapsed = time.perf_counter() - t0
        seconds.append(elapsed)
        slow.append((elapsed, len(slow), result.plan))
        plans[result.plan] += 1
        truncated += result.truncated
        ids = [c.weapon_id for c in result.candidates]
        returned += bool(ids)
        top_match[result.candidates[0].match if ids else "none"] += 1
        if q.target is None:
            exact_absent += any(c.match == "exact" for c in result.candidates)
            continue
        hit1 += ids[:1] == [q.target]
        hit10 += q.target in ids
        if ids[:1] != [q.target] and len(misses) < 10:
            misses.append(miss(q, result))
        ceiling += q.ceiling()
        if q.matches == 1:
            unique += 1
            unique_hit1 += ids[:1] == [q.target]
    n = len(seconds)
    out: dict[str, Any] = {
        "n": n,
        "latency": common.latency_summary(seconds),
        "plans": dict(plans.most_common()),
        "top_match": dict(top_match),
        "truncated": truncated,
        "errors": errors,
        "slowest": [
            (round(s * 1000, 1), queries[i].serial, queries[i].manufacturer, plan)
            for s, i, plan in sorted(slow)[-3:]
        ],
        "slowest_index": max(slow)[1] if slow else None,
    }
    if queries and queries[0].target is None:
        return {**out, "returned_exact": exact_absent, "returned_any": returned}
    return {
        **out,
        "recall_at_1": round(hit1 / n, 3) if n else None,
        "recall_at_10": round(hit10 / n, 3) if n else None,
        "ceiling": round(ceiling / n, 3) if n else None,
        "unique_n": unique,
        "unique_recall_at_1": round(unique_hit1 / unique, 3) if unique else None,
        "ambiguous_share": round(sum(q.matches > LIMIT for q in queries[:n]) / n, 3) if n else None,
        "misses": misses,
    }


def miss(q: Query, result: Any) -> dict[str, Any]:
    """A query whose record did not come first: what came instead, and the true record."""
    from armstrace.registry.models import Weapon

    ids = [c.weapon_id for c in result.candidates]
    rank = ids.index(q.target) + 1 if q.target in ids else None
    truth = (
        Weapon.objects.filter(pk=q.target or "")
        .values_list("serial_number", "manufacturer_name", "model", "calibre")
        .first()
    )
    top = result.candidates[0] if result.candidates else None
    return {
        "query": [q.serial, q.manufacturer, q.model, q.calibre],
        "matches": q.matches,
        "rank": rank,
        "truth": list(truth) if truth else None,
        "top": [top.serial_number, top.manufacturer, top.model, top.calibre, top.match, top.score]
        if top
        else None,
        "truth_score": next((c.score for c in result.candidates if c.weapon_id == q.target), None),
    }


def measure_baseline(
    queries: list[Query], sql: str, text: Callable[[Query], str]
) -> dict[str, Any]:
    from django.db import connection

    seconds: list[float] = []
    hit1 = hit10 = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for q in queries:
            if time.perf_counter() - started > BASELINE_BOX_S and len(seconds) >= 10:
                break
            t0 = time.perf_counter()
            cursor.execute(sql, [text(q)])
            ids = [str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()]
            seconds.append(time.perf_counter() - t0)
            hit1 += ids[:1] == [q.target]
            hit10 += q.target in ids
    n = len(seconds)
    return {
        "n": n,
        "of": len(queries),
        "latency": common.latency_summary(seconds),
        "recall_at_1": round(hit1 / n, 3) if n else None,
        "recall_at_10": round(hit10 / n, 3) if n else None,
    }


def trigram_text(q: Query) -> str:
    """What a similarity search is given: the readable parts of the serial."""
    from armstrace.core.text import normalise_serial

    return " ".join(p for p in (normalise_serial(x) for x in re.split(r"[?*]", q.serial)) if p)


def exact_text(q: Query) -> str:
    return q.serial


def baselines(by_class: dict[str, list[Query]], postgres: bool) -> dict[str, Any]:
    """Exact match as written, and trigram similarity ordering (PostgreSQL), each served by
    an index created for the baseline only (after the service was measured)."""
    from django.db import connection

    out: dict[str, Any] = {"exact": {}, "trigram": {}}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX bench_serial_as_written ON registry_weapon (serial_number)")
        if postgres:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(
                "CREATE INDEX bench_serial_trgm ON registry_weapon "
                "USING gist (serial_norm gist_trgm_ops)"
            )
        cursor.execute("ANALYZE registry_weapon")
    out["index_build_s"] = round(time.perf_counter() - t0, 1)
    exact_sql = "SELECT id FROM registry_weapon WHERE serial_number = %s LIMIT 10"
    trigram_sql = "SELECT id FROM registry_weapon ORDER BY serial_norm <-> %s LIMIT 10"
    for name, queries in by_class.items():
        if name == "absent":
            continue
        out["exact"][name] = measure_baseline(queries, exact_sql, exact_text)
        if postgres:
            out["trigram"][name] = measure_baseline(queries, trigram_sql, trigram_text)
            print(
                f"  baseline {name}: trigram r@10 {out['trigram'][name]['recall_at_10']}",
                flush=True,
            )
    return out


def breakdown(q: Query) -> dict[str, Any]:
    """One search again with its SQL captured: how many statements, how much of the time
    the database took, and the slowest statements (where the time goes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        search(q)
    wall = time.perf_counter() - t0
    timed = sorted(((float(c["time"]), c["sql"]) for c in captured.captured_queries), reverse=True)
    return {
        "serial": q.serial,
        "manufacturer": q.manufacturer,
        "wall_ms": round(wall * 1000, 1),
        "statements": len(timed),  # Django keeps at most 9000
        "sql_ms": round(sum(t for t, _ in timed) * 1000, 1),
        "top": [(round(t * 1000, 1), sql) for t, sql in timed[:3]],  # full SQL, for EXPLAIN
    }


def statements(queries: list[Query], slowest: Query | None) -> dict[str, Any]:
    """Statements per search on typical queries, and a breakdown of the slowest one."""
    counts = [breakdown(q)["statements"] for q in queries]
    return {
        "statements_per_search": round(sum(counts) / max(1, len(counts)), 1),
        "slowest_breakdown": breakdown(slowest) if slowest is not None else None,
    }


def explain_slowest(classes: dict[str, Any]) -> list[dict[str, Any]]:
    """The plans of the three slowest statements seen in the slowest searches."""
    seen = [
        (ms, sql, name)
        for name, c in classes.items()
        if c.get("slowest_breakdown")
        for ms, sql in c["slowest_breakdown"]["top"]
    ]
    worst = sorted(seen, reverse=True)[:3]
    return [
        {"class": name, "ms": ms, "sql": short(sql), "plan": [short(x) for x in explain(sql)]}
        for ms, sql, name in worst
    ]


def short(text: str, size: int = 400) -> str:
    """Statements with 2,000 ids in an IN list are unreadable in a report: cut them."""
    return text if len(text) <= size else f"{text[:size]} ... ({len(text):,} characters)"


def explain(sql: str) -> list[str]:
    from django.db import connection

    if not sql:
        return []
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN ") + sql)
        return [" | ".join(str(x) for x in row) for row in cursor.fetchall()]


# ---------------------------------------------------------------- child


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import armstrace.search.services  # noqa: F401  (the code measured is the code loaded now)
    from armstrace.core.context import audit_context

    t0 = time.perf_counter()
    result: dict[str, Any] = {"weapons": args.weapons, "code": code_version()}
    call_command("migrate", verbosity=0)
    check_columns()
    rng = random.Random(args.seed)
    world = build_world(rng)
    plan_formats(world, args.weapons, rng)
    setup_s = round(time.perf_counter() - t0, 1)
    print(f"  reference makers: {len(world.makers)}, set-up {setup_s} s", flush=True)
    pools = {name: Reservoir(POOL, random.Random(args.seed + i)) for i, name in
             enumerate(("any", "licensed", "shared"))}  # fmt: skip
    load_info = load(world, args.weapons, rng, pools)
    brief = {k: v for k, v in load_info.items() if k != "indexes_rebuilt"}
    print(f"  loaded: {brief}", flush=True)
    result.update(setup_s=setup_s, load=load_info)
    result["sizes_mib"] = sizes()
    result["index_check"] = check_index_rows(world, pools["any"].items[:200])
    qrng = random.Random(args.seed * 7919)
    queries = build_queries(world, pools, args.queries, qrng)
    t0 = time.perf_counter()
    for q in queries:
        if q.target is not None:
            count_matches(q)
    result["ceiling_counts_s"] = round(time.perf_counter() - t0, 1)
    by_class: dict[str, list[Query]] = defaultdict(list)
    for q in queries:
        by_class[q.cls].append(q)
    warm = build_queries(world, pools, 3, random.Random(args.seed + 99))[:WARMUP]
    t0 = time.perf_counter()
    from armstrace.search import column

    column.rebuild()  # as `armstrace serve` does at start
    result["column_build_s"] = round(time.perf_counter() - t0, 1)
    with audit_context(actor_id=None, actor_name="bench", channel="job", purpose="benchmark"):
        warm_up(world, warm)
        result["classes"] = {}
        for name, qs in by_class.items():
            result["classes"][name] = measure_service(qs)
            result["classes"][name]["matches_median"] = median([q.matches for q in qs])
            at = result["classes"][name].pop("slowest_index")
            result["classes"][name].update(statements(qs[:10], qs[at] if at is not None else None))
            print(f"  {name}: {summary_line(result['classes'][name])}", flush=True)
        result["explain_slowest_statements"] = explain_slowest(result["classes"])
        for c in result["classes"].values():
            if c["slowest_breakdown"]:
                c["slowest_breakdown"]["top"] = [
                    (ms, short(sql)) for ms, sql in c["slowest_breakdown"]["top"]
                ]
    result["baselines"] = baselines(by_class, connection.vendor == "postgresql")
    result["samples"] = {name: [asdict(q) for q in qs[:3]] for name, qs in by_class.items()}
    result["pools"] = {name: pool.seen for name, pool in pools.items()}
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        cursor.execute("SHOW server_version" if postgres else "SELECT sqlite_version()")
        result["database"] = f"{connection.vendor} {cursor.fetchone()[0]}"
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


def code_version() -> str:
    """The commit measured, and whether armstrace/ differed from it (the search code is
    imported once, when the child starts)."""
    import subprocess

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=common.ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "armstrace")
    return git("rev-parse", "--short", "HEAD") + (
        " + uncommitted changes in armstrace/" if dirty else ""
    )


def median(values: list[int]) -> float | None:
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2]) if ordered else None


def summary_line(c: dict[str, Any]) -> str:
    lat = c["latency"]
    return (
        f"n={c['n']} r@1={c.get('recall_at_1')} r@10={c.get('recall_at_10')} "
        f"ceiling={c.get('ceiling')} p50={lat.get('p50_ms')} p99={lat.get('p99_ms')} ms "
        f"plans={c['plans']}"
    )


# ---------------------------------------------------------------- report


def machine_table(m: dict[str, Any]) -> str:
    rows = [f"| {k} | {v} |" for k, v in m.items()]
    return "\n".join(["| machine | |", "|---|---|", *rows])


def verdict(name: str, c: dict[str, Any], vendor: str) -> str:
    """The issue's targets that apply to this class: met or not."""
    notes = []
    p99 = c["latency"].get("p99_ms", 0.0)
    limit = (
        EXACT_P99_MS
        if name.startswith("exact") and vendor == "postgresql"
        else OTHER_P99_MS[vendor]
    )
    notes.append(f"p99<{limit:g}: {'met' if p99 < limit else 'NOT met'}")
    if name.startswith("misread") and "outside" not in name:
        notes.append(f"r@10>=0.99: {'met' if c['recall_at_10'] >= 0.99 else 'NOT met'}")
    if name.startswith("misread"):
        gap = round(c["ceiling"] - c["recall_at_10"], 3)
        notes.append(f"{gap:+g} below the best ranking the evidence allows")
    if name.startswith(("obliterated", "prefix", "suffix")):
        ok = c["recall_at_10"] >= c["ceiling"] - 0.02
        notes.append(f"r@10 within 2 pts of ceiling: {'met' if ok else 'NOT met'}")
    clues = "mfr" in name or "model" in name or name == "licensed"
    if clues and c.get("unique_recall_at_1") is not None:
        ok = c["unique_recall_at_1"] >= 0.95
        notes.append(f"unique r@1>=0.95: {'met' if ok else 'NOT met'}")
    return "; ".join(notes)


def report(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"FAILED: {r['error']}"
    vendor = r["database"].split()[0]
    lines = [
        f"\n{r['database']}, {r['weapons']:,} weapons, code {r['code']}; "
        f"load {r['load']['rows_s']} s rows, "
        f"{r['load']['indexes_s']} s indexes, {r['load']['analyze_s']} s analyse",
        "",
        "| class | n | recall@1 | recall@10 | ceiling | r@1 unique (n) | p50 ms | p95 ms | p99 ms "
        "| plans | exact-as-written r@10 / p99 ms | trigram r@10 / p50 / p99 ms (n) | targets |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|---|---|",
    ]
    for name, c in r["classes"].items():
        lat = c["latency"]
        plans = ", ".join(f"{k} {v}" for k, v in c["plans"].items())
        if "returned_exact" in c:
            lines.append(
                f"| {name} | {c['n']} | returned `exact`: {c['returned_exact']} | "
                f"any candidate: {c['returned_any']} | | | {lat.get('p50_ms')} | "
                f"{lat.get('p95_ms')} | {lat.get('p99_ms')} | {plans} | | | |"
            )
            continue
        ex = r["baselines"]["exact"].get(name, {})
        tg = r["baselines"]["trigram"].get(name)
        tg_cell = "n/a"
        if tg:
            tl = tg["latency"]
            tg_cell = f"{tg['recall_at_10']} / {tl.get('p50_ms')} / {tl.get('p99_ms')} ({tg['n']})"
        lines.append(
            f"| {name} | {c['n']} | {c['recall_at_1']} | {c['recall_at_10']} | {c['ceiling']} | "
            f"{c['unique_recall_at_1']} ({c['unique_n']}) | {lat.get('p50_ms')} | "
            f"{lat.get('p95_ms')} | {lat.get('p99_ms')} | {plans} | "
            f"{ex.get('recall_at_10')} / {ex.get('latency', {}).get('p99_ms')} | {tg_cell} | "
            f"{verdict(name, c, vendor)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
