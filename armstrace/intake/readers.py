"""Tabular files (CSV, XLSX) read as a stream of rows, each either good or refused with a reason.

Rows are yielded one at a time and nothing holds the whole file: CSV is decoded in blocks, XLSX is
read with openpyxl in read-only mode. Row numbers are those a person sees in a spreadsheet: the
first record of the file is row 1 (usually the header); a quoted cell spanning several lines is
one row.

Broken quotes (the policy): the parser is strict, and a record may span at most
MAX_RECORD_LINES lines and MAX_RECORD_CHARS characters. A record that breaks the quoting rules,
runs past those limits or past the end of the file, or spans several lines with the wrong number
of cells, is refused with a RowError at the row where it started, and the lines after its first
line are read again as rows of their own: an unterminated quote costs one row, not the rest of
the file. The lines of the record being parsed are kept for that, so memory stays bounded by the
limits. A record that is well formed but whose later lines would each be a whole row by itself
(a quote closed rows later, just before a delimiter) is refused whole and not read again, since
those lines may as well be the text of a note; its message names the lines to check.

Other rules: blank rows are skipped (but counted); surplus trailing empty cells are accepted;
cells longer than max_cell, and cells with bytes that the detected encoding cannot decode, are
refused by row. In XLSX, only the columns read are checked for formulas and merged cells.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from xml.etree import ElementTree

import charset_normalizer
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}
DELIMITERS = ",;\t|"
WESTERN = "cp1252"  # the Windows code page of Western Europe, the Americas and much of Africa
MAX_RECORD_LINES = 100  # a notes cell may hold a few line breaks; a hundred is a broken quote
MAX_RECORD_CHARS = 32 * 1024 * 1024  # bounds memory for one record (a 10 MB cell still fits)
HEAD_SAMPLE = 64 * 1024  # bytes read from the start of the file to detect its encoding
SPREAD_SAMPLE = 16 * 1024  # ...and from three places further in, for late accented names
SNIFF_CHARS = 32 * 1024  # characters given to csv.Sniffer
BLOCK = 256 * 1024  # bytes decoded at a time
_MARK = "armstrace.intake.mark"
_MARKED = re.compile("[\ud800-\udfff]")  # lone surrogates: undecodable bytes, see _mark
_marks = threading.local()  # .count: how many times _mark ran in this thread


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says which file and why, for a person."""


@dataclass(frozen=True)
class RowError:
    number: int  # the row as a person sees it in a spreadsheet: header is row 1
    column: str  # the column header as written in the file ('' if the whole row)
    reason: str


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]  # canonical field name -> cell text, stripped; absent cells ''


@dataclass(frozen=True)
class Layout:
    """How the file is read, reported back to the user."""

    format: str  # 'csv' | 'xlsx'
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    columns: dict[str, str]  # canonical field -> header as written
    ignored: list[str]  # headers that map to no field


