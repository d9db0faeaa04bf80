"""Import of life-cycle events: dealers' acquisition and disposition books, transfers,
import and export licences (R6).

Each row goes through the registry's own event service, so the transition table, the date
order and the audit trail apply exactly as for an event typed in by hand. Rows are keyed
by (source, event_ref or a digest of the row): a re-run adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from armstrace.core.exceptions import DomainValidationError
from armstrace.core.safefiles import CsvSink
from armstrace.core.text import normalise_name, normalise_serial
from armstrace.intake.fields import EVENT_FIELDS
from armstrace.intake.models import ImportKind
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
)
from armstrace.registry.choices import EventKind, PartyKind
from armstrace.registry.exceptions import TransitionRefused
from armstrace.registry.models import Event, Party, Weapon
from armstrace.registry.services import EventInput, create_party, record_life_event

# Words ledgers use for events. Acquisitions and dispositions are transfers; which side is
# the book's keeper follows from the direction.
SYNONYMS = {
    "acquisition": EventKind.TRANSFERRED, "acquired": EventKind.TRANSFERRED,
    "received": EventKind.TRANSFERRED, "purchase": EventKind.TRANSFERRED,
    "disposition": EventKind.TRANSFERRED, "disposal": EventKind.TRANSFERRED,
    "sold": EventKind.TRANSFERRED, "sale": EventKind.TRANSFERRED,
    "transfer": EventKind.TRANSFERRED, "import": EventKind.IMPORTED,
    "export": EventKind.EXPORTED, "theft": EventKind.STOLEN, "loss": EventKind.LOST,
    "destruction": EventKind.DESTROYED, "seizure": EventKind.SEIZED,
}  # fmt: skip
KINDS = (
    {normalise_name(k.value): k for k in EventKind}
    | {normalise_name(str(k.label)): k for k in EventKind}
    | SYNONYMS
)
# The registry's field names, as the columns of an events file call them.
COLUMN_OF = {
    "kind": "event",
    "occurred_on": "date",
    "from_party": "from_name",
    "to_party": "to_name",
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


def parse_date(name: str, text: str) -> dt.date:
    """ISO dates, or day first as most of the world writes them (never month first)."""
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip()[:10], fmt).date()
        except ValueError:
            continue
    raise RowRejected(
        name, _("%(v)r is not a date (use YYYY-MM-DD or DD/MM/YYYY)") % {"v": text[:30]}
    )


def _kind(text: str) -> EventKind:
    kind = KINDS.get(normalise_name(text))
    if kind is None:
        raise RowRejected(
            "event",
            _("unknown event %(v)r; expected one of: %(all)s")
            % {"v": text[:40], "all": ", ".join(sorted(set(EventKind.values) | set(SYNONYMS)))},
        )
    return kind


def _row_key(values: dict[str, str]) -> str:
    if values.get("event_ref"):
        return values["event_ref"][:64]
    text = "\x1f".join(f"{k}={values.get(k, '')}" for k in sorted(EVENT_FIELDS))
    return hashlib.sha256(text.encode()).hexdigest()[:64]


class Finder:
    """The weapon a row is about, and the parties it names."""

    def __init__(self, resolver: Resolver, weapons_source: str | None) -> None:
        self.resolver = resolver
        self.weapons_source = weapons_source
        self.parties: dict[tuple[str, str, str], Party] = {}

    def weapon(self, values: dict[str, str]) -> Weapon:
        ref, serial = values.get("record_ref", ""), values.get("serial_number", "")
        if ref:
            found = Weapon.objects.filter(record_ref=ref)
            if self.weapons_source:
                found = found.filter(source=self.weapons_source)
            return self._one(found, "record_ref", ref)
        if not normalise_serial(serial):
            raise RowRejected("record_ref", _("give the weapon's record_ref or serial_number"))
        found = self.resolver.weapons(normalise_serial(serial), values.get("manufacturer", ""))
        return self._one(found, "serial_number", serial)

    def _one(self, found: QuerySet[Weapon], name: str, value: str) -> Weapon:
        weapons = list(found[:2])
        if not weapons:
            raise RowRejected(name, _("no weapon in the registry has %(v)r") % {"v": value})
        if len(weapons) > 1:
            raise RowRejected(
                name,
                _("%(v)r fits several weapons; add the manufacturer or record_ref") % {"v": value},
            )
        return weapons[0]

    def party(self, values: dict[str, str], side: str) -> Party | None:
        name = field_text(values, f"{side}_name")
        if not name:
            return None
        licence = values.get(f"{side}_licence", "")
        kind = values.get(f"{side}_kind", "") or (
            PartyKind.DEALER if licence else PartyKind.INDIVIDUAL
        )
        if kind not in PartyKind.values:
            raise RowRejected(f"{side}_kind", _("unknown kind %(v)r") % {"v": kind[:40]})
        key = (kind, normalise_name(name), licence)
        if key not in self.parties:
            existing = Party.objects.filter(licence_number=licence) if licence else None
            if existing is None or not existing.exists():
                existing = Party.objects.filter(kind=kind, name_norm=key[1], licence_number=licence)
            party = existing.first()
            if party is None:
                party = create_party(kind=kind, name=name, licence_number=licence)
            self.parties[key] = party
        return self.parties[key]


def _event_input(
    row: Row, finder: Finder, source: str, dealer: Party | None
) -> tuple[Weapon, EventInput]:
    v = row.values
    kind = _kind(v.get("event", ""))
    weapon = finder.weapon(v)
    from_party, to_party = finder.party(v, "from"), finder.party(v, "to")
    direction = normalise_name(v.get("event", ""))
    if dealer is not None and kind == EventKind.TRANSFERRED:
        if direction in ("acquisition", "acquired", "received", "purchase"):
            to_party = to_party or dealer
        elif direction in ("disposition", "disposal", "sold", "sale"):
            from_party = from_party or dealer
    return weapon, EventInput(
        kind=kind,
        occurred_on=parse_date("date", v.get("date", "")),
        place=v.get("place", ""),
        country=finder.resolver.country(v["country"]) if v.get("country") else None,
        counterpart_country=(
            finder.resolver.country(v["counterpart_country"])
            if v.get("counterpart_country")
            else None
        ),
        from_party=from_party,
        to_party=to_party,
        document_ref=v.get("document_ref", ""),
        licence_number=v.get("licence_number", ""),
        notes=v.get("notes", ""),
        source=source,
        source_key=_row_key(v),
    )


def _country_given(values: dict[str, str], name: str, resolved: str | None) -> None:
    if values.get(name) and resolved is None:
        raise RowRejected(name, _("%(v)r is not a known country") % {"v": values[name][:40]})


def import_events(
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
    *,
    weapons_source: str | None = None,
    dealer: Party | None = None,
) -> ImportReport:
    """Apply each row as an event on the weapon it names, in file order."""
    with open_source(path, ImportKind.EVENTS, options) as table:
        batch, report = begin(path, table, ImportKind.EVENTS, options, options.error_path)
        headers = table.layout.columns
        finder = Finder(Resolver(), weapons_source)
        sink = CsvSink(options.error_path, ERROR_HEADER) if options.error_path else None

        def reject(number: int, name: str, reason: str, values: dict[str, str]) -> None:
            name = COLUMN_OF.get(name, name)
            report.rejected += 1
            if sink is not None:
                sink.write([number, headers.get(name, name), reason, values.get("record_ref", ""),
                            values.get("serial_number", "")])  # fmt: skip

        try:
            for item in table.rows():
                report.rows_read += 1
                if isinstance(item, RowError):
                    reject(item.number, item.column, item.reason, {})
                    continue
                _apply(item, finder, options, dealer, report, reject)
                if progress and report.rows_read % 500 == 0:
                    progress(*table.progress())
            if progress:
                progress(*table.progress())
        finally:
            if sink is not None:
                sink.close()
        finish_batch(batch, report)
    return report


Reject = Callable[[int, str, str, dict[str, str]], None]


def _apply(
    row: Row,
    finder: Finder,
    options: ImportOptions,
    dealer: Party | None,
    report: ImportReport,
    reject: Reject,
) -> None:
    """Record one row's event, unless an earlier run did; a refusal names its column."""
    try:
        weapon, data = _event_input(row, finder, options.source, dealer)
        _country_given(row.values, "country", data.country)
        _country_given(row.values, "counterpart_country", data.counterpart_country)
        if Event.objects.filter(source=data.source, source_key=data.source_key).exists():
            report.present += 1
            return
        if not options.dry_run:
            record_life_event(weapon=weapon, data=data)
        report.landed += 1
    except RowRejected as rejected:
        reject(row.number, rejected.field, rejected.reason, row.values)
    except DomainValidationError as error:
        reject(row.number, error.field, error.message, row.values)
    except TransitionRefused as refused:
        reject(row.number, "event", str(refused), row.values)
