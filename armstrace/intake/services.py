"""Bulk import of weapon records from CSV and XLSX files (R6, R10).

A file is read as a stream and written in chunks, each chunk in one transaction with its
audit entry: a crash loses at most the chunk in flight, and re-running the file lands what
is missing. Records are keyed by (source, record_ref), so a re-run never duplicates one.
Rows that fail validation go to an error file with row, column and reason; the rest land.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.rawsql import select_where
from armstrace.core.safefiles import CsvSink
from armstrace.core.text import normalise_name, normalise_serial
from armstrace.intake import bulk
from armstrace.intake.fields import FIELDS
from armstrace.intake.models import ColumnMapping, ImportBatch, ImportKind
from armstrace.intake.readers import Row, RowError, Table
from armstrace.intake.resolve import Resolver
from armstrace.intake.runs import (
    ERROR_HEADER,
    LIMITS,
    ImportOptions,
    ImportReport,
    Progress,
    RowRejected,
    begin,
    field_text,
    finish_batch,
    open_source,
)
from armstrace.reference.models import Manufacturer
from armstrace.registry import rules
from armstrace.registry.choices import EventKind, PartyKind, Status
from armstrace.registry.models import Event, Party, Weapon
from armstrace.registry.services import EARLIEST_YEAR, create_party
from armstrace.search.indexing import confusables
from armstrace.search.models import EntrySource, SerialEntry


def save_mapping(
    *, name: str, kind: str, columns: dict[str, str], options: dict[str, str]
) -> ColumnMapping:
    """Save (or replace) a named layout; the old layout stays in the audit log."""
    fields = FIELDS[ImportKind(kind)]
    unknown = sorted(set(columns) - set(fields))
    if unknown:
        raise _mapping_error(unknown[0], fields)
    with transaction.atomic(), audit_batch():
        mapping, created = ColumnMapping.objects.update_or_create(
            name=name, defaults={"kind": kind, "columns": columns, "options": options}
        )
        record_event(
            "intake:mapping:saved",
            object_type="intake.columnmapping",
            object_id=str(mapping.pk),
            data={"name": name, "columns": columns, "options": options, "created": created},
        )
    return mapping


def _mapping_error(name: str, fields: tuple[str, ...]) -> ValueError:
    return ValueError(
        _("unknown field %(f)r in the mapping; fields are: %(all)s")
        % {"f": name, "all": ", ".join(fields)}
    )


# --- one row -------------------------------------------------------------------------


@dataclass
class Prepared:
    number: int
    record_ref: str
    serial: str
    serial_norm: str
    manufacturer_name: str
    maker_id: int | None
    country: str | None
    model: str
    calibre: str
    calibre_id: int | None
    weapon_type: str
    year: int | None
    import_country: str | None
    import_year: int | None
    holder: tuple[str, str, str] | None  # (kind, name, licence)
    status: Status | None
    notes: str
    unresolved: dict[str, str]
    # Worked out with the row: what the chunk's writer needs.
    holder_key: tuple[str, str, str] | None = None  # (kind, normalised name, licence)
    status_value: str = ""
    canon: str = ""


def _year(values: dict[str, str], name: str, this_year: int) -> int | None:
    text = values.get(name, "")
    if not text:
        return None
    if not text.isdigit() or not EARLIEST_YEAR <= int(text) <= this_year:
        raise RowRejected(
            name,
            _("%(v)r is not a year between %(low)d and %(high)d")
            % {"v": text[:20], "low": EARLIEST_YEAR, "high": this_year},
        )
    return int(text)


PARTY_KINDS = frozenset(PartyKind.values)
STATUS_WORDS = {normalise_name(s.value): s for s in Status} | {
    normalise_name(str(s.label)): s for s in Status
}


@functools.lru_cache(maxsize=1024)
def _status_of(text: str) -> Status | None:
    return STATUS_WORDS.get(normalise_name(text))


def _status(values: dict[str, str]) -> Status | None:
    text = values.get("status", "")
    if not text:
        return None
    status = _status_of(text)
    if status is None:
        raise RowRejected(
            "status",
            _("unknown status %(v)r; expected one of: %(all)s")
            % {"v": text[:40], "all": ", ".join(Status.values)},
        )
    return status


def _holder(values: dict[str, str]) -> tuple[str, str, str] | None:
    name = field_text(values, "holder")
    if not name:
        return None
    kind = values.get("holder_kind", "") or PartyKind.INDIVIDUAL
    if kind not in PARTY_KINDS:
        raise RowRejected(
            "holder_kind",
            _("unknown kind %(v)r; expected one of: %(all)s")
            % {"v": kind[:40], "all": ", ".join(PartyKind.values)},
        )
    return kind, name, field_text(values, "holder_licence")


def _check_texts(values: dict[str, str]) -> None:
    """Length and character checks of every cell at once (field_text names the culprit)."""
    for name, value in values.items():
        if value and (len(value) > LIMITS.get(name, 200) or not value.isprintable()):
            field_text(values, name)


def prepare_weapon(
    row: Row, resolver: Resolver, this_year: int, canon_table: dict[int, str]
) -> Prepared:
    """Validate and resolve one row, or raise RowRejected naming the field."""
    v = row.values
    _check_texts(v)
    get = v.get
    serial = field_text(v, "serial_number", required=True)
    serial_norm = normalise_serial(serial)
    if not serial_norm:
        raise RowRejected("serial_number", _("has no letters or digits"))
    manufacturer = field_text(v, "manufacturer", required=True)
    record_ref = field_text(v, "record_ref", required=True)
    unresolved: dict[str, str] = {}

    def resolve(name: str, key: str, find: Callable[[str], Any]) -> Any:
        text = get(name, "")
        if not text:
            return None
        found = find(text)
        if found is None:
            unresolved[key] = text
        return found

    holder = _holder(v)
    status = _status(v)
    return Prepared(
        number=row.number,
        record_ref=record_ref,
        serial=serial,
        serial_norm=serial_norm,
        manufacturer_name=manufacturer,
        maker_id=resolve("manufacturer", "manufacturer_name", resolver.manufacturer),
        country=resolve("country_of_manufacture", "country_of_manufacture", resolver.country),
        model=get("model", ""),
        calibre=get("calibre", ""),
        calibre_id=resolve("calibre", "calibre", resolver.calibre),
        weapon_type=resolve("weapon_type", "weapon_type", resolver.weapon_type) or "",
        year=_year(v, "year_of_manufacture", this_year),
        import_country=resolve("import_country", "import_country", resolver.country),
        import_year=_year(v, "import_year", this_year),
        holder=holder,
        status=status,
        notes=get("notes", ""),
        unresolved=unresolved,
        holder_key=Parties.key(holder) if holder else None,
        status_value=_entry_status(status, holder[0] if holder else None),
        canon=serial_norm.translate(canon_table),
    )


# --- parties -------------------------------------------------------------------------


class Parties:
    """Finds or creates the parties rows refer to, once per distinct party."""

    def __init__(self, agency: Agency) -> None:
        self.agency = agency
        self.makers: dict[int, int] = {}
        self.holders: dict[tuple[str, str, str], int] = {}

    def maker(self, maker_id: int | None) -> int | None:
        if maker_id is None:
            return None
        if maker_id not in self.makers:
            party = Party.objects.filter(
                kind=PartyKind.MANUFACTURER, manufacturer_ref_id=maker_id
            ).first()
            if party is None:
                ref = Manufacturer.objects.get(pk=maker_id)
                party = create_party(
                    kind=PartyKind.MANUFACTURER,
                    name=ref.name,
                    country=ref.country_id,
                    manufacturer_ref=ref,
                )
            self.makers[maker_id] = party.pk
        return self.makers[maker_id]

    def holders_for(self, rows: list[Prepared]) -> list[list[Any]]:
        """Look up the chunk's holders in one query; create the missing ones in bulk.

        Returns [id, kind, name, licence] of each party created, for the chunk's audit entry.
        """
        wanted = {r.holder_key: r.holder for r in rows if r.holder and r.holder_key}
        wanted = {k: v for k, v in wanted.items() if k not in self.holders}
        if not wanted:
            return []
        names = sorted({key[1] for key in wanted})
        columns = ("kind", "name_norm", "licence_number", "id")
        for kind, norm, licence, pk in select_where(Party, columns, {"name_norm": names}):
            if (kind, norm, licence) in wanted:
                self.holders[(kind, norm, licence)] = pk
        stamp = bulk.datetime_value(timezone.now())
        missing = [
            (kind, name, key[1], licence, "", stamp)
            for key, (kind, name, licence) in wanted.items()
            if key not in self.holders
        ]
        created = bulk.insert_returning(
            Party, PARTY_COLUMNS, missing, ("id", "kind", "name", "name_norm", "licence_number")
        )
        for pk, kind, _name, norm, licence in created:
            self.holders[(kind, norm, licence)] = pk
        return [[pk, kind, name, licence] for pk, kind, name, _norm, licence in created]

    @staticmethod
    @functools.lru_cache(maxsize=65536)
    def key(holder: tuple[str, str, str]) -> tuple[str, str, str]:
        kind, name, licence = holder
        return kind, normalise_name(name), licence

    def forget(self, created: list[list[Any]]) -> None:
        """Parties created in a chunk that rolled back no longer exist."""
        gone = {pk for pk, *_rest in created}
        self.holders = {k: pk for k, pk in self.holders.items() if pk not in gone}

    def holder(self, key: tuple[str, str, str] | None) -> int | None:
        return self.holders[key] if key else None


# --- chunks --------------------------------------------------------------------------

PARTY_COLUMNS = ("kind", "name", "name_norm", "licence_number", "address", "created_at")
WEAPON_COLUMNS = (
    "id", "serial_number", "serial_norm", "manufacturer", "manufacturer_name",
    "country_of_manufacture", "model", "calibre", "calibre_ref", "weapon_type",
    "year_of_manufacture", "import_country", "import_year", "source", "record_ref",
    "unresolved", "agency", "status", "holder", "last_event_on", "registered_at", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "weapon", "seq", "kind", "occurred_on", "place", "document_ref", "licence_number", "notes",
    "to_party", "status_before", "status_after", "recorded_at", "recorded_by_id",
    "recorded_by_name", "correlation_id", "source", "source_key",
)  # fmt: skip
REGISTERED, PRIMARY = EventKind.REGISTERED.value, EntrySource.PRIMARY.value
ENTRY_COLUMNS = ("weapon", "source", "value", "norm", "canon", "canon_rev", "length", "maker")


@dataclass
class Run:
    """What every chunk of one run shares."""

    batch: ImportBatch
    options: ImportOptions
    parties: Parties
    table: dict[int, str]
    errors: CsvSink | None
    report: ImportReport
    seen: set[str] | None  # dry run only: refs already read from this file
    fresh: bool = False  # the source had no record when the run started
    ids: bulk.OrderedIds = field(default_factory=bulk.OrderedIds)

    def reject(
        self, number: int, column: str, reason: str, values: dict[str, str] | None = None
    ) -> None:
        v = values or {}
        self.report.rejected += 1
        if self.errors is not None:
            self.errors.write(
                [number, column, reason, v.get("record_ref", ""), v.get("serial_number", "")]
            )


def _existing(source: str, refs: list[str]) -> dict[str, str]:
    """record_ref -> correlation id of the run that landed it, for refs already present."""
    rows = Event.objects.filter(
        weapon__source=source, weapon__record_ref__in=refs, seq=1
    ).values_list("weapon__record_ref", "correlation_id")
    return dict(rows)


def _land(run: Run, rows: list[Prepared]) -> None:
    """Write one chunk: weapons, their registration events and serial index rows.

    While the source has no record yet, a chunk is written without looking for records
    already present; a duplicate record_ref then fails the chunk's unique constraint, the
    chunk rolls back, and from then on every chunk is checked row by row first.
    """
    if not rows:
        return
    for maker_id in {r.maker_id for r in rows}:
        run.parties.maker(maker_id)  # created outside the chunk's transaction, once
    if run.fresh and not run.options.dry_run:
        try:
            _write(run, rows)
            return
        except IntegrityError:
            run.fresh = False
    landed = _new_rows(run, rows)
    if run.options.dry_run:
        run.report.landed += len(landed)
        run.report.unresolved += sum(1 for r in landed if r.unresolved)
    elif landed:
        _write(run, landed)


def _new_rows(run: Run, rows: list[Prepared]) -> list[Prepared]:
    """The rows not yet in the registry; rows repeating an earlier row are rejected."""
    existing = _existing(run.options.source, [r.record_ref for r in rows])
    landed, in_chunk = [], set()
    for r in rows:
        earlier = existing.get(r.record_ref)
        repeated = r.record_ref in in_chunk or earlier == run.batch.correlation_id
        if run.seen is not None:  # a dry run writes nothing, so it remembers what it read
            repeated = repeated or r.record_ref in run.seen
            run.seen.add(r.record_ref)
        if repeated:
            reason = _("record_ref %(r)r repeats an earlier row of this file") % {"r": r.record_ref}
            run.reject(
                r.number,
                "record_ref",
                reason,
                {"record_ref": r.record_ref, "serial_number": r.serial},
            )
        elif earlier is not None:
            run.report.present += 1
        else:
            in_chunk.add(r.record_ref)
            landed.append(r)
    return landed


def _write(run: Run, rows: list[Prepared]) -> None:
    created: list[list[Any]] = []
    try:
        with transaction.atomic(), audit_batch():
            created = run.parties.holders_for(rows)
            weapons, events, entries, digest = _row_values(run, rows)
            bulk.insert(Weapon, WEAPON_COLUMNS, weapons)
            bulk.insert(Event, EVENT_COLUMNS, events)
            bulk.insert(SerialEntry, ENTRY_COLUMNS, entries)
            report, batch = run.report, run.batch
            batch.rows_read = report.rows_read
            batch.rows_landed = report.landed + len(rows)
            batch.rows_present = report.present
            batch.rows_rejected = report.rejected
            batch.save(update_fields=["rows_read", "rows_landed", "rows_present", "rows_rejected"])
            record_event(
                "intake:batch:chunk_landed",
                object_type="intake.importbatch",
                object_id=str(batch.pk),
                data={
                    "first_row": rows[0].number,
                    "last_row": rows[-1].number,
                    "records": len(rows),
                    "sha256": digest,
                    "parties_created": created,
                },
            )
    except Exception:
        run.parties.forget(created)  # rolled back with the chunk
        raise
    run.report.landed += len(rows)
    run.report.unresolved += sum(1 for r in rows if r.unresolved)


def _row_values(run: Run, rows: list[Prepared]) -> tuple[list[Any], list[Any], list[Any], str]:
    """Column values of the weapons, registration events and index rows of a chunk, and a
    digest of what landed for the audit entry."""
    ctx = current_context()
    stamp = bulk.datetime_value(timezone.now())
    today = clock.today()
    agency_id = run.options.agency.pk
    source = run.options.source
    note = _("Imported from %(s)s, row %(n)d")
    makers, holders = run.parties.makers, run.parties.holders
    as_key = bulk.uuid_format()
    weapons, events, entries = [], [], []
    digest = hashlib.sha256()
    for r, wid in zip(rows, run.ids.take(len(rows)), strict=True):
        wkey = as_key(wid)
        maker = makers.get(r.maker_id) if r.maker_id else None
        holder = holders[r.holder_key] if r.holder_key else None
        status = r.status_value
        unresolved = bulk.json_value(r.unresolved) if r.unresolved else "{}"
        # last_event_on stays empty: the registration date is not a life event, and the
        # weapon's dated history (from an events file) may well be older.
        weapons.append((
            wkey, r.serial, r.serial_norm, maker, r.manufacturer_name, r.country, r.model,
            r.calibre, r.calibre_id, r.weapon_type, r.year, r.import_country, r.import_year,
            source, r.record_ref, unresolved, agency_id, status, holder, None, stamp, stamp,
        ))  # fmt: skip
        events.append((
            wkey, 1, REGISTERED, today, "", "", "", r.notes or note % {"s": source, "n": r.number},
            holder, "", status, stamp, ctx.actor_id, ctx.actor_name, ctx.correlation_id, "", "",
        ))  # fmt: skip
        entries.append((
            wkey, PRIMARY, r.serial, r.serial_norm, r.canon, r.canon[::-1], len(r.serial_norm),
            r.maker_id,
        ))  # fmt: skip
        digest.update(f"{wkey}|{r.record_ref}|{r.serial}\n".encode())
    return weapons, events, entries, digest.hexdigest()


@functools.lru_cache(maxsize=256)
def _entry_status(stated: Status | None, holder_kind: str | None) -> str:
    return rules.registered_status(stated, holder_kind).value


def import_weapons(
    path: Path, options: ImportOptions, progress: Progress | None = None
) -> ImportReport:
    """Read, validate, resolve and land a file of weapon records; see the module docstring."""
    bulk.prepare_connection()
    with open_source(path, ImportKind.WEAPONS, options) as table:
        batch, report = begin(path, table, ImportKind.WEAPONS, options, options.error_path)
        sink = CsvSink(options.error_path, ERROR_HEADER) if options.error_path else None
        run = Run(batch, options, Parties(options.agency), confusables(), sink, report,
                  set() if options.dry_run else None,
                  fresh=not Weapon.objects.filter(source=options.source).exists())  # fmt: skip
        try:
            for chunk in _chunks(table, run, Resolver()):
                _land(run, chunk)
                if progress:
                    progress(*table.progress())
        finally:
            if sink is not None:
                sink.close()
        finish_batch(batch, report)
    return report


def _chunks(table: Table, run: Run, resolver: Resolver) -> Iterator[list[Prepared]]:
    """The file's valid rows, prepared, a chunk at a time; invalid rows are rejected."""
    this_year = clock.today().year
    headers = table.layout.columns
    chunk: list[Prepared] = []
    for item in table.rows():
        run.report.rows_read += 1
        if isinstance(item, RowError):
            run.reject(item.number, item.column, item.reason)
        else:
            try:
                chunk.append(prepare_weapon(item, resolver, this_year, run.table))
            except RowRejected as rejected:
                column = headers.get(rejected.field, rejected.field)
                run.reject(item.number, column, rejected.reason, item.values)
        if len(chunk) >= run.options.chunk_size:
            yield chunk
            chunk = []
    yield chunk