class Table:
    """An open file: its layout, then its rows in one pass. rows() may raise ImportFileError
    when a stated encoding turns out wrong further in the file."""

    layout: Layout

    def rows(self) -> Iterator[Row | RowError]:
        raise NotImplementedError

    def progress(self) -> tuple[int, int | None]:
        """(bytes or rows consumed so far, total or None), for a progress bar."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_table(
    path: Path,
    *,
    fields: Sequence[str],
    required: Sequence[str],
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    max_cell: int = 10_000,
) -> Table:
    """Open a CSV or XLSX file (chosen by extension) and match its header to `fields`."""
    path = Path(path)
    if not set(required) <= set(fields):
        raise ValueError(f"required fields {set(required) - set(fields)} are not in fields")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise _file_error(
            path,
            _("unsupported file type %(suffix)r; supported: %(supported)s")
            % {"suffix": path.suffix, "supported": ", ".join(FORMATS)},
        )
    spec = _Spec(path, tuple(fields), tuple(required), dict(mapping or {}), max_cell)
    if kind == "xlsx":
        return _XlsxTable(spec, sheet)
    return _CsvTable(spec, encoding, delimiter)


def _file_error(path: Path, reason: str) -> ImportFileError:
    return ImportFileError(_("%(file)s: %(reason)s") % {"file": path.name, "reason": reason})


# Header matching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    path: Path
    fields: tuple[str, ...]
    required: tuple[str, ...]
    mapping: dict[str, str]
    max_cell: int


@dataclass(frozen=True)
class _Columns:
    index: dict[str, int]  # field -> position of its cell in a row
    headers: list[str]  # as written, stripped
    ignored: list[str]

    def named(self) -> dict[str, str]:
        return {field: self.headers[i] for field, i in self.index.items()}


def header_key(text: str) -> str:
    """'Serial Number', 'serial-number' and 'SERIAL_NUMBER' all give 'serial number'."""
    return " ".join(text.casefold().replace("-", " ").replace("_", " ").split())


def _match_columns(spec: _Spec, headers: list[str]) -> _Columns:
    wanted = _wanted_keys(spec)
    index: dict[str, int] = {}
    ignored = []
    for i, header in enumerate(headers):
        field = wanted.get(header_key(header))
        if field is None:
            if header:
                ignored.append(header)
        elif field in index:
            raise _file_error(
                spec.path,
                _("columns %(first)s and %(second)s both give the field %(field)s; keep one")
                % {
                    "first": _column_name(headers, index[field]),
                    "second": _column_name(headers, i),
                    "field": field,
                },
            )
        else:
            index[field] = i
    _check_found(spec, headers, index)
    return _Columns(index, headers, ignored)


def _wanted_keys(spec: _Spec) -> dict[str, str]:
    """Header key -> field: the mapping's entries first, then the fields' own names."""
    unknown = sorted(set(spec.mapping) - set(spec.fields))
    if unknown:
        raise _file_error(
            spec.path,
            _("the column mapping names unknown fields: %(fields)s")
            % {"fields": ", ".join(unknown)},
        )
    wanted: dict[str, str] = {}
    for field, header in spec.mapping.items():
        other = wanted.setdefault(header_key(header), field)
        if other != field:
            raise _file_error(
                spec.path,
                _("the column mapping gives the column %(header)r to both %(a)s and %(b)s")
                % {"header": header, "a": other, "b": field},
            )
    for field in spec.fields:
        if field not in spec.mapping:
            wanted.setdefault(header_key(field), field)
    return wanted


def _check_found(spec: _Spec, headers: list[str], index: dict[str, int]) -> None:
    unmatched = [
        f"{field} -> {spec.mapping[field]!r}" for field in spec.mapping if field not in index
    ]
    if unmatched:
        raise _file_error(
            spec.path,
            _("the column mapping names columns the file does not have: %(columns)s")
            % {"columns": ", ".join(unmatched)},
        )
    missing = [field for field in spec.required if field not in index]
    if missing:
        raise _file_error(
            spec.path,
            _("missing required columns: %(missing)s; the header row has: %(found)s")
            % {
                "missing": ", ".join(missing),
                "found": ", ".join(repr(h) for h in headers if h) or _("nothing"),
            },
        )


def _column_name(headers: list[str], i: int) -> str:
    return f"{headers[i]!r} ({get_column_letter(i + 1)})"


def _too_long(length: int, limit: int) -> str:
    return _("the cell holds %(length)d characters; at most %(limit)d are accepted") % {
        "length": length,
        "limit": limit,
    }


# CSV: encoding and delimiter ------------------------------------------------------------------


def _mark(exc: UnicodeError) -> tuple[str, int]:
    """Decode undecodable bytes as lone surrogates, which no real text contains, so that the
    row holding them can be refused instead of the whole file. Counted, so that a block can be
    known clean without searching it."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _marks.count = getattr(_marks, "count", 0) + 1
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), exc.end


codecs.register_error(_MARK, _mark)


