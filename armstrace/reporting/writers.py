"""The national report printed three ways: PDF (fpdf2, numbered sections as the UN template
has them), XLSX (a sheet per section) and JSON (schema armstrace.national-report/1,
documented in docs/domain/reporting.md). The report's labels are already translated; the
writers translate only their own few words, in the report's language.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from armstrace.core.pdffonts import use_unicode_fonts
from armstrace.core.safefiles import xlsx_text
from armstrace.reporting.national import (
    COUNT,
    DAYS,
    RATIO,
    SCHEMA,
    TEXT,
    VERSION,
    Part,
    Report,
    Section,
    Table,
    Value,
)

FONT = "report"
HEADING = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
WIDE = 5  # a table with more value columns than this and few rows prints transposed


def display(value: Value, unit: str = COUNT) -> str:
    """A value as a reader sees it, in the active language's number format."""
    if value is None or value == "":
        return "—"
    if unit == RATIO and isinstance(value, int | float):
        return f"{number_format(value * 100, 1)} %"
    if unit == DAYS and isinstance(value, int | float):
        return str(number_format(value, 1))
    if isinstance(value, int | float):
        return str(number_format(value, 0, force_grouping=True))
    return str(value)


# --- JSON ---------------------------------------------------------------------------------


def document(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "generated_at": report.generated_at.isoformat(),
        "language": report.language,
        "state": {"code": report.state_code, "name": report.state_name},
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "title": report.title,
        "sections": [_section_document(s) for s in report.sections],
    }


def _section_document(section: Section) -> dict[str, Any]:
    return {
        "number": section.number,
        "key": section.key,
        "title": section.title,
        "sources": section.sources,
        "parts": [_part_document(p) for p in section.parts],
    }


def _part_document(part: Part) -> dict[str, Any]:
    return {
        "number": part.number,
        "key": part.key,
        "title": part.title,
        "note": part.note,
        "figures": [
            {"key": f.key, "label": f.label, "value": f.value, "unit": f.unit} for f in part.figures
        ],
        "table": _table_document(part.table) if part.table else None,
    }


def _table_document(table: Table) -> dict[str, Any]:
    keys = [c.key for c in table.columns]
    return {
        "label_header": table.label_header,
        "columns": [{"key": c.key, "label": c.label, "unit": c.unit} for c in table.columns],
        "rows": [
            {"key": r.key, "label": r.label, "values": dict(zip(keys, r.values, strict=True))}
            for r in table.rows
        ],
    }


def to_json(report: Report) -> bytes:
    return json.dumps(document(report), ensure_ascii=False, indent=2).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------

SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {RATIO: "0.0%", DAYS: "0.0"}
BOLD = Font(bold=True)


def _put(sheet: Worksheet, row: int, column: int, value: Value, unit: str = COUNT) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        cell.number_format = NUMBER_FORMATS.get(unit, "0")
    elif value is not None:
        cell.value = xlsx_text(value)
        cell.data_type = "s"


def _sheet_title(section: Section) -> str:
    return SHEET_FORBIDDEN.sub(" ", f"{section.number} {section.title}")[:31]


def to_xlsx(report: Report) -> bytes:
    with translation.override(report.language):
        book = Workbook()
        cover = book.active
        assert cover is not None
        cover.title = SHEET_FORBIDDEN.sub(" ", _("Report"))[:31]
        _cover_rows(cover, report)
        for section in report.sections:
            _section_sheet(book.create_sheet(_sheet_title(section)), section)
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def _cover_rows(sheet: Worksheet, report: Report) -> None:
    rows: list[tuple[str, Value]] = [
        (report.title, None),
        (_("State"), report.state_name or report.state_code),
        (_("From"), report.period.start.isoformat()),
        (_("To"), report.period.end.isoformat()),
        (_("Language"), report.language),
        (_("Generated"), report.generated_at.isoformat(timespec="seconds")),
    ]
    for number, (label, value) in enumerate(rows, start=1):
        _put(sheet, number, 1, label)
        _put(sheet, number, 2, value)
    sheet.cell(row=1, column=1).font = BOLD
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30


def _section_sheet(sheet: Worksheet, section: Section) -> None:
    _put(sheet, 1, 1, f"{section.number}. {section.title}")
    sheet.cell(row=1, column=1).font = BOLD
    _put(sheet, 2, 1, _("Sources: %(sources)s") % {"sources": section.sources})
    row = 4
    for part in section.parts:
        row = _part_rows(sheet, part, row) + 1
    sheet.column_dimensions["A"].width = 48
    for letter in "BCDEFGHIJK":
        sheet.column_dimensions[letter].width = 16


def _part_rows(sheet: Worksheet, part: Part, row: int) -> int:
    _put(sheet, row, 1, f"{part.number} {part.title}")
    sheet.cell(row=row, column=1).font = BOLD
    row += 1
    for figure in part.figures:
        _put(sheet, row, 1, figure.label)
        _put(sheet, row, 2, figure.value, figure.unit)
        row += 1
    if part.table is not None and (part.table.rows or part.table.columns):
        row = _table_rows(sheet, part.table, row)
    if part.note:
        _put(sheet, row, 1, part.note)
        row += 1
    return row


def _table_rows(sheet: Worksheet, table: Table, row: int) -> int:
    for column, label in enumerate([table.label_header, *(c.label for c in table.columns)], 1):
        _put(sheet, row, column, label)
        sheet.cell(row=row, column=column).font = BOLD
    row += 1
    for entry in table.rows:
        _put(sheet, row, 1, entry.label)
        for column, (spec, value) in enumerate(zip(table.columns, entry.values, strict=True), 2):
            _put(sheet, row, column, value, spec.unit)
        row += 1
    return row


