"""Found, seized and surrendered weapons (ITI 9), collections (R8) and destructions.

Each find must be marked and recorded, or destroyed, by its due date:
`ARMSTRACE_FOUND_DEADLINE_DAYS` after it came in (default 90, a national policy choice; the
ITI says "as soon as possible" and gives no number). Collection lists are read with the
intake readers and every row is matched through the search service's batch mode.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.audit.services import record_change, record_event, snapshot
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters
from armstrace.intake.readers import ImportFileError, RowError, open_table
from armstrace.marking import pdf
from armstrace.marking.choices import DestructionStatus, FindKind, FindOutcome, Route
from armstrace.marking.models import (
    CollectionBatch,
    CollectionItem,
    Destruction,
    DestructionItem,
    Find,
)
from armstrace.reference.choices import WeaponType
from armstrace.registry.choices import EventKind, Status
from armstrace.registry.models import Event, Weapon
from armstrace.registry.services import (
    EventInput,
    WeaponInput,
    record_life_event,
    register_weapon,
)
from armstrace.search.batch import run_batch

DEFAULT_DEADLINE_DAYS = 90
MISSING = frozenset({Status.LOST, Status.STOLEN})
COLLECTION_FIELDS = (
    "serial_number",
    "manufacturer",
    "model",
    "calibre",
    "weapon_type",
    "country",
    "year",
    "notes",
)
CANDIDATES_KEPT = 5


def deadline_days() -> int:
    days = int(getattr(settings, "ARMSTRACE_FOUND_DEADLINE_DAYS", DEFAULT_DEADLINE_DAYS))
    return max(days, 1)


def due_date(occurred_on: dt.date) -> dt.date:
    return occurred_on + dt.timedelta(days=deadline_days())


@dataclass
class Circumstances:
    kind: str
    occurred_on: dt.date
    place: str = ""
    country: str | None = None
    found_by: str = ""
    case_number: str = ""
    context: str = ""


def _clean(name: str, value: str, limit: int, *, multiline: bool = False) -> str:
    value = value.strip()
    checked = value.replace("\n", "").replace("\r", "") if multiline else value
    if has_control_characters(checked):
        raise DomainValidationError(name, _("contains control characters"))
    if len(value) > limit:
        raise DomainValidationError(name, _("is longer than %(n)d characters") % {"n": limit})
    return value


def register_find(
    *,
    agency: Agency,
    circumstances: Circumstances,
    weapon: Weapon | None = None,
    data: WeaponInput | None = None,
    batch: CollectionBatch | None = None,
) -> Find:
    """Record a FOUND, SEIZED or SURRENDERED event on a known weapon, or register an unknown
    one with it, and open the find with its due date."""
    c = circumstances
    if c.kind not in FindKind.values:
        raise DomainValidationError("kind", _("must be found, seized or surrendered"))
    if (weapon is None) == (data is None):
        raise ValueError("give either a registered weapon or the data of a new one")
    found_by = _clean("found_by", c.found_by, 200)
    case_number = _clean("case_number", c.case_number, 64)
    context = _clean("context", c.context, 5000, multiline=True)
    notes = "\n".join(
        part for part in (found_by and _("By: %(who)s") % {"who": found_by}, context) if part
    )
    event_input = EventInput(
        kind=c.kind,
        occurred_on=c.occurred_on,
        place=c.place,
        country=c.country,
        document_ref=case_number,
        notes=notes,
    )
    with transaction.atomic():
        if weapon is not None:
            event = record_life_event(weapon=weapon, data=event_input)
        else:
            assert data is not None
            weapon = register_weapon(agency=agency, data=data, first_event=event_input)
            event = Event.objects.filter(weapon=weapon).latest("seq")
        find = Find.objects.create(
            weapon=weapon,
            event=event,
            agency=agency,
            kind=c.kind,
            occurred_on=c.occurred_on,
            place=event.place,
            found_by=found_by,
            case_number=case_number,
            context=context,
            due_on=due_date(c.occurred_on),
            batch=batch,
        )
        record_change(find, action="created", before=None)
        record_event(
            f"marking:find:{c.kind}",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={"find": find.pk, "due_on": find.due_on.isoformat(), "case": case_number},
        )
    return find


def close_finds(weapon_ids: Iterable[uuid.UUID], *, outcome: str, on: dt.date) -> int:
    """Close the open finds of these weapons as marked or destroyed."""
    finds = list(
        Find.objects.select_for_update().filter(
            weapon_id__in=list(weapon_ids), outcome=FindOutcome.OPEN
        )
    )
    for find in finds:
        before = snapshot(find)
        find.outcome, find.closed_on = outcome, on
        find.save(update_fields=["outcome", "closed_on"])
        record_change(find, action="updated", before=before)
    return len(finds)


# --- destruction -----------------------------------------------------------------------


def schedule_destruction(
    weapon_ids: Iterable[uuid.UUID | str],
    *,
    reason: str,
    batch: CollectionBatch | None = None,
) -> Destruction:
    """Put weapons on a destruction list; the destruction itself is `record_destruction`."""
    reason = _clean("reason", reason, 300)
    if not reason:
        raise DomainValidationError("reason", _("is required"), code="required")
    ids = list(dict.fromkeys(uuid.UUID(str(i)) for i in weapon_ids))
    weapons = list(Weapon.objects.filter(pk__in=ids).exclude(status=Status.DESTROYED))
    if not ids or len(weapons) != len(ids):
        raise DomainValidationError(
            "weapon_ids", _("give weapons that exist and are not destroyed"), code="invalid"
        )
    agencies = {w.agency_id for w in weapons}
    with transaction.atomic():
        destruction = Destruction.objects.create(
            agency_id=agencies.pop() if len(agencies) == 1 else None,
            batch=batch,
            reason=reason,
            created_by_name=current_context().actor_name,
        )
        DestructionItem.objects.bulk_create(
            DestructionItem(destruction=destruction, weapon=w) for w in weapons
        )
        record_event(
            "marking:destruction:scheduled",
            object_type="marking.destruction",
            object_id=str(destruction.pk),
            data={"weapons": [str(w.pk) for w in weapons], "reason": reason},
        )
    return destruction


def record_destruction(
    destruction: Destruction,
    *,
    destroyed_on: dt.date,
    method: str,
    witnesses: str,
    place: str = "",
) -> Destruction:
    """Record the DESTROYED event of every weapon on the list, close their finds, and issue
    the certificate, whose SHA-256 goes into the audit log."""
    method = _clean("method", method, 200)
    witnesses = _clean("witnesses", witnesses, 2000, multiline=True)
    if not method:
        raise DomainValidationError("method", _("is required"), code="required")
    if not witnesses:
        raise DomainValidationError("witnesses", _("are required"), code="required")
    with transaction.atomic():
        locked = Destruction.objects.select_for_update().get(pk=destruction.pk)
        if locked.status != DestructionStatus.SCHEDULED:
            raise DomainValidationError("destruction", _("was already recorded"), code="done")
        before = snapshot(locked)
        items = list(locked.items.select_related("weapon").order_by("id"))
        for item in items:
            item.event = _destroy(item.weapon, locked, destroyed_on, method, place)
            item.save(update_fields=["event"])
        close_finds([i.weapon_id for i in items], outcome=FindOutcome.DESTROYED, on=destroyed_on)
        locked.status = DestructionStatus.DONE
        locked.destroyed_on, locked.method, locked.place = destroyed_on, method, place.strip()
        locked.witnesses = witnesses
        locked.certificate = certificate(locked)
        locked.certificate_sha256 = hashlib.sha256(locked.certificate).hexdigest()
        locked.save()
        record_change(locked, action="updated", before=before)
        record_event(
            "marking:destruction:certified",
            object_type="marking.destruction",
            object_id=str(locked.pk),
            data={"sha256": locked.certificate_sha256, "weapons": len(items)},
        )
    return locked


def _destroy(
    weapon: Weapon, destruction: Destruction, day: dt.date, method: str, place: str
) -> Event:
    try:
        return record_life_event(
            weapon=weapon,
            data=EventInput(
                kind=EventKind.DESTROYED,
                occurred_on=day,
                place=place,
                document_ref=f"DESTRUCTION-{destruction.pk}",
                notes=method,
            ),
        )
    except DomainValidationError as exc:
        exc.message = f"{weapon.serial_number}: {exc.message}"
        raise


def certificate(destruction: Destruction) -> bytes:
    """The certificate's PDF, built from the destruction record and its weapons."""
    items = destruction.items.select_related("weapon").order_by("id")
    return pdf.destruction_certificate(destruction, [i.weapon for i in items])