def _sample(raw: IO[bytes], size: int) -> tuple[bytes, bytes]:
    """The head of the file, and for detection the head plus whole lines from three places
    further in (where accented names first appear after thousands of plain rows)."""
    head = raw.read(HEAD_SAMPLE)
    if size <= HEAD_SAMPLE or b"\x00" in head:  # UTF-16/32 cannot be cut at a newline byte
        return head, head
    parts = [_whole_lines(head, keep_start=True)]
    for quarter in (1, 2, 3):
        raw.seek(size * quarter // 4)
        parts.append(_whole_lines(raw.read(SPREAD_SAMPLE), keep_start=False))
    return head, b"\n".join(parts)


def _whole_lines(data: bytes, *, keep_start: bool) -> bytes:
    start = 0 if keep_start else data.find(b"\n") + 1
    end = data.rfind(b"\n")
    return data[start:end] if end >= start else b""


def _detect_encoding(path: Path, sample: bytes) -> str:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16's
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if sample.startswith(bom):
            return name
    if sample[:4] == b"PK\x03\x04":
        raise _file_error(path, _("this is a ZIP or XLSX file, not a CSV; name it .xlsx"))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    # Western text decodes the same in several code pages; on a tie prefer the most common one
    # (charset-normalizer would name the first it tried, often cp1250: 'Crèvecœur' -> 'Crčvecśur').
    western = charset_normalizer.from_bytes(sample, cp_isolation=[WESTERN]).best()
    if western is not None and (best is None or western.chaos <= best.chaos):
        return WESTERN
    if best is None:
        raise _file_error(
            path, _("cannot tell the text encoding of this file; state it (e.g. cp1252)")
        )
    return best.encoding


def _check_encoding(path: Path, name: str) -> str:
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    # base64, hex, zlib and rot13 are codecs too, but they do not turn bytes into text.
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise _file_error(path, _("unknown text encoding %(name)r") % {"name": name})
    return info.name


def _check_delimiter(path: Path, stated: str) -> str:
    delimiter = {"tab": "\t", "\\t": "\t"}.get(stated.lower(), stated)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise _file_error(
            path, _("the delimiter must be one character, not %(value)r") % {"value": stated}
        )
    return delimiter


def _sniff_delimiter(text: str, *, default: str) -> str:
    lines = text.splitlines()[:64]
    try:
        return csv.Sniffer().sniff("\n".join(lines)[:SNIFF_CHARS], DELIMITERS).delimiter
    except csv.Error:
        # One row or one column: the most frequent candidate in the first line, if any.
        first = next((line for line in lines if line.strip()), "")
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else default


# CSV: lines and records -----------------------------------------------------------------------


class _Runaway(Exception):  # control flow, never shown
    """The record being parsed broke the quoting rules or ran past the limits."""


class _Reread(_Runaway):
    """A record already counted that must be refused and its lines after the first read again."""


class _LineSource:
    """The file's decoded lines, a block at a time, for csv.reader via chain.from_iterable.

    Keeps the lines from the start of the record being parsed (`record_start`, kept up to date
    by the reader) so a broken record can be read again from its second line (`rewind`).
    """

    def __init__(self, spec: _Spec, raw: IO[bytes], encoding: str, *, stated: bool) -> None:
        self._spec = spec
        self._raw = raw
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)("strict" if stated else _MARK)
        self._carry: list[str] = []  # the start of a line whose end is in a later block
        self._kept: list[str] = []  # lines from index _kept_from on
        self._kept_from = 0
        self.position = 0  # index of the next line to hand out
        self.record_start = 0
        self.suspect = False  # the last lines handed out may hold marked bytes or long cells
        self._marked = False  # bytes were marked since the last lines were handed out
        self.bytes_read = 0

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        self._prune()
        if self.position - self.record_start >= MAX_RECORD_LINES or (
            self.position > self.record_start + 1 and self._record_chars() > MAX_RECORD_CHARS
        ):
            raise _Runaway
        end = self._kept_from + len(self._kept)
        if self.position < end:  # after a rewind: hand out the kept lines again
            lines = self._kept[self.position - self._kept_from :]
            self.suspect = bool(_MARKED.search("".join(lines))) or (
                max(map(len, lines)) > self._spec.max_cell
            )
        else:
            lines = self._read_lines()
            self._kept.extend(lines)
        self.position = self._kept_from + len(self._kept)
        return lines

    def lines(self, first: int, end: int) -> list[str]:
        """Kept lines by index, from `first` (0-based) up to `end`."""
        return self._kept[first - self._kept_from : end - self._kept_from]

    def rewind(self, index: int) -> None:
        self.position = self.record_start = index

    def _prune(self) -> None:
        drop = self.record_start - self._kept_from
        if drop > 0:
            del self._kept[:drop]
            self._kept_from = self.record_start

    def _record_chars(self) -> int:
        return sum(map(len, self._kept[self.record_start - self._kept_from :]))

    def _read_lines(self) -> list[str]:
        while True:
            block = self._raw.read(BLOCK)
            marks = getattr(_marks, "count", 0)
            text = self._decode(block)
            self._marked = self._marked or getattr(_marks, "count", 0) != marks
            self.bytes_read += len(block)
            if block and "\n" not in text and "\r" not in text:
                self._carry.append(text)
                self._check_line_length()
                continue
            text = "".join(self._carry) + text
            newline = "" if "\r" in text else "\n"  # the same lines; "\n" alone is faster
            lines = io.StringIO(text, newline=newline).readlines()
            self._carry = []
            if block and lines and not lines[-1].endswith("\n"):  # may be the \r of a \r\n
                self._carry.append(lines.pop())
            if lines:
                self.suspect = self._marked or max(map(len, lines)) > self._spec.max_cell
                self._marked = bool(self._carry) and self._marked  # marks may be in the carry
                return lines
            if not block:
                raise StopIteration

    def _check_line_length(self) -> None:
        if sum(map(len, self._carry)) > MAX_RECORD_CHARS:
            raise _file_error(
                self._spec.path,
                _("line %(line)d is longer than %(limit)d characters; this is not a table")
                % {"line": self._kept_from + len(self._kept) + 1, "limit": MAX_RECORD_CHARS},
            )

    def _decode(self, block: bytes) -> str:
        pending = self._decoder.getstate()[0]
        try:
            return self._decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            before = (pending + block)[: exc.start].decode(self._encoding, "replace")
            raise _file_error(
                self._spec.path,
                _(
                    "the file is not valid %(encoding)s: byte %(offset)d (line %(line)d) cannot "
                    "be decoded; state the right encoding"
                )
                % {
                    "encoding": self._encoding,
                    "offset": self.bytes_read - len(pending) + exc.start,
                    "line": self._kept_from + len(self._kept) + before.count("\n") + 1,
                },
            ) from None
        except UnicodeError as exc:  # no position to name: UTF-16 without a byte order mark
            raise _not_text(self._spec.path, self._encoding, exc) from None


