"""Trace request and answer as printable forms (fpdf2), for states without ArmsTrace.

Laid out like a classic trace request form (ATF 3312.1): numbered parts, each a boxed
grid of numbered fields, in the request's language (settings.LANGUAGES; English when the
language is not offered). The confidentiality level and use restrictions head every page.
Fonts and shaping come from armstrace/core/pdffonts.py (Arabic joined, right to left;
Chinese from a CJK fallback font); without a Unicode font, characters outside Latin-1 print
as '?'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from armstrace.core.pdffonts import use_unicode_fonts
from armstrace.reference.choices import WeaponType
from armstrace.tracing.choices import Completeness, Confidentiality, IllicitGround
from armstrace.tracing.models import TraceAnswer, TraceRequest

FONT = "form"
LABEL_W = 62  # mm: the label column of a part's grid


def language_of(request: TraceRequest) -> str:
    offered = {code for code, _name in settings.LANGUAGES}
    return request.language if request.language in offered else "en"


class _Form(FPDF):
    def __init__(self, title: str, banner: str, footer_ref: str) -> None:
        super().__init__(orientation="portrait", format="A4")
        self.unicode = use_unicode_fonts(self, FONT)
        self.heading, self.banner, self.footer_ref = title, banner, footer_ref
        self.set_title(title)
        self.set_creator("ArmsTrace")
        self.set_auto_page_break(auto=True, margin=16)
        self.part_no = 0
        self.field_no = 0
        self.add_page()

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(FONT if self.unicode else "helvetica", "B" if bold else "", size)

    def clean(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        self.use(13, bold=True)
        self.cell(0, 7, self.clean(self.heading), new_x="LMARGIN", new_y="NEXT")
        self.use(8, bold=True)
        self.set_fill_color(235, 235, 235)
        self.multi_cell(
            0, 5, self.clean(self.banner), border=1, fill=True, new_x="LMARGIN", new_y="NEXT"
        )
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.use(7)
        page = _("Page %(n)d of %(total)s") % {"n": self.page_no(), "total": "{nb}"}
        self.cell(0, 5, self.clean(f"{self.footer_ref} · {page}"), align="C")

    def part(self, title: str) -> None:
        self.part_no += 1
        self.ln(2)
        self.use(10, bold=True)
        self.set_fill_color(40, 40, 40)
        self.set_text_color(255, 255, 255)
        label = _("Part %(n)d. %(title)s") % {"n": self.part_no, "title": title}
        self.cell(0, 6, self.clean(label), fill=True, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def fields(self, rows: Sequence[tuple[str, object]]) -> None:
        """Numbered boxes: the label on the left, the value (or an empty box) beside it."""
        self.use(8)
        with self.table(
            col_widths=(LABEL_W, 190 - LABEL_W), line_height=5, first_row_as_headings=False
        ) as table:
            for label, value in rows:
                self.field_no += 1
                row = table.row()
                row.cell(self.clean(f"{self.field_no}. {label}"))
                row.cell(self.clean(value if value not in (None, "") else "—"))

    def grid(
        self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]
    ) -> None:
        self.use(7)
        with self.table(col_widths=tuple(widths), line_height=4.5) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))

    def signature(self) -> None:
        self.ln(6)
        self.use(8)
        self.cell(0, 6, self.clean(_("Name, signature, date: ________________________________")))


def _banner(level: str, use: str) -> str:
    label = Confidentiality(level).label if level in Confidentiality.values else level
    return _("CONFIDENTIALITY: %(level)s. USE RESTRICTIONS: %(use)s") % {
        "level": str(label).upper(),
        "use": use or "—",
    }


def _grounds(codes: Sequence[str]) -> str:
    return "; ".join(str(IllicitGround(c).label) for c in codes if c in IllicitGround.values)


def _yes_no(value: object) -> str:
    return _("yes") if value else _("no")


def _type(value: str) -> str:
    return str(WeaponType(value).label) if value in WeaponType.values else value


def request_pdf(request: TraceRequest) -> bytes:
    with translation.override(language_of(request)):
        return _request_pdf(request)


def _request_pdf(r: TraceRequest) -> bytes:
    pdf = _Form(
        _("Firearm trace request %(id)s") % {"id": r.request_id},
        _banner(r.confidentiality, r.use_restrictions),
        r.request_id,
    )
    pdf.part(_("Request"))
    pdf.fields([
        (_("Request id"), r.request_id),
        (_("Date of request"), (r.sent_at or r.created_at).date().isoformat()),
        (_("Priority"), f"{r.get_priority_display()} {r.priority_justification}".strip()),
        (_("Channel"), r.get_channel_display()),
        (_("Case reference"), r.case_ref),
        (_("Follow-up of"), r.parent.request_id if r.parent else ""),
        (_("Counterpart's reference"), r.external_ref),
        (_("Requested state"), f"{r.requested_state} ({r.get_routing_reason_display()})"),
        (_("Answer due"), r.answer_due_at.date().isoformat() if r.answer_due_at else ""),
    ])  # fmt: skip
    pdf.part(_("Requesting agency and officer"))
    pdf.fields([
        (_("Requesting state"), str(r.requesting_state)),
        (_("Agency"), r.requesting_agency_name),
        (_("Officer"), r.officer_name),
        (_("Badge or ID"), r.officer_badge),
        (_("Phone"), r.officer_phone),
        (_("E-mail"), r.officer_email),
    ])  # fmt: skip
    pdf.part(_("Firearm (ITI para 17 b)"))
    pdf.fields([
        (_("Serial as read"), r.serial_as_read),
        (_("Serial obliterated"), _yes_no(r.serial_obliterated)),
        (_("Manufacturer"), r.manufacturer),
        (_("Type"), _type(r.weapon_type)),
        (_("Calibre"), r.calibre),
        (_("Model"), r.model),
        (_("Country of manufacture"), str(r.country_of_manufacture or "")),
        (_("All markings as read"), r.markings),
        (_("Other identifiers"), r.other_identifiers),
        (_("Ballistic record reference"), r.ballistic_ref),
    ])  # fmt: skip
    pdf.part(_("Why illicit, where and how found (ITI paras 5, 17 a)"))
    pdf.fields([
        (_("Illicit grounds (ITI para 5)"), _grounds(r.illicit_grounds)),
        (_("Legal justification"), r.legal_justification),
        (_("Date found"), r.found_on.isoformat()),
        (_("Place found"), r.found_place),
        (_("Found how"), r.get_found_context_display()),
        (_("Offence"), r.offence),
    ])  # fmt: skip
    pdf.part(_("Use of the information (ITI para 17 c; Firearms Protocol art. 12(5))"))
    pdf.fields([
        (_("Intended use of the information"), r.intended_use),
        (_("Confidentiality"), r.get_confidentiality_display()),
        (_("Use restrictions"), r.use_restrictions),
    ])  # fmt: skip
    if r.chain_so_far:
        pdf.part(_("Chain established so far"))
        pdf.fields([(_("From earlier answers"), r.chain_so_far)])
    pdf.signature()
    return bytes(pdf.output())


def answer_pdf(answer: TraceAnswer) -> bytes:
    with translation.override(language_of(answer.request)):
        return _answer_pdf(answer)


def _party(value: dict[str, Any] | None) -> str:
    return str(value.get("name") or "") if value else ""


def _answer_pdf(answer: TraceAnswer) -> bytes:
    r = answer.request
    body: dict[str, Any] = answer.released or {}
    pdf = _Form(
        _("Answer to firearm trace request %(id)s") % {"id": r.request_id},
        _banner(answer.confidentiality, answer.use_restrictions),
        r.request_id,
    )
    done = Completeness(answer.completeness).label if answer.completeness else ""
    pdf.part(_("Answer"))
    pdf.fields([
        (_("Request id"), r.request_id),
        (_("Requesting state"), str(r.requesting_state)),
        (_("Answering state"), str(r.requested_state)),
        (_("Responder's reference"), answer.responder_ref),
        (_("Date of answer"), answer.released_at.date().isoformat() if answer.released_at else ""),
        (_("The answer is"), done),
        (_("Summary"), body.get("summary", "")),
    ])  # fmt: skip
    weapon = body.get("weapon") or {}
    pdf.part(_("Firearm identified"))
    pdf.fields([
        (_("Serial"), weapon.get("serial_number", "")),
        (_("Manufacturer"), weapon.get("manufacturer", "")),
        (_("Model"), weapon.get("model", "")),
        (_("Type"), _type(weapon.get("weapon_type", ""))),
        (_("Calibre"), weapon.get("calibre", "")),
        (_("Country of manufacture"), weapon.get("country_of_manufacture", "")),
        (_("Year of manufacture"), weapon.get("year_of_manufacture") or ""),
    ])  # fmt: skip
    pdf.part(_("Supply chain"))
    header = [_("Date"), _("Event"), _("From"), _("To"), _("Country"), _("Licence or document")]
    rows = [
        [
            link.get("date", ""),
            link.get("event", ""),
            _party(link.get("from")) or "—",
            _party(link.get("to")) or "—",
            link.get("counterpart_country") or link.get("country") or "—",
            link.get("licence_number") or link.get("document_ref") or "—",
        ]
        for link in body.get("supply_chain") or []
    ]
    pdf.grid(header, rows or [["—"] * 6], (22, 26, 40, 40, 20, 42))
    last = body.get("last_legal_record") or {}
    diversion = body.get("point_of_diversion") or {}
    pdf.part(_("Outcome"))
    pdf.fields([
        (_("Last legal record"), f"{last.get('event', '')} {last.get('date', '')}".strip()),
        (_("Last legal holder"), _party(last.get("holder"))),
        (_("Point of diversion established"), _yes_no(diversion.get("established"))),
        (_("How"), diversion.get("how", "")),
        (_("The chain leads to"), body.get("leads_to_state", "")),
    ])  # fmt: skip
    pdf.signature()
    return bytes(pdf.output())
