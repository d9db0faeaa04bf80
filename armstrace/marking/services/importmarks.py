"""Import marking (mission M2; ITI para 8(b), Firearms Protocol art. 8(1)(b)).

The national import-mark format comes from the setting `ARMSTRACE_IMPORT_MARK_FORMAT`
(default "{country}{yy}"). Placeholders:

- {country}  ISO 3166-1 alpha-2 code of the country of import, e.g. KE
- {country3} ISO 3166-1 alpha-3 code, e.g. KEN
- {yyyy}     year of import, four digits
- {yy}       year of import, two digits
- {importer} the importer's licence number (empty when it has none)

`record_import` records the IMPORTED life event through the registry services and, in the
same transaction, either the generated import mark or the mark the manufacturer applied
before export.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.audit.services import record_event
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking.profiles import STRUCTURAL
from armstrace.reference.models import Country
from armstrace.registry import services as registry
from armstrace.registry.choices import EventKind, MarkRole
from armstrace.registry.models import Event, Mark, Party, Weapon

DEFAULT_FORMAT = "{country}{yy}"
PLACEHOLDERS = frozenset({"country", "country3", "yyyy", "yy", "importer"})
MAX_MARK = 200  # the length of a mark's text in the registry


def import_mark_format() -> str:
    value = getattr(settings, "ARMSTRACE_IMPORT_MARK_FORMAT", DEFAULT_FORMAT) or DEFAULT_FORMAT
    problem = format_problem(value)
    if problem:
        raise ImproperlyConfigured(f"ARMSTRACE_IMPORT_MARK_FORMAT: {problem}")
    return str(value)


def format_problem(fmt: str) -> str:
    """Why `fmt` is not a usable import-mark format, or '' if it is."""
    try:
        names = [name for _text, name, spec, conv in string.Formatter().parse(fmt) if name]
    except ValueError as exc:
        return str(exc)
    unknown = sorted(set(names) - PLACEHOLDERS)
    if unknown:
        return _("unknown placeholders %(names)s; known: %(known)s") % {
            "names": ", ".join(unknown),
            "known": ", ".join(sorted(PLACEHOLDERS)),
        }
    if not {"country", "country3"} & set(names):
        return _("the format must name the country of import ({country} or {country3})")
    return ""


def format_import_mark(
    country: str, year: int, *, importer_code: str = "", fmt: str | None = None
) -> str:
    """The national import mark for a weapon imported into `country` in `year`."""
    found = Country.objects.filter(code=country.strip().upper()).first()
    if found is None:
        raise DomainValidationError(
            "country",
            _("%(code)r is not an ISO 3166 country code") % {"code": country},
            code="unknown_country",
        )
    values = {
        "country": found.code,
        "country3": found.alpha3 or found.code,
        "yyyy": f"{year:04d}",
        "yy": f"{year % 100:02d}",
        "importer": importer_code.strip(),
    }
    text = (fmt or import_mark_format()).format(**values).strip()
    if not text or len(text) > MAX_MARK:
        raise DomainValidationError("format", _("the import mark format gives no usable text"))
    return text


@dataclass(frozen=True)
class ImportRecorded:
    event: Event
    mark: Mark
    generated: bool  # False: the mark the manufacturer applied before export


def _mark_component(weapon: Weapon, component_type: str) -> str:
    """The part to carry the mark: the one asked for, else the frame or receiver if recorded
    (MOSAIC 05.30: next to the existing marks on the frame or receiver)."""
    if component_type:
        return component_type
    installed = weapon.components.filter(removed_on__isnull=True)
    types = set(installed.values_list("component_type", flat=True))
    return next((t for t in sorted(types) if t in STRUCTURAL), "")


def record_import(
    weapon: Weapon,
    *,
    occurred_on: dt.date,
    country: str,
    importer: Party,
    reason: str,
    year: int | None = None,
    exporting_country: str | None = None,
    document_ref: str = "",
    licence_number: str = "",
    mark_applied_by_manufacturer: str | None = None,
    method: str = "",
    component_type: str = "",
) -> ImportRecorded:
    """Record the import and its import mark: generated in the national format, or as the
    manufacturer applied it before export. The weapon's country and year of import follow."""
    reason = reason.strip()
    if not reason:
        raise DomainValidationError("reason", _("is required"), code="required")
    year = year or occurred_on.year
    applied = (mark_applied_by_manufacturer or "").strip()
    if mark_applied_by_manufacturer is not None and not applied:
        raise DomainValidationError("mark_applied_by_manufacturer", _("is empty"), code="required")
    text = applied or format_import_mark(country, year, importer_code=importer.licence_number)
    with transaction.atomic():
        event = registry.record_life_event(
            weapon=weapon,
            data=registry.EventInput(
                kind=EventKind.IMPORTED,
                occurred_on=occurred_on,
                country=country,
                counterpart_country=exporting_country or None,
                to_party=importer,
                document_ref=document_ref,
                licence_number=licence_number,
                notes=reason,
            ),
        )
        mark = registry.add_mark(
            weapon=weapon,
            data=registry.MarkInput(
                role=MarkRole.IMPORT,
                text=text,
                method=method,
                date_applied=None if applied else occurred_on,
                component_type=_mark_component(weapon, component_type),
            ),
        )
        changes = {"import_country": country.upper(), "import_year": year}
        current = {"import_country": weapon.import_country_id, "import_year": weapon.import_year}
        if changes != current:
            updated = registry.correct_weapon(weapon=weapon, changes=dict(changes), reason=reason)
            weapon.import_country, weapon.import_year = updated.import_country, updated.import_year
        record_event(
            "marking:import:recorded",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={
                "event_id": event.pk,
                "mark_id": mark.pk,
                "mark_text": text,
                "generated": not applied,
                "country": country.upper(),
                "year": year,
                "reason": reason,
            },
        )
    return ImportRecorded(event, mark, generated=not applied)