def _not_text(path: Path, encoding: str, exc: UnicodeError) -> ImportFileError:
    return _file_error(
        path,
        _("the file is not valid %(encoding)s (%(error)s); state the right encoding")
        % {"encoding": encoding, "error": exc},
    )


class _CsvTable(Table):
    def __init__(self, spec: _Spec, encoding: str | None, delimiter: str | None) -> None:
        self._spec = spec
        self._raw = spec.path.open("rb")
        try:
            self._open(encoding, delimiter)
        except BaseException:
            self._raw.close()
            raise

    def _open(self, encoding: str | None, delimiter: str | None) -> None:
        spec = self._spec
        self._size = os.fstat(self._raw.fileno()).st_size
        if self._size == 0:
            raise _file_error(spec.path, _("the file is empty"))
        head, sample = _sample(self._raw, self._size)
        self._raw.seek(0)
        if encoding is None:
            self._encoding = _detect_encoding(spec.path, sample)
        else:
            self._encoding = _check_encoding(spec.path, encoding)
        self._source = _LineSource(spec, self._raw, self._encoding, stated=encoding is not None)
        if delimiter is None:
            default = "\t" if spec.path.suffix.lower() == ".tsv" else ","
            try:
                text = head.decode(self._encoding, _MARK).lstrip("\ufeff")
            except UnicodeError as exc:
                raise _not_text(spec.path, self._encoding, exc) from None
            delimiter = _sniff_delimiter(text, default=default)
        self._delimiter = _check_delimiter(spec.path, delimiter)
        csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS))
        self._number, headers = self._read_header()
        self._columns = _match_columns(spec, headers)
        self.layout = Layout(
            format="csv",
            encoding=self._encoding,
            delimiter=self._delimiter,
            sheet=None,
            columns=self._columns.named(),
            ignored=self._columns.ignored,
        )

    def _reader(self) -> Any:
        # strict: a stray character after a closing quote is an error, not silently kept.
        lines = itertools.chain.from_iterable(self._source)
        return csv.reader(lines, delimiter=self._delimiter, doublequote=True, strict=True)

    def _read_header(self) -> tuple[int, list[str]]:
        reader = self._reader()
        try:
            for number, cells in enumerate(reader, start=1):
                self._source.record_start = reader.line_num
                headers = [cell.strip() for cell in cells]
                if headers:  # a byte order mark alone is no header
                    headers[0] = headers[0].lstrip("\ufeff").strip()
                if any(headers):
                    self._source.rewind(reader.line_num)
                    while not headers[-1]:
                        headers.pop()
                    return number, headers
        except (csv.Error, _Runaway):
            raise _file_error(
                self._spec.path, _("the header row cannot be read: a quote is not closed properly")
            ) from None
        raise _file_error(self._spec.path, _("the file has no header row"))

    def rows(self) -> Iterator[Row | RowError]:
        source = self._source
        reader, base, previous = self._reader(), source.position, 0
        while True:
            try:
                yield from self._records(reader, base, previous)
                return
            except (_Runaway, csv.Error) as exc:
                start, end = source.record_start, base + reader.line_num
                if not isinstance(exc, _Reread):
                    self._number += 1
                yield self._broken(exc, start, end)
                if isinstance(exc, csv.Error) and end - start == 1:
                    previous, source.record_start = reader.line_num, end  # same reader goes on
                else:
                    source.rewind(start + 1)
                    reader, base, previous = self._reader(), source.position, 0

    def _records(self, reader: Any, base: int, previous: int) -> Iterator[Row | RowError]:
        """The hot loop: a few attribute reads and one dict per good row."""
        source = self._source
        index = self._columns.index
        width = len(self._columns.headers)
        absent = [field for field in self._spec.fields if field not in index]
        names = (*index, *absent)
        positions = [*index.values(), *[width] * len(absent)]  # width: a '' appended to cells
        pick = itemgetter(*positions) if len(positions) > 1 else lambda c: (c[positions[0]],)
        strip = str.strip
        number = self._number
        try:
            for cells in reader:
                number += 1
                line = reader.line_num
                lines, previous = line - previous, line
                source.record_start = base + line
                if lines > 1 or len(cells) != width or source.suspect:
                    self._number = number
                    checked = self._check(cells, lines, base + line)
                    if checked is None:
                        continue
                    if isinstance(checked, RowError):
                        yield checked
                        continue
                    cells = checked
                elif not any(cells):
                    continue
                cells.append("")
                # strict=False: names and picked cells have the same length by construction
                yield Row(number, dict(zip(names, map(strip, pick(cells)), strict=False)))
        finally:
            self._number = number

    def _check(self, cells: list[str], lines: int, end: int) -> list[str] | RowError | None:
        """A row off the fast path: blank, too few or too many cells, over several lines, or
        from a block with undecodable bytes or long lines. None means skip it."""
        width = len(self._columns.headers)
        if not any(cell.strip() for cell in cells):
            return None
        if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            cells = cells[:width]  # trailing empty cells, as some exports add
        if lines > 1 and (len(cells) != width or lines > MAX_RECORD_LINES):
            self._source.record_start = end - lines
            raise _Reread
        if len(cells) != width:
            return RowError(
                self._number,
                "",
                _("row has %(cells)d cells, header has %(width)d")
                % {"cells": len(cells), "width": width},
            )
        if lines > 1 and self._swallows_rows(end - lines + 1, end):
            column = next(i for i, cell in enumerate(cells) if "\n" in cell or "\r" in cell)
            reason = _(
                "the quoted cell that starts in this row runs over lines %(start)d-%(end)d, which "
                "look like rows of their own; check the quotes"
            ) % {"start": end - lines + 1, "end": end}
            return RowError(self._number, self._columns.headers[column], reason)
        return self._check_cells(cells)

    def _swallows_rows(self, first: int, end: int) -> bool:
        """Whether a line after the first of a record would be a whole row by itself: then the
        record is more likely a quote closed rows later than a cell with line breaks. Such a
        record is refused whole, not read again, as its lines may also be the text of a note."""
        width = len(self._columns.headers)
        for line in self._source.lines(first, end):
            cells = next(csv.reader([line], delimiter=self._delimiter), [])
            if len(cells) == width:
                return True
        return False

    def _check_cells(self, cells: list[str]) -> list[str] | RowError:
        headers, limit = self._columns.headers, self._spec.max_cell
        for i in self._columns.index.values():
            if len(cells[i]) > limit:
                return RowError(self._number, headers[i], _too_long(len(cells[i]), limit))
            if _MARKED.search(cells[i]):
                reason = _(
                    "the cell holds bytes that are not valid %(encoding)s (detected from the "
                    "start of the file); state the file's encoding if that is wrong"
                ) % {"encoding": self._encoding}
                return RowError(self._number, headers[i], reason)
        return cells

    def _broken(self, exc: Exception, start: int, end: int) -> RowError:
        if isinstance(exc, csv.Error) and end - start == 1:
            reason = _("the quotes in this row are malformed: %(error)s") % {"error": exc}
        else:
            reason = _(
                "a quote opened in this row is not closed properly (the record runs over lines "
                "%(start)d-%(end)d); the lines after line %(start)d are read again as rows"
            ) % {"start": start + 1, "end": end}
        return RowError(self._number, "", reason)

    def progress(self) -> tuple[int, int | None]:
        return self._source.bytes_read, self._size

    def close(self) -> None:
        self._raw.close()


