"""`armstrace export weapons FILE`: the registry in the import's own column layout, so a file
written here reads back with `armstrace import weapons` (here or at another node).

A holder who is an individual is personal data (armstrace.registry.personal): a file that
names such holders is written only for a stated purpose, recorded with the export, or with
those holders left out (`personal_data=False`: the rows keep the weapon, not the person).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_event
from armstrace.core.context import audit_context, current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.safefiles import write_csv, write_xlsx
from armstrace.intake.runs import sha256_of
from armstrace.registry.models import Weapon
from armstrace.registry.personal import PERSONAL_KINDS, clean_purpose, is_personal

HEADER = (
    "record_ref", "serial_number", "manufacturer", "country_of_manufacture", "model",
    "calibre", "weapon_type", "year_of_manufacture", "import_country", "import_year",
    "holder", "holder_kind", "holder_licence", "status", "weapon_id", "source",
)  # fmt: skip
CHUNK = 5000


class PurposeRequired(ValueError):
    """The export would name individuals and no purpose was given."""


def _rows(weapons: QuerySet[Weapon], *, personal_data: bool) -> Iterator[list[object]]:
    """Every weapon once, in key order, a chunk at a time (memory stays flat)."""
    last = None
    while True:
        page = weapons.filter(pk__gt=last) if last is not None else weapons
        chunk = list(page.select_related("holder").order_by("pk")[:CHUNK])
        if not chunk:
            return
        for w in chunk:
            holder = w.holder if personal_data or not is_personal(w.holder) else None
            yield [
                w.record_ref or str(w.pk), w.serial_number, w.manufacturer_name,
                w.country_of_manufacture_id or "", w.model, w.calibre, w.weapon_type,
                w.year_of_manufacture or "", w.import_country_id or "", w.import_year or "",
                holder.name if holder else "", holder.kind if holder else "",
                holder.licence_number if holder else "", w.status, str(w.pk), w.source,
            ]  # fmt: skip
        last = chunk[-1].pk


def export_weapons(
    weapons: QuerySet[Weapon], path: Path, *, purpose: str = "", personal_data: bool = True
) -> int:
    """Write the weapons to CSV or XLSX (by the file's suffix); audited with a digest.
    Individual holders are written only with a `purpose`, or left out (`personal_data`)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path.name}: write a .csv or an .xlsx file")
    people = weapons.filter(holder__kind__in=PERSONAL_KINDS).count() if personal_data else 0
    if people and not purpose.strip():
        raise PurposeRequired(
            _(
                "%(n)d of these weapons are held by individuals, whose names and licences are "
                "personal data: state the purpose (--purpose CASE) or leave them out "
                "(--without-personal-data)"
            )
            % {"n": people}
        )
    try:
        purpose = clean_purpose(purpose) if purpose.strip() else ""
    except DomainValidationError as exc:
        raise PurposeRequired(f"--purpose: {exc.message}") from exc
    writer = write_xlsx if suffix == ".xlsx" else write_csv
    count = writer(path, HEADER, _rows(weapons, personal_data=personal_data))
    ctx = current_context()
    data = {"file": path.name, "records": count, "sha256": sha256_of(path)}
    data |= {"purpose": purpose, "individual_holders": people}
    with (
        audit_context(
            actor_id=ctx.actor_id,
            actor_name=ctx.actor_name,
            channel=ctx.channel,
            correlation_id=ctx.correlation_id,
            purpose=purpose or ctx.purpose,
        ),
        transaction.atomic(),
        audit_batch(),
    ):
        record_event("intake:export:written", object_type="registry.weapon", data=data)
    return count
