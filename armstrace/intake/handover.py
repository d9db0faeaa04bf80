"""Business closure (R3; ITI para 13): a closing dealer's or maker's books come to the State.

Each book line is kept as written (LedgerEntry), linked to the weapon it concerns (found in
the registry, or registered from the line) and to the scanned page it was read from; each
weapon gets a 'records handed over' event. Unlike an archive of page images, every line is
then found by the serial search.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_event
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.safefiles import CsvSink
from armstrace.core.text import normalise_name, normalise_serial
from armstrace.intake.events import parse_date
from armstrace.intake.models import Document, Handover, ImportKind, LedgerDirection, LedgerEntry
from armstrace.intake.readers import Row, RowError
from armstrace.intake.resolve import Resolver
from armstrace.intake.runs import (
    ERROR_HEADER,
    ImportOptions,
    ImportReport,
    Progress,
    RowRejected,
    begin,
    field_text,
    finish_batch,
    open_source,
    sha256_of,
)
from armstrace.intake.services import Parties
from armstrace.registry.choices import EventKind
from armstrace.registry.models import Event, Party, Weapon
from armstrace.registry.services import (
    EventInput,
    WeaponInput,
    record_life_event,
    register_weapon,
)

BOOKS = frozenset({".csv", ".txt", ".tsv", ".xlsx"})
SCANS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf"})
DIRECTIONS = {
    "acquisition": LedgerDirection.ACQUISITION, "acquired": LedgerDirection.ACQUISITION,
    "in": LedgerDirection.ACQUISITION, "received": LedgerDirection.ACQUISITION,
    "purchase": LedgerDirection.ACQUISITION, "disposition": LedgerDirection.DISPOSITION,
    "disposed": LedgerDirection.DISPOSITION, "out": LedgerDirection.DISPOSITION,
    "sold": LedgerDirection.DISPOSITION, "sale": LedgerDirection.DISPOSITION,
}  # fmt: skip


@dataclass
class HandoverReport:
    handover_id: int
    books: list[ImportReport] = field(default_factory=list)
    scans: int = 0
    weapons_registered: int = 0
    weapons_found: int = 0


def documents_dir() -> Path:
    return Path(settings.DATA_DIR) / "documents"


def document_path(document: Document) -> Path:
    suffix = Path(document.file_name).suffix.lower()
    return documents_dir() / document.sha256[:2] / f"{document.sha256}{suffix}"


def store_scan(path: Path, handover: Handover) -> Document:
    """Keep the file under its content hash; the same page given twice is stored once."""
    sha = sha256_of(path)
    existing = Document.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    document = Document(
        sha256=sha,
        file_name=path.name,
        content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        size=path.stat().st_size,
        handover=handover,
    )
    target = document_path(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    with transaction.atomic(), audit_batch():
        document.save()
        record_event(
            "intake:document:stored",
            object_type="intake.document",
            object_id=str(document.pk),
            data={"file": path.name, "sha256": sha, "handover": handover.pk},
        )
    return document


def _handover(party: Party, agency: Agency, received_on: dt.date, notes: str) -> Handover:
    """One handover per business: a re-run, or a later delivery of books, adds to it."""
    existing = Handover.objects.filter(party=party).first()
    if existing is not None:
        return existing
    with transaction.atomic(), audit_batch():
        handover = Handover.objects.create(
            party=party, received_on=received_on, agency=agency, notes=notes
        )
        record_event(
            "intake:handover:received",
            object_type="intake.handover",
            object_id=str(handover.pk),
            data={
                "party": party.pk,
                "licence": party.licence_number,
                "received_on": str(received_on),
            },
        )
    return handover


def find_business(licence: str) -> Party:
    party = Party.objects.filter(licence_number=licence).order_by("pk").first()
    if party is None:
        raise DomainValidationError(
            "dealer",
            _("no party holds licence %(l)r; register the business first") % {"l": licence},
        )
    return party


@dataclass
class _Book:
    handover: Handover
    agency: Agency
    file_name: str
    source: str
    scans: dict[str, Document]
    resolver: Resolver
    report: HandoverReport
    parties: Parties
    touched: set[object] = field(default_factory=set)


def _weapon(book: _Book, v: dict[str, str], number: int) -> Weapon:
    serial = field_text(v, "serial_number", required=True)
    norm = normalise_serial(serial)
    if not norm:
        raise RowRejected("serial_number", _("has no letters or digits"))
    maker_text = field_text(v, "manufacturer", required=True)
    maker_id = book.resolver.manufacturer(maker_text)
    weapon = book.resolver.weapons(norm, maker_text).order_by("registered_at").first()
    if weapon is not None:
        book.report.weapons_found += 1
        return weapon
    unresolved = {} if maker_id is not None else {"manufacturer_name": maker_text}
    type_text = field_text(v, "weapon_type")
    weapon_type = book.resolver.weapon_type(type_text) if type_text else None
    if type_text and weapon_type is None:
        unresolved["weapon_type"] = type_text
    book.report.weapons_registered += 1
    maker_party = book.parties.maker(maker_id)
    return register_weapon(
        agency=book.agency,
        data=WeaponInput(
            serial_number=serial,
            manufacturer_name=maker_text,
            manufacturer=Party.objects.get(pk=maker_party) if maker_party else None,
            weapon_type=weapon_type or "",
            model=field_text(v, "model"),
            calibre=field_text(v, "calibre"),
            source=book.source,
            record_ref=f"{book.file_name}:{number}",
            unresolved=unresolved,
        ),
        first_event=EventInput(
            kind=EventKind.REGISTERED,
            occurred_on=book.handover.received_on,
            notes=_("From the books of %(p)s (%(f)s, row %(n)d)")
            % {"p": book.handover.party.name, "f": book.file_name, "n": number},
        ),
    )


def _line(book: _Book, row: Row) -> bool:
    """Keep one book line; False when an earlier run already kept it."""
    v = row.values
    if LedgerEntry.objects.filter(
        handover=book.handover, file_name=book.file_name, row_number=row.number
    ).exists():
        return False
    direction = DIRECTIONS.get(normalise_name(v.get("direction", "")))
    if direction is None:
        raise RowRejected(
            "direction",
            _("%(v)r is neither an acquisition nor a disposition")
            % {"v": v.get("direction", "")[:30]},
        )
    scan = None
    if v.get("scan"):
        scan = book.scans.get(Path(v["scan"]).name)
        if scan is None:
            raise RowRejected(
                "scan", _("the page %(s)r was not among the files given") % {"s": v["scan"]}
            )
    occurred_on = parse_date("date", v["date"]) if v.get("date") else None
    with transaction.atomic(), audit_batch():
        weapon = _weapon(book, v, row.number)
        entry = LedgerEntry.objects.create(
            handover=book.handover,
            weapon=weapon,
            row_number=row.number,
            file_name=book.file_name,
            direction=direction,
            occurred_on=occurred_on,
            counterpart=field_text(v, "counterpart"),
            counterpart_licence=v.get("counterpart_licence", "")[:64],
            counterpart_address=v.get("counterpart_address", "")[:2000],
            document_ref=v.get("document_ref", "")[:120],
            scan=scan,
        )
        record_event(
            "intake:ledger:kept",
            object_type="intake.ledgerentry",
            object_id=str(entry.pk),
            data={"weapon": str(weapon.pk), "file": book.file_name, "row": row.number},
        )
    book.touched.add(weapon.pk)
    return True


def _mark_handed_over(book: _Book) -> None:
    source = f"handover:{book.handover.pk}"
    for weapon in Weapon.objects.filter(pk__in=book.touched):
        if Event.objects.filter(source=source, source_key=str(weapon.pk)).exists():
            continue
        record_life_event(
            weapon=weapon,
            data=EventInput(
                kind=EventKind.RECORDS_HANDED_OVER,
                occurred_on=max(
                    book.handover.received_on, weapon.last_event_on or book.handover.received_on
                ),
                from_party=book.handover.party,
                notes=_("Books of %(p)s handed over") % {"p": book.handover.party.name},
                source=source,
                source_key=str(weapon.pk),
            ),
        )


def import_handover(
    *,
    licence: str,
    files: list[Path],
    options: ImportOptions,
    received_on: dt.date,
    notes: str = "",
    progress: Progress | None = None,
) -> HandoverReport:
    """Store the scans, keep every book line, link both to the weapons."""
    unknown = [f for f in files if f.suffix.lower() not in BOOKS | SCANS]
    if unknown:
        raise DomainValidationError(
            "files",
            _("%(f)s: not a book (CSV, XLSX) nor a scan (JPEG, PNG, TIFF, PDF)")
            % {"f": unknown[0].name},
        )
    party = find_business(licence)
    handover = _handover(party, options.agency, received_on, notes)
    report = HandoverReport(handover_id=handover.pk)
    scans = {f.name: store_scan(f, handover) for f in files if f.suffix.lower() in SCANS}
    report.scans = len(scans)
    resolver, parties = Resolver(), Parties(options.agency)
    for path in (f for f in files if f.suffix.lower() in BOOKS):
        book = _Book(handover, options.agency, path.name, f"handover:{licence}", scans, resolver,
                     report, parties)  # fmt: skip
        report.books.append(_read_book(path, book, options, progress))
        _mark_handed_over(book)
    return report


def _read_book(
    path: Path, book: _Book, options: ImportOptions, progress: Progress | None
) -> ImportReport:
    error_path = path.with_name(path.name + ".errors.csv")
    with open_source(path, ImportKind.HANDOVER, options) as table:
        batch, report = begin(path, table, ImportKind.HANDOVER, options, error_path)
        headers = table.layout.columns
        with CsvSink(error_path, ERROR_HEADER) as sink:
            for item in table.rows():
                report.rows_read += 1
                if isinstance(item, RowError):
                    report.rejected += 1
                    sink.write([item.number, item.column, item.reason, "", ""])
                    continue
                try:
                    if _line(book, item):
                        report.landed += 1
                    else:
                        report.present += 1
                except (RowRejected, DomainValidationError) as error:
                    report.rejected += 1
                    sink.write(
                        [
                            item.number,
                            headers.get(error.field, error.field),
                            getattr(error, "reason", None) or getattr(error, "message", str(error)),
                            "",
                            item.values.get("serial_number", ""),
                        ]
                    )
                if progress:
                    progress(*table.progress())
        finish_batch(batch, report)
    return report