def send_to_destruction(items: Sequence[CollectionItem], *, reason: str) -> Destruction:
    """Schedule the collected weapons not yet routed for destruction, as one list."""
    routable = [i for i in items if i.weapon_id is not None and i.route == Route.PENDING]
    if not routable:
        raise DomainValidationError("items", _("no registered item is waiting"), code="empty")
    with transaction.atomic():
        destruction = schedule_destruction(
            [i.weapon_id for i in routable if i.weapon_id],
            reason=reason,
            batch=routable[0].batch,
        )
        CollectionItem.objects.filter(pk__in=[i.pk for i in routable]).update(
            route=Route.DESTRUCTION
        )
    return destruction


# --- collections -----------------------------------------------------------------------


@dataclass
class CollectionReport:
    batch: CollectionBatch
    registered: int = 0
    linked: int = 0  # matched one registered weapon and recorded on it
    lost_or_stolen: int = 0
    rejected: list[RowError] = field(default_factory=list)


def import_collection(
    *,
    agency: Agency,
    name: str,
    kind: str,
    collected_on: dt.date,
    path: Path,
    place: str = "",
) -> CollectionReport:
    """Register a collection list in bulk: match every row against the registry and the
    lost/stolen records (search batch), then record each weapon as collected."""
    if kind not in FindKind.values:
        raise DomainValidationError("kind", _("must be found, seized or surrendered"))
    try:
        table = open_table(Path(path), fields=COLLECTION_FIELDS, required=("serial_number",))
        with table:
            rows = list(table.rows())
    except ImportFileError as exc:
        raise DomainValidationError("file", str(exc), code="unreadable") from exc
    with transaction.atomic():
        batch = CollectionBatch.objects.create(
            name=_clean("name", name, 200) or _("Collection"),
            agency=agency,
            kind=kind,
            collected_on=collected_on,
            place=_clean("place", place, 200),
            file_name=Path(path).name[:200],
            created_by_name=current_context().actor_name,
        )
        record_change(batch, action="created", before=None)
    report = CollectionReport(batch)
    good = [r for r in rows if not isinstance(r, RowError)]
    report.rejected += [r for r in rows if isinstance(r, RowError)]
    for row, answer in zip(good, _match(batch, [r.values for r in good]), strict=True):
        _register_row(report, row.number, row.values, answer)
    record_event(
        "marking:collection:imported",
        object_type="marking.collectionbatch",
        object_id=str(batch.pk),
        data={
            "registered": report.registered,
            "linked": report.linked,
            "lost_or_stolen": report.lost_or_stolen,
            "rejected": len(report.rejected),
        },
    )
    return report


