"""Files written back to people: no formula survives into a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from armstrace.core.safefiles import CsvSink, neutralise, write_csv, write_xlsx

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]
PAYLOADS = [f'{t}HYPERLINK("http://x.example","click")' for t in TRIGGERS] + [
    "  =1+1",
    " \t@SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0",
    "=",
    "\n=1+1",
]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def xlsx_cells(path: Path) -> list[tuple[object, str]]:
    book = load_workbook(path, data_only=False)
    try:
        return [(cell.value, cell.data_type) for row in book.active.iter_rows() for cell in row]
    finally:
        book.close()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_value_starting_like_a_formula_gets_a_leading_apostrophe(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", ["-12", "-3.5", "+7", " -12 ", "-1e5", -12, -0.25])
def test_a_plain_number_stays_a_number(value):
    assert neutralise(value) == str(value)


@pytest.mark.parametrize("value", ["a=b", "user@example.org", "AB-123", "", "Glock 17"])
def test_text_that_only_contains_a_trigger_is_left_alone(value):
    assert neutralise(value) == value


def test_values_of_other_types_become_plain_text():
    assert neutralise(None) == ""
    assert neutralise(dt.date(2001, 3, 4)) == "2001-03-04"
    assert neutralise(17) == "17"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_write_csv_neutralises_every_trigger_in_header_and_rows(tmp_path, payload):
    path = tmp_path / "out.csv"
    assert write_csv(path, ["serial", payload], [[payload, "ok"], ["-12", payload]]) == 2
    assert read_csv(path) == [
        ["serial", "'" + payload],
        ["'" + payload, "ok"],
        ["-12", "'" + payload],
    ]


def test_write_csv_starts_with_a_byte_order_mark_so_spreadsheets_read_accents(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["manufacturer"], [["Česká zbrojovka"]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbfmanufacturer")


def test_write_csv_leaves_no_file_when_the_rows_fail_half_way(tmp_path):
    def rows() -> Iterator[list[str]]:
        yield ["A1"]
        raise RuntimeError("database went away")

    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        write_csv(path, ["serial"], rows())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_write_xlsx_stores_every_trigger_as_text_and_no_formula_cell(tmp_path, payload):
    path = tmp_path / "out.xlsx"
    assert write_xlsx(path, ["serial", payload], [[payload, "#N/A"], ["=A1", payload]]) == 2
    cells = xlsx_cells(path)
    assert all(data_type == "s" for _, data_type in cells), cells
    payload = payload.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert [value for value, _ in cells] == [
        "serial",
        "'" + payload,
        "'" + payload,
        "#N/A",
        "'=A1",
        "'" + payload,
    ]


def test_write_xlsx_keeps_numbers_and_dates_typed(tmp_path):
    path = tmp_path / "out.xlsx"
    moment = dt.datetime(2001, 3, 4, 5, 6, tzinfo=dt.UTC)
    write_xlsx(path, ["n", "x", "d", "t"], [[-12, 2.5, dt.date(2001, 3, 4), moment]])
    values = [value for value, _ in xlsx_cells(path)][4:]
    assert values == [-12, 2.5, dt.datetime(2001, 3, 4), "2001-03-04T05:06:00+00:00"]


def test_write_xlsx_replaces_characters_a_spreadsheet_cannot_hold(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx(path, ["notes"], [["bell\x07 and \udce9 and " + "x" * 40_000]])
    text = xlsx_cells(path)[1][0]
    assert isinstance(text, str)
    assert text.startswith("bell\ufffd and \ufffd and x")
    assert len(text) == 32_767 and text.endswith("…")


def test_csv_sink_writes_rows_as_they_come(tmp_path):
    path = tmp_path / "errors.csv"
    with CsvSink(path, ["row", "column", "reason"]) as sink:
        sink.write([2, "serial_number", "=cmd|' /C calc'!A0"])
        sink.flush()
        assert read_csv(path) == [
            ["row", "column", "reason"],
            ["2", "serial_number", "'=cmd|' /C calc'!A0"],
        ]
        sink.write([3, "manufacturer", "undecodable \udce9 byte"])
    assert sink.count == 2
    assert read_csv(path)[2] == ["3", "manufacturer", "undecodable \\udce9 byte"]