# XLSX -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Merge:
    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int


class _XlsxTable(Table):
    def __init__(self, spec: _Spec, sheet: str | None) -> None:
        self._spec = spec
        self._done = 0
        try:
            self._book = load_workbook(spec.path, read_only=True, data_only=False)
        except Exception:  # a broken archive fails in many ways inside openpyxl
            raise _file_error(spec.path, _("this is not a valid XLSX file")) from None
        try:
            self._open(sheet)
        except BaseException:
            self._book.close()
            raise

    def _open(self, sheet: str | None) -> None:
        spec = self._spec
        names = self._book.sheetnames
        if sheet is not None and sheet not in names:
            raise _file_error(
                spec.path,
                _("no sheet named %(sheet)r; the sheets are: %(sheets)s")
                % {"sheet": sheet, "sheets": ", ".join(repr(n) for n in names)},
            )
        self._sheet = self._book[sheet] if sheet is not None else self._book.worksheets[0]
        self._total: int | None = self._sheet.max_row  # the sheet's stated size, maybe absent
        merges = _merged_ranges(spec.path, self._sheet._worksheet_path)  # openpyxl 3.1 attribute
        self._sheet.reset_dimensions()  # a wrong stated size must not cut rows or columns
        self._cells = iter(self._sheet.iter_rows())
        self._header_number, headers = self._read_header()
        for merge in merges:
            if merge.min_row <= self._header_number <= merge.max_row:
                raise _file_error(
                    spec.path,
                    _("cells %(ref)s in the header row are merged; unmerge them")
                    % {"ref": merge.ref},
                )
        self._columns = _match_columns(spec, headers)
        wanted = sorted(self._columns.index.values())
        self._merges = sorted(
            (m for m in merges if m.max_row > self._header_number and _touched(m, wanted)),
            key=lambda m: m.min_row,
        )
        self.layout = Layout(
            format="xlsx",
            encoding=None,
            delimiter=None,
            sheet=self._sheet.title,
            columns=self._columns.named(),
            ignored=self._columns.ignored,
        )

    def _read_header(self) -> tuple[int, list[str]]:
        for number, cells in enumerate(self._cells, start=1):
            self._done = number
            headers = [_cell_text(cell.value) for cell in cells]
            if any(headers):
                while not headers[-1]:
                    headers.pop()
                return number, headers
        raise _file_error(
            self._spec.path,
            _("the sheet %(sheet)r has no header row") % {"sheet": self._sheet.title},
        )

    def rows(self) -> Iterator[Row | RowError]:
        active: list[_Merge] = []
        pending = iter(self._merges)
        upcoming = next(pending, None)
        number = self._header_number
        try:
            for number, cells in enumerate(self._cells, start=self._header_number + 1):
                self._done = number
                while upcoming is not None and upcoming.min_row <= number:
                    active.append(upcoming)
                    upcoming = next(pending, None)
                if active:
                    active = [m for m in active if m.max_row >= number]
                item = self._row(number, cells, active)
                if item is not None:
                    yield item
        except (zipfile.BadZipFile, ElementTree.ParseError, EOFError, zlib.error) as exc:
            raise _file_error(
                self._spec.path,
                _("the sheet cannot be read after row %(row)d: %(error)s")
                % {"row": number, "error": exc},
            ) from None

    def _row(
        self, number: int, cells: tuple[Any, ...], merges: list[_Merge]
    ) -> Row | RowError | None:
        values = dict.fromkeys(self._spec.fields, "")
        headers = self._columns.headers
        for field, i in self._columns.index.items():
            if i >= len(cells):
                continue
            cell = cells[i]
            where = f"{get_column_letter(i + 1)}{number}"
            if cell.data_type == "f":
                reason = _("%(cell)s holds a formula; save the sheet with values")
                return RowError(number, headers[i], reason % {"cell": where})
            if cell.data_type == "e":
                reason = _("%(cell)s holds the error value %(value)s")
                return RowError(number, headers[i], reason % {"cell": where, "value": cell.value})
            text = _cell_text(cell.value)
            if len(text) > self._spec.max_cell:
                return RowError(number, headers[i], _too_long(len(text), self._spec.max_cell))
            values[field] = text
        if not any(values.values()):
            return None
        if merges:
            merge = merges[0]
            column = _touched(merge, sorted(self._columns.index.values()))
            reason = _("cells %(ref)s are merged; unmerge them and fill in each cell")
            return RowError(number, headers[column or 0], reason % {"ref": merge.ref})
        return Row(number, values)

    def progress(self) -> tuple[int, int | None]:
        return self._done, self._total

    def close(self) -> None:
        self._book.close()


