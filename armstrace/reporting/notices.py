"""The diversion notice (mission T13): what a trace established, told to a national,
regional or international body so that others can act against the same diversion.

The document (schema armstrace.diversion-notice/1, docs/domain/reporting.md) names the
weapon, the diversion and the last legal record's country, the case and the request; it
holds no personal data: no holder, no officer, no place where the weapon was found. To a
recipient that is a peer node it leaves as a signed diversion alert (its weapon, the date
of diversion and the last legal country; reporting.services.send_notice); to any other, as
PDF or JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from armstrace.accounts.services import offered_language
from armstrace.core.pdffonts import use_unicode_fonts
from armstrace.reference.choices import WeaponType
from armstrace.registry.choices import EventKind
from armstrace.reporting.models import NoticeRecipient
from armstrace.tracing.choices import Confidentiality, Direction
from armstrace.tracing.models import TraceAnswer

SCHEMA, VERSION = "armstrace.diversion-notice", 1
WEAPON_KEYS = (
    "serial_number", "manufacturer", "model", "calibre", "weapon_type",
    "country_of_manufacture", "year_of_manufacture", "import_country", "import_year",
)  # fmt: skip
FONT = "notice"


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _weapon(answer: TraceAnswer) -> dict[str, Any]:
    """The weapon as the answer identified it, else as the request described it."""
    released = (answer.released or {}).get("weapon") or {}
    if released:
        return {key: released.get(key) for key in WEAPON_KEYS}
    request = answer.request
    return {
        "serial_number": request.serial_as_read,
        "manufacturer": request.manufacturer,
        "model": request.model,
        "calibre": request.calibre,
        "weapon_type": request.weapon_type,
        "country_of_manufacture": request.country_of_manufacture_id or "",
        "year_of_manufacture": None,
        "import_country": "",
        "import_year": None,
    }


def _our_state(answer: TraceAnswer) -> str:
    """We asked (outgoing, domestic) or were asked (incoming)."""
    request = answer.request
    if request.direction == Direction.INCOMING:
        return request.requested_state_id
    return request.requesting_state_id


def document(answer: TraceAnswer, recipient: NoticeRecipient, now: dt.datetime) -> dict[str, Any]:
    request = answer.request
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "created_at": now.isoformat(),
        "from": {"node": settings.NODE_NAME, "state": _our_state(answer)},
        "to": {"name": recipient.name, "level": recipient.level},
        "confidentiality": {
            "level": answer.confidentiality or request.confidentiality,
            "use_restrictions": answer.use_restrictions or request.use_restrictions,
        },
        "trace": {
            "request_id": request.request_id,
            "case_ref": request.case_ref,
            "direction": request.direction,
            "requesting_state": request.requesting_state_id,
            "requested_state": request.requested_state_id,
            "answered_on": _iso(answer.released_at.date() if answer.released_at else None),
        },
        "weapon": _weapon(answer),
        "diversion": {
            "event": answer.diversion_event,
            "date": _iso(answer.diversion_on),
            "last_legal_event": answer.last_legal_event,
            "last_legal_on": _iso(answer.last_legal_on),
            "last_legal_country": answer.last_legal_country,
        },
    }  # fmt: skip


def to_json(notice: dict[str, Any]) -> bytes:
    return json.dumps(notice, ensure_ascii=False, indent=2).encode("utf-8")


def _label(choices: Any, value: object) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def labels(notice: dict[str, Any]) -> dict[str, str]:
    """The codes of a notice as words in the active language."""
    diversion = notice["diversion"]
    return {
        "event": _label(EventKind, diversion["event"]),
        "last_legal_event": _label(EventKind, diversion["last_legal_event"]),
        "weapon_type": _label(WeaponType, notice["weapon"]["weapon_type"]),
        "level": _label(Confidentiality, notice["confidentiality"]["level"]),
    }


def to_pdf(notice: dict[str, Any], language: str) -> bytes:
    """One page: the banner of confidentiality, then the trace, the weapon, the diversion."""
    with translation.override(offered_language(language) or "en"):
        return _pdf(notice)


def _pdf(notice: dict[str, Any]) -> bytes:
    pdf = FPDF(orientation="portrait", format="A4")
    unicode = use_unicode_fonts(pdf, FONT)
    family = FONT if unicode else "helvetica"

    def clean(value: object) -> str:
        text = "" if value is None or value == "" else str(value)
        text = text or "—"
        return text if unicode else text.encode("latin-1", "replace").decode("latin-1")

    trace, weapon = notice["trace"], notice["weapon"]
    diversion, secrecy = notice["diversion"], notice["confidentiality"]
    pdf.set_title(_("Diversion notice"))
    pdf.set_creator("ArmsTrace")
    pdf.add_page()
    pdf.set_font(family, "B", 14)
    pdf.multi_cell(0, 8, clean(_("Diversion notice")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 8)
    pdf.set_fill_color(235, 235, 235)
    banner = _("CONFIDENTIALITY: %(level)s. USE RESTRICTIONS: %(use)s") % {
        "level": _label(Confidentiality, secrecy["level"]).upper(),
        "use": secrecy["use_restrictions"] or "—",
    }
    pdf.multi_cell(0, 5, clean(banner), border=1, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, "", 9)
    pdf.multi_cell(
        0,
        5,
        clean(
            _("To %(to)s, from %(node)s (%(state)s).")
            % {"to": notice["to"]["name"], "node": notice["from"]["node"],
               "state": notice["from"]["state"]}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )  # fmt: skip
    rows = [
        (_("Request id"), trace["request_id"]),
        (_("Case reference"), trace["case_ref"]),
        (_("Requesting state"), trace["requesting_state"]),
        (_("Requested state"), trace["requested_state"]),
        (_("Date of answer"), trace["answered_on"]),
        (_("Serial"), weapon["serial_number"]),
        (_("Manufacturer"), weapon["manufacturer"]),
        (_("Model"), weapon["model"]),
        (_("Type"), _label(WeaponType, weapon["weapon_type"])),
        (_("Calibre"), weapon["calibre"]),
        (_("Country of manufacture"), weapon["country_of_manufacture"]),
        (_("Year of manufacture"), weapon["year_of_manufacture"]),
        (_("Country of import"), weapon["import_country"]),
        (_("Diverted by"), _label(EventKind, diversion["event"])),
        (_("Diverted on"), diversion["date"]),
        (_("Last legal record"), _label(EventKind, diversion["last_legal_event"])),
        (_("Last legal record on"), diversion["last_legal_on"]),
        (_("Country of the last legal record"), diversion["last_legal_country"]),
    ]
    with pdf.table(col_widths=(70, 120), line_height=5, first_row_as_headings=False) as table:
        for label, value in rows:
            line = table.row()
            line.cell(clean(label))
            line.cell(clean(value))
    pdf.ln(3)
    pdf.set_font(family, "", 7)
    pdf.multi_cell(
        0,
        4,
        clean(_("Created %(when)s. This notice holds no personal data.") % {
            "when": notice["created_at"][:16]
        }),
        new_x="LMARGIN",
        new_y="NEXT",
    )  # fmt: skip
    return bytes(pdf.output())
