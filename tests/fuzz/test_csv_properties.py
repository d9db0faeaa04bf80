"""Properties of the CSV reader (intake/readers.py): any bytes give rows, row errors with a
reason, or one ImportFileError with a message, never another exception; a well-formed
file reads back the cells written to it."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from armstrace.intake.readers import ImportFileError, Row, RowError, open_table

BOUNDED = settings(max_examples=200, derandomize=True, deadline=None)
FIELDS = ("record_ref", "serial_number", "manufacturer", "notes")
REQUIRED = ("serial_number", "manufacturer")
HEADER = ["serial_number", "manufacturer", "notes"]

# Bytes that look like a CSV file often enough to reach the row loop.
CSV_PIECES = st.sampled_from(
    [
        *(b"serial_number", b"manufacturer", b"notes", b"A1", b" "),
        *(b",", b";", b"\t", b"|", b'"', b'""', b"\n", b"\r\n", b"\r"),
        *(b"\xe9", b"\xc3\xa9", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00"),
    ]
)
CSV_BYTES = st.lists(CSV_PIECES, max_size=60).map(b"".join)
# Cell text a spreadsheet could hold: no line breaks (those are for the quoting tests), no
# NUL (csv refuses it), and no lone surrogates (not encodable).
CELL = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=12
)


@contextmanager
def _file(content: bytes, suffix: str = ".csv") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        yield path


def _read(path: Path, **options: Any) -> list[Row | RowError]:
    with open_table(path, fields=FIELDS, required=REQUIRED, **options) as table:
        return list(table.rows())


def _outcome(content: bytes, **options: Any) -> list[Row | RowError] | ImportFileError:
    with _file(content) as path:
        try:
            return _read(path, **options)
        except ImportFileError as exc:
            return exc


@BOUNDED
@given(st.one_of(CSV_BYTES, st.binary(max_size=200)))
@example(b'serial_number,manufacturer\n"A1,Glock\n')
@example(b'serial_number,manufacturer\nA1,"Glock"x\n')
@example(b"\xef\xbb\xbfserial_number;manufacturer\r\nA1;Glock\r")
def test_any_bytes_give_rows_row_errors_or_a_file_error(content):
    outcome = _outcome(content)
    if isinstance(outcome, ImportFileError):
        assert str(outcome).startswith("upload.csv: ")
        return
    numbers = [item.number for item in outcome]
    assert numbers == sorted(numbers) and all(n >= 1 for n in numbers)
    for item in outcome:
        if isinstance(item, RowError):
            assert item.reason
        else:
            assert set(item.values) == set(FIELDS)


@BOUNDED
@given(
    CSV_BYTES,
    st.sampled_from([",", ";", "tab", "|", "", "ab", '"']),
    st.sampled_from(
        ["utf-8", "cp1252", "latin-1", "utf-16", "utf-32", "no-such-codec", "base64", "rot13"]
    ),
)
def test_a_stated_encoding_and_delimiter_read_or_refuse_the_file(content, delimiter, encoding):
    outcome = _outcome(content, delimiter=delimiter, encoding=encoding)
    assert isinstance(outcome, ImportFileError | list)


def _csv(rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8")


@BOUNDED
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8), st.sampled_from(",;\t|"))
def test_a_well_formed_file_reads_back_its_cells(rows, delimiter):
    items = _outcome(_csv(rows, delimiter), delimiter=delimiter)
    assert isinstance(items, list)
    written = [[cell.strip() for cell in row] for row in rows if any(c.strip() for c in row)]
    read = [
        [item.values["serial_number"], item.values["manufacturer"], item.values["notes"]]
        for item in items
        if isinstance(item, Row)
    ]
    assert [item for item in items if isinstance(item, RowError)] == []
    assert read == written


@BOUNDED
@given(
    st.lists(
        st.lists(st.text("ABC123 -", min_size=1, max_size=8), min_size=3, max_size=3),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(",;\t|"),
)
def test_the_delimiter_of_a_plain_file_is_found(rows, delimiter):
    items = _outcome(_csv(rows, delimiter))
    assert isinstance(items, list)
    read = [item for item in items if isinstance(item, Row)]
    assert [r.values["serial_number"] for r in read] == [
        row[0].strip() for row in rows if any(c.strip() for c in row)
    ]