def _touched(merge: _Merge, columns: list[int]) -> int | None:
    """The first of `columns` (0-based positions) that the merged range covers."""
    return next((i for i in columns if merge.min_col <= i + 1 <= merge.max_col), None)


def _cell_text(value: object) -> str:
    """Cell values as a person reads them: 12345 not 12345.0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _merged_ranges(path: Path, part: str) -> list[_Merge]:
    """Merged ranges of one sheet, which openpyxl's read-only mode does not show. Most sheets
    have none: a byte scan says so quickly; otherwise the sheet's XML is streamed, emptying
    sheetData as rows go by so memory stays flat."""
    try:
        with zipfile.ZipFile(path) as archive:
            if not _mentions(archive, part, b"mergeCell"):
                return []
            with archive.open(part.lstrip("/")) as xml:
                return _parse_merges(xml)
    except (
        zipfile.BadZipFile,
        KeyError,
        ElementTree.ParseError,
        ValueError,
        TypeError,
        zlib.error,
    ):
        raise _file_error(path, _("this is not a valid XLSX file")) from None


def _mentions(archive: zipfile.ZipFile, part: str, word: bytes) -> bool:
    tail = b""
    with archive.open(part.lstrip("/")) as xml:
        while block := xml.read(BLOCK):
            if word in tail + block[: len(word)] or word in block:
                return True
            tail = block[-len(word) :]
    return False


def _parse_merges(xml: IO[bytes]) -> list[_Merge]:
    merges = []
    sheet_data = None
    for event, element in ElementTree.iterparse(xml, events=("start", "end")):  # noqa: S314
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "sheetData":
                sheet_data = element
        elif tag == "row" and sheet_data is not None:
            sheet_data.clear()
        elif tag == "mergeCell":
            ref = element.get("ref", "")
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            merges.append(_Merge(ref, min_col, min_row, max_col, max_row))
    return merges