# --- PDF ----------------------------------------------------------------------------------


def _texts(value: object) -> Iterator[str]:
    """Every string of a report's document: its labels are in the report's language, so
    they carry every script the writer's own words need too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


class _Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", format="A4")
        self.unicode = use_unicode_fonts(self, FONT, texts=set(_texts(document(report))))
        self.running_title = report.subtitle
        self.set_title(report.title)
        self.set_creator("ArmsTrace")
        self.set_creation_date(report.generated_at)
        self.set_auto_page_break(auto=True, margin=16)
        # Right-to-left languages: text aligned right and tables mirrored, first column right.
        self.rtl = translation.get_language_bidi()
        self.align = "R" if self.rtl else "L"

    def use(self, size: float, *, bold: bool = False) -> None:
        self.set_font(FONT if self.unicode else "helvetica", "B" if bold else "", size)

    def clean(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.use(7)
        self.set_text_color(90, 90, 90)
        self.cell(
            0, 5, self.clean(self.running_title), align=self.align, new_x="LMARGIN", new_y="NEXT"
        )
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-12)
        self.use(7)
        page = _("Page %(n)d of %(total)s") % {"n": self.page_no(), "total": "{nb}"}
        self.cell(0, 5, self.clean(page), align="C")

    def paragraph(self, text: str, size: float = 9, *, bold: bool = False) -> None:
        self.use(size, bold=bold)
        self.multi_cell(
            0, size * 0.55, self.clean(text), align=self.align, new_x="LMARGIN", new_y="NEXT"
        )

    def bar(self, text: str) -> None:
        self.ln(3)
        self.use(11, bold=True)
        self.set_fill_color(40, 40, 40)
        self.set_text_color(255, 255, 255)
        self.multi_cell(
            0, 7, self.clean(text), fill=True, align=self.align, new_x="LMARGIN", new_y="NEXT"
        )
        self.set_text_color(0, 0, 0)
        self.set_fill_color(255, 255, 255)

    def keep_room(self, height: float) -> None:
        """A new page unless `height` mm are left: no heading alone at the foot of a page."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    def grid(
        self, rows: Sequence[Sequence[str]], widths: Sequence[float], *, heading: bool = True
    ) -> None:
        self.use(8)
        if self.rtl:
            rows = [list(reversed(values)) for values in rows]
            widths = list(reversed(widths))
        with self.table(
            col_widths=tuple(widths),
            line_height=4.6,
            first_row_as_headings=heading,
            headings_style=HEADING,
            text_align="RIGHT" if self.rtl else "LEFT",
        ) as table:
            for values in rows:
                line = table.row()
                for value in values:
                    line.cell(self.clean(value))


def to_pdf(report: Report) -> bytes:
    with translation.override(report.language):
        pdf = _Document(report)
        pdf.add_page()
        _cover(pdf, report)
        for section in report.sections:
            _pdf_section(pdf, section)
        return bytes(pdf.output())


def _cover(pdf: _Document, report: Report) -> None:
    pdf.paragraph(report.title, 15, bold=True)
    pdf.ln(2)
    pdf.paragraph(report.subtitle, 11)
    pdf.ln(1)
    generated = report.generated_at.isoformat(timespec="minutes")
    pdf.paragraph(
        _("Generated from the national registry (ArmsTrace) on %(when)s.") % {"when": generated},
        8,
    )


def _pdf_section(pdf: _Document, section: Section) -> None:
    pdf.keep_room(45)
    pdf.bar(f"{section.number}. {section.title}")
    pdf.set_text_color(90, 90, 90)
    pdf.paragraph(_("Sources: %(sources)s") % {"sources": section.sources}, 7.5)
    pdf.set_text_color(0, 0, 0)
    for part in section.parts:
        pdf.ln(2)
        pdf.keep_room(25)
        pdf.paragraph(f"{part.number} {part.title}", 9.5, bold=True)
        pdf.ln(1)
        if part.figures:
            figures = [[f.label, display(f.value, f.unit)] for f in part.figures]
            pdf.grid(figures, (130, 60), heading=False)
        if part.table is not None:
            _pdf_table(pdf, part.table)
        if part.note:
            pdf.paragraph(part.note, 8)


def _pdf_table(pdf: _Document, table: Table) -> None:
    if not table.rows:
        pdf.paragraph(_("None recorded."), 8)
        return
    header = [table.label_header, *(c.label for c in table.columns)]
    body = [
        [r.label, *(display(v, c.unit) for c, v in zip(table.columns, r.values, strict=True))]
        for r in table.rows
    ]
    if len(table.columns) > WIDE and len(table.rows) <= WIDE:
        # Many measures of few things (the trace directions): one line per measure reads
        # better than eleven narrow columns.
        grid = [list(column) for column in zip(header, *body, strict=True)]
        pdf.grid(grid, _widths([2] + [1] * (len(grid[0]) - 1)))
        return
    weights = [column.weight or (2 if column.unit == TEXT else 1) for column in table.columns]
    pdf.grid([header, *body], _widths([max(2, len(weights)), *weights]))


def _widths(weights: Sequence[int]) -> tuple[float, ...]:
    """The 190 mm of the page shared by weight; the label column first."""
    total = sum(weights)
    return tuple(190 * weight / total for weight in weights)
