"""`armstrace export weapons FILE`: the registry in the import's own column layout, so a file
written here reads back with `armstrace import weapons` (here or at another node)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet

from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_event
from armstrace.core.safefiles import write_csv, write_xlsx
from armstrace.intake.runs import sha256_of
from armstrace.registry.models import Weapon

HEADER = (
    "record_ref", "serial_number", "manufacturer", "country_of_manufacture", "model",
    "calibre", "weapon_type", "year_of_manufacture", "import_country", "import_year",
    "holder", "holder_kind", "holder_licence", "status", "weapon_id", "source",
)  # fmt: skip
CHUNK = 5000


def _rows(weapons: QuerySet[Weapon]) -> Iterator[list[object]]:
    """Every weapon once, in key order, a chunk at a time (memory stays flat)."""
    last = None
    while True:
        page = weapons.filter(pk__gt=last) if last is not None else weapons
        chunk = list(page.select_related("holder").order_by("pk")[:CHUNK])
        if not chunk:
            return
        for w in chunk:
            holder = w.holder
            yield [
                w.record_ref or str(w.pk), w.serial_number, w.manufacturer_name,
                w.country_of_manufacture_id or "", w.model, w.calibre, w.weapon_type,
                w.year_of_manufacture or "", w.import_country_id or "", w.import_year or "",
                holder.name if holder else "", holder.kind if holder else "",
                holder.licence_number if holder else "", w.status, str(w.pk), w.source,
            ]  # fmt: skip
        last = chunk[-1].pk


def export_weapons(weapons: QuerySet[Weapon], path: Path) -> int:
    """Write the weapons to CSV or XLSX (by the file's suffix); audited with a digest."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path.name}: write a .csv or an .xlsx file")
    writer = write_xlsx if suffix == ".xlsx" else write_csv
    count = writer(path, HEADER, _rows(weapons))
    with transaction.atomic(), audit_batch():
        record_event(
            "intake:export:written",
            object_type="registry.weapon",
            data={"file": path.name, "records": count, "sha256": sha256_of(path)},
        )
    return count
