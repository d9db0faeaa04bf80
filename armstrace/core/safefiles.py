"""CSV and XLSX files written back to people, safe to open in a spreadsheet.

Imported text can hold formulas (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3+cmd|...`) that a
spreadsheet would run when someone opens an error file or an export. Per OWASP's CSV injection
guidance, a text that starts with = + - @ TAB or CR, also after leading spaces and in the
full-width forms a spreadsheet may fold to them, gets a leading apostrophe, which spreadsheets
show as text. A plain number such as "-12" is left alone. XLSX cells are always written as text
or numbers, never as formulas.

CSV is written in UTF-8 with a byte-order mark, so that spreadsheets read accented names right.
Files written whole (write_csv, write_xlsx) appear under their name only once complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

TRIGGERS = frozenset("=+-@\t\r＝＋－＠")  # noqa: RUF001 (the full-width forms are the point)
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
XLSX_MAX_TEXT = 32_767  # characters a spreadsheet cell can hold
_SURROGATES = re.compile("[\ud800-\udfff]")  # undecodable bytes as the readers mark them


def neutralise(value: object) -> str:
    """The value as text that a spreadsheet shows and never runs."""
    text = _text(value)
    first = text.lstrip()[:1]
    if not first or (text[0] not in TRIGGERS and first not in TRIGGERS):
        return text
    if NUMBER.fullmatch(text.strip()):
        return text  # "-12", "+3.5e2": a number, not a formula
    return "'" + text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write the header and rows; returns the number of rows written."""
    with _replacing(Path(path)) as part, CsvSink(part, header) as sink:
        for row in rows:
            sink.write(row)
    return sink.count


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write one sheet in openpyxl's streaming mode; returns the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([_xlsx_cell(sheet, cell) for cell in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
        count += 1
    with _replacing(Path(path)) as part:
        book.save(part)
    return count


def _xlsx_cell(sheet: object, value: object) -> object:
    """Numbers and naive dates stay typed; everything else is text with its type fixed as
    text, so openpyxl never reads it as a formula or an error value."""
    if isinstance(value, bool | int | decimal.Decimal) or (
        isinstance(value, float) and math.isfinite(value)
    ):
        return value
    if (
        isinstance(value, dt.datetime | dt.date | dt.time)
        and getattr(value, "tzinfo", None) is None
    ):
        return value
    cell = WriteOnlyCell(sheet, value=xlsx_text(value))
    cell.data_type = "s"
    return cell


def xlsx_text(value: object) -> str:
    """The value as text an XLSX cell can hold and a spreadsheet never runs: neutralised,
    without the control characters and lone surrogates the format refuses, and cut to a
    cell's limit."""
    text = neutralise(value)
    text = _SURROGATES.sub("\ufffd", ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
    if len(text) > XLSX_MAX_TEXT:
        text = text[: XLSX_MAX_TEXT - 1] + "…"
    return text


class CsvSink:
    """A CSV file written row by row, e.g. rejected rows while an import runs."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        # backslashreplace: undecodable bytes of a rejected row are shown, not a crash
        self._file: IO[str] = Path(path).open(  # noqa: SIM115 (closed by close())
            "w", encoding="utf-8-sig", newline="", errors="backslashreplace"
        )
        self._writer = csv.writer(self._file)
        self._writer.writerow([neutralise(cell) for cell in header])
        self.count = 0

    def write(self, row: Sequence[object]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])
        self.count += 1

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary name beside `path`, moved over it only when writing succeeded."""
    part = path.with_name(path.name + ".part")
    try:
        yield part
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