def _match(batch: CollectionBatch, rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """Best registry candidates per row, through the search service's batch mode."""
    lines = io.StringIO(
        "".join(
            json.dumps(
                {
                    "query_id": i,
                    "serial": v.get("serial_number", ""),
                    "manufacturer": v.get("manufacturer", ""),
                    "model": v.get("model", ""),
                    "calibre": v.get("calibre", ""),
                    "weapon_type": v.get("weapon_type", ""),
                    "country": v.get("country", ""),
                    "year": v.get("year", ""),
                }
            )
            + "\n"
            for i, v in enumerate(rows)
        )
    )
    purpose = _("collection batch %(id)d: match collected weapons") % {"id": batch.pk}
    return list(run_batch(lines, limit=CANDIDATES_KEPT, purpose=purpose))


def _register_row(
    report: CollectionReport, number: int, values: dict[str, str], answer: dict[str, object]
) -> None:
    batch = report.batch
    candidates = _with_status(list(answer.get("candidates") or []))  # type: ignore[call-overload]
    missing = any(c["status"] in MISSING for c in candidates)
    exact = [c for c in candidates if c["match"] == "exact"]
    item = CollectionItem(
        batch=batch,
        row_number=number,
        serial_number=values.get("serial_number", "")[:64],
        manufacturer=values.get("manufacturer", "")[:200],
        model=values.get("model", "")[:120],
        calibre=values.get("calibre", "")[:60],
        weapon_type=values.get("weapon_type", "")[:32],
        country=values.get("country", "")[:2].upper(),
        candidates=candidates,
        lost_or_stolen=missing,
    )
    circumstances = Circumstances(
        kind=batch.kind,
        occurred_on=batch.collected_on,
        place=batch.place,
        context=values.get("notes", ""),
        case_number=f"COL-{batch.pk}-{number}",
    )
    try:
        with transaction.atomic():
            if len(exact) == 1:
                weapon = Weapon.objects.get(pk=str(exact[0]["weapon_id"]))
                item.find = register_find(
                    agency=batch.agency, circumstances=circumstances, weapon=weapon, batch=batch
                )
                report.linked += 1
            else:
                item.find = register_find(
                    agency=batch.agency,
                    circumstances=circumstances,
                    data=_weapon_input(batch, number, values),
                    batch=batch,
                )
                report.registered += 1
            item.weapon = item.find.weapon
            item.save()
    except DomainValidationError as exc:
        item.route, item.message = Route.REJECTED, f"{exc.field}: {exc.message}"[:300]
        item.save()
        report.rejected.append(RowError(number, exc.field, exc.message))
        return
    report.lost_or_stolen += int(missing)


def _with_status(candidates: list[dict[str, object]]) -> list[dict[str, object]]:
    """Candidates from the search, with each weapon's status, to flag lost or stolen ones."""
    statuses = dict(
        Weapon.objects.filter(pk__in=[str(c["weapon_id"]) for c in candidates]).values_list(
            "id", "status"
        )
    )
    return [{**c, "status": statuses.get(uuid.UUID(str(c["weapon_id"])), "")} for c in candidates]


def _weapon_input(batch: CollectionBatch, number: int, values: dict[str, str]) -> WeaponInput:
    """A collected weapon as listed; what does not resolve is kept as written."""
    unresolved: dict[str, str] = {}
    weapon_type = values.get("weapon_type", "").strip()
    if weapon_type and weapon_type not in WeaponType.values:
        unresolved["weapon_type"], weapon_type = weapon_type, ""
    country = values.get("country", "").strip().upper() or None
    year = values.get("year", "").strip()
    return WeaponInput(
        serial_number=values.get("serial_number", ""),
        manufacturer_name=values.get("manufacturer", "").strip() or _("Unknown"),
        weapon_type=weapon_type,
        country_of_manufacture=country,
        model=values.get("model", ""),
        calibre=values.get("calibre", ""),
        year_of_manufacture=int(year) if year.isdigit() else None,
        source=f"collection:{batch.pk}",
        record_ref=f"row {number}",
        unresolved=unresolved,
    )
