"""Printable PDFs (fpdf2): a campaign's checklist for manual engraving, and a destruction
certificate. A Unicode font (DejaVu Sans) is used when installed, so serials in any script
print as written; without it, characters outside Latin-1 print as '?'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _
from fpdf import FPDF

from armstrace.core.pdffonts import use_unicode_fonts
from armstrace.marking.models import Campaign, CampaignItem, Destruction
from armstrace.registry.choices import ComponentType
from armstrace.registry.models import Weapon

FONT = "body"


class _Document(FPDF):
    def __init__(self, title: str, when: dt.datetime) -> None:
        super().__init__(orientation="landscape", format="A4")
        self.unicode = _add_font(self)
        self.set_creation_date(when)  # fixed, not "now": same record, same bytes
        self.set_title(title)
        self.set_creator("ArmsTrace")
        self.heading = title
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()

    def header(self) -> None:
        self.set_font(FONT if self.unicode else "helvetica", size=9)
        self.cell(0, 6, self.text(self.heading), new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT if self.unicode else "helvetica", size=8)
        page = _("Page %(n)d of %(total)s") % {"n": self.page_no(), "total": "{nb}"}
        self.cell(0, 6, self.text(page), align="C")

    def text(self, value: object) -> str:  # type: ignore[override]
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def title_line(self, text: str) -> None:
        self.set_font(size=15)
        self.multi_cell(0, 9, self.text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(size=10)

    def line_of(self, text: str) -> None:
        self.multi_cell(0, 6, self.text(text), new_x="LMARGIN", new_y="NEXT")

    def rows(
        self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]
    ) -> None:
        self.set_font(size=9)
        with self.table(
            col_widths=tuple(widths), line_height=6, first_row_as_headings=True
        ) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.text(value))


def _add_font(pdf: FPDF) -> bool:
    unicode = use_unicode_fonts(pdf, FONT)
    pdf.set_font(FONT if unicode else "helvetica", size=10)
    return unicode


def checklist(campaign: Campaign, items: Sequence[CampaignItem], when: dt.datetime) -> bytes:
    """One line per weapon: where to engrave which mark, with boxes to tick and initial."""
    pdf = _Document(_("Marking checklist %(code)s") % {"code": campaign.code}, when)
    pdf.title_line(
        _("Marking checklist: %(name)s (%(code)s)") % {"name": campaign.name, "code": campaign.code}
    )
    pdf.line_of(
        _("Purpose: %(purpose)s. Method: %(method)s. Weapons: %(n)d. Printed: %(when)s.")
        % {
            "purpose": campaign.get_purpose_display(),
            "method": campaign.get_method_display() or "-",
            "n": len(items),
            "when": when.strftime("%Y-%m-%d %H:%M"),
        }
    )
    part = ComponentType(campaign.component).label if campaign.component else "-"
    header = [
        "#",
        _("Serial"),
        _("Weapon"),
        _("Component"),
        _("Location"),
        _("Mark to engrave"),
        _("Done"),
        _("Failed"),
        _("Initials"),
    ]
    rows = [
        [
            n,
            item.weapon.serial_number,
            f"{item.weapon.manufacturer_name} {item.weapon.model}".strip(),
            part,
            campaign.location or "-",
            item.mark_text,
            "[  ]",
            "[  ]",
            "",
        ]
        for n, item in enumerate(items, start=1)
    ]
    pdf.rows(header, rows, (10, 38, 50, 26, 36, 50, 16, 16, 22))
    pdf.ln(6)
    pdf.line_of(_("Engraved by (name, signature, date): ____________________________"))
    return bytes(pdf.output())


def destruction_certificate(destruction: Destruction, weapons: Sequence[Weapon]) -> bytes:
    when = dt.datetime.combine(
        destruction.destroyed_on or dt.date(2000, 1, 1), dt.time(), tzinfo=dt.UTC
    )
    pdf = _Document(_("Destruction certificate %(id)d") % {"id": destruction.pk}, when)
    pdf.title_line(_("Certificate of destruction no. %(id)d") % {"id": destruction.pk})
    day = destruction.destroyed_on.isoformat() if destruction.destroyed_on else "-"
    facts = [
        _("Date of destruction: %(day)s") % {"day": day},
        _("Method: %(method)s") % {"method": destruction.method},
        _("Place: %(place)s") % {"place": destruction.place or "-"},
        _("Reason: %(reason)s") % {"reason": destruction.reason},
        _("Collection: %(batch)s") % {"batch": destruction.batch or "-"},
        _("Weapons destroyed: %(n)d") % {"n": len(weapons)},
    ]
    for fact in facts:
        pdf.line_of(fact)
    pdf.ln(3)
    header = [
        "#",
        _("Weapon id"),
        _("Serial"),
        _("Manufacturer"),
        _("Model"),
        _("Calibre"),
        _("Date"),
        _("Method"),
    ]
    rows = [
        [n, w.pk, w.serial_number, w.manufacturer_name, w.model, w.calibre, day, destruction.method]
        for n, w in enumerate(weapons, start=1)
    ]
    pdf.rows(header, rows, (10, 72, 36, 40, 30, 26, 22, 41))
    pdf.ln(6)
    pdf.line_of(_("Witnesses:"))
    for witness in destruction.witnesses.splitlines():
        if witness.strip():
            pdf.line_of(f"- {witness.strip()}    ________________________")
    return bytes(pdf.output())
