"""Tabular file readers: encodings, delimiters, headers, broken files, XLSX, memory and speed."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path
from typing import Any

import charset_normalizer
import pytest
from openpyxl import Workbook

from armstrace.intake import readers
from armstrace.intake.readers import ImportFileError, Layout, Row, RowError, open_table

FIELDS = ("record_ref", "serial_number", "manufacturer", "model", "notes")
REQUIRED = ("serial_number", "manufacturer")
HEADER = "record_ref,serial_number,manufacturer,model\n"


def read(path: Path, **options: Any) -> tuple[Layout, list[Row | RowError]]:
    options = {"fields": FIELDS, "required": REQUIRED} | options
    with open_table(path, **options) as table:
        return table.layout, list(table.rows())


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def good(items: list[Row | RowError]) -> list[Row]:
    return [item for item in items if isinstance(item, Row)]


def errors(items: list[Row | RowError]) -> list[RowError]:
    return [item for item in items if isinstance(item, RowError)]


def serials(items: list[Row | RowError]) -> list[str]:
    return [row.values["serial_number"] for row in good(items)]


def rows_of(count: int, start: int = 1) -> str:
    return "".join(f"R{i},SN{i:06d},Glock,17\n" for i in range(start, start + count))


# Headers ----------------------------------------------------------------------------------------


def test_header_names_with_spaces_dashes_and_underscores_are_one_name(tmp_path):
    path = write(
        tmp_path / "a.csv", "Serial Number,MANUFACTURER,record-ref,Colour\nA1,Glock,R1,black\n"
    )
    layout, items = read(path)
    assert layout.columns == {
        "serial_number": "Serial Number",
        "manufacturer": "MANUFACTURER",
        "record_ref": "record-ref",
    }
    assert layout.ignored == ["Colour"]
    assert items == [
        Row(
            2,
            {
                "serial_number": "A1",
                "manufacturer": "Glock",
                "record_ref": "R1",
                "model": "",
                "notes": "",
            },
        )
    ]


def test_a_mapping_entry_wins_over_the_fields_own_name(tmp_path):
    path = write(tmp_path / "a.csv", "No. de série,Fabricant,serial_number\nA1,Glock,old\n")
    layout, items = read(
        path, mapping={"serial_number": "no. de SÉRIE", "manufacturer": "Fabricant"}
    )
    assert layout.columns == {"serial_number": "No. de série", "manufacturer": "Fabricant"}
    assert layout.ignored == ["serial_number"]
    assert good(items)[0].values["serial_number"] == "A1"


def test_a_mapping_that_names_a_column_the_file_lacks_is_refused(tmp_path):
    path = write(tmp_path / "a.csv", "serial_number,manufacturer\nA1,Glock\n")
    with pytest.raises(ImportFileError, match=r"a\.csv: .*model -> 'Modèle'"):
        read(path, mapping={"model": "Modèle"})


def test_missing_required_columns_are_listed_with_the_headers_found(tmp_path):
    path = write(tmp_path / "ledger.csv", "serial,maker,model\nA1,Glock,17\n")
    with pytest.raises(ImportFileError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith("ledger.csv: missing required columns: serial_number, manufacturer")
    assert "'serial', 'maker', 'model'" in message


def test_a_field_matched_by_two_headers_is_refused_naming_both(tmp_path):
    path = write(tmp_path / "a.csv", "Serial Number,manufacturer,SERIAL_NUMBER\nA1,Glock,A1\n")
    with pytest.raises(ImportFileError, match=r"'Serial Number' \(A\) and 'SERIAL_NUMBER' \(C\)"):
        read(path)


def test_headers_are_read_from_the_first_non_empty_row_and_rows_keep_spreadsheet_numbers(tmp_path):
    path = write(tmp_path / "a.csv", "\n,,\nserial_number,manufacturer\nA1,Glock\n\nA2,Beretta\n")
    _, items = read(path)
    assert [(row.number, row.values["serial_number"]) for row in good(items)] == [
        (4, "A1"),
        (6, "A2"),
    ]


def test_an_empty_file_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(ImportFileError, match=r"e\.csv: the file is empty"):
        read(write(tmp_path / "e.csv", ""))


def test_a_file_of_blank_lines_has_no_header_row(tmp_path):
    with pytest.raises(ImportFileError, match=r"the file has no header row"):
        read(write(tmp_path / "e.csv", "\n\n,,\n"))


def test_a_header_only_file_has_zero_rows(tmp_path):
    layout, items = read(write(tmp_path / "h.csv", HEADER))
    assert items == []
    assert layout.columns["serial_number"] == "serial_number"


def test_an_unsupported_extension_is_refused_listing_the_supported_ones(tmp_path):
    with pytest.raises(ImportFileError, match=r"\.csv, \.txt, \.tsv, \.xlsx"):
        read(write(tmp_path / "a.json", HEADER))


# Encodings --------------------------------------------------------------------------------------

NAMES = [
    "Société Générale",
    "Manufacture d'armes de Saint-Étienne",
    "Crèvecœur armes",
    "Armería Núñez",
    "Waffenfabrik Müller",
    "Indústria Bélica Portuguesa",
]
CZECH = ["Česká zbrojovka", "Zbrojovka Brno", "Přesná mechanika", "Šroubárna Žďár", "Výzkum"]


def names_file(names: list[str], count: int) -> str:
    return HEADER + "".join(f"R{i},SN{i},{names[i % len(names)]},M{i}\n" for i in range(count))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_files_are_detected_with_or_without_a_byte_order_mark(tmp_path, encoding):
    path = write(tmp_path / "u.csv", names_file(NAMES + CZECH, 30), encoding)
    layout, items = read(path)
    assert layout.encoding == encoding
    assert {row.values["manufacturer"] for row in good(items)} == set(NAMES + CZECH)
    assert layout.columns["record_ref"] == "record_ref"  # no byte-order mark left in the header


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_western_accented_names_are_detected_and_read_as_cp1252(tmp_path, encoding):
    names = [name.replace("œ", "oe") for name in NAMES] if encoding == "latin-1" else NAMES
    path = write(tmp_path / "w.csv", names_file(names, 60), encoding)
    layout, items = read(path)
    assert layout.encoding == "cp1252"  # latin-1 text reads the same in cp1252
    assert {row.values["manufacturer"] for row in good(items)} == set(names)


def test_czech_names_in_cp1250_are_detected_when_the_sample_can_tell(tmp_path):
    path = write(tmp_path / "cz.csv", names_file(CZECH, 60), "cp1250")
    layout, items = read(path)
    assert layout.encoding == "cp1250"
    assert {row.values["manufacturer"] for row in good(items)} == set(CZECH)


def test_a_stated_encoding_is_used_as_stated(tmp_path):
    path = write(tmp_path / "cz.csv", HEADER + "R1,A1,Česká zbrojovka,75\n", "cp1250")
    layout, items = read(path, encoding="cp1250")
    assert layout.encoding == "cp1250"
    assert good(items)[0].values["manufacturer"] == "Česká zbrojovka"


def test_a_stated_encoding_that_does_not_decode_names_it_with_the_byte_and_line(tmp_path):
    text = HEADER + "R1,A1,Glock,17\nR2,A2,Société,17\n"
    path = write(tmp_path / "w.csv", text, "cp1252")
    offset = len(text.encode("cp1252").split(b"\xe9")[0])
    with pytest.raises(ImportFileError) as caught:
        read(path, encoding="utf-8")
    assert str(caught.value) == (
        f"w.csv: the file is not valid utf-8: byte {offset} (line 3) cannot be decoded; "
        "state the right encoding"
    )


def test_an_unknown_stated_encoding_is_refused(tmp_path):
    with pytest.raises(ImportFileError, match="unknown text encoding 'klingon'"):
        read(write(tmp_path / "a.csv", HEADER), encoding="klingon")


def test_undecodable_bytes_beyond_the_sample_refuse_their_row_only(tmp_path):
    # UTF-8 throughout, but one row far into the file was typed in cp1252.
    before, after = rows_of(20_000), rows_of(3_000, start=20_001)
    data = (HEADER + before).encode() + b"R0,BAD1,Soci\xe9t\xe9,17\n" + after.encode()
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    layout, items = read(path)
    assert layout.encoding == "utf-8"
    assert errors(items) == [
        RowError(
            20_002,
            "manufacturer",
            "the cell holds bytes that are not valid utf-8 (detected from the start of the file); "
            "state the file's encoding if that is wrong",
        )
    ]
    assert len(good(items)) == 23_000


def test_encoding_detection_reads_a_bounded_sample_not_the_whole_file(tmp_path, monkeypatch):
    seen: list[int] = []
    detect = charset_normalizer.from_bytes

    def spy(sample: bytes, **options: Any) -> Any:
        seen.append(len(sample))
        return detect(sample, **options)

    monkeypatch.setattr(charset_normalizer, "from_bytes", spy)
    path = write(tmp_path / "big.csv", names_file(NAMES, 40_000), "cp1252")
    assert path.stat().st_size > 1_000_000
    layout, items = read(path)
    assert layout.encoding == "cp1252"
    assert len(good(items)) == 40_000
    assert seen and max(seen) <= readers.HEAD_SAMPLE + 3 * readers.SPREAD_SAMPLE + 3


# Delimiters and line endings ---------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_common_delimiter_is_detected(tmp_path, delimiter):
    others = "".join(d for d in readers.DELIMITERS if d != delimiter)
    text = "".join(
        delimiter.join(cells) + "\n"
        for cells in [
            ["serial_number", "manufacturer", "notes"],
            ["A1", "Glock", f"seized{others[0]} 2001"],
            ["A2", "Beretta", f"found{others[1]} 2002"],
            ["A3", "Colt", f"a {others[2]} b"],
        ]
    )
    layout, items = read(write(tmp_path / "d.csv", text))
    assert layout.delimiter == delimiter
    assert serials(items) == ["A1", "A2", "A3"]


def test_a_stated_delimiter_is_used_and_tab_may_be_spelled_out(tmp_path):
    path = write(tmp_path / "d.txt", "serial_number\tmanufacturer\nA1\tGlock,x\n")
    layout, items = read(path, delimiter="tab")
    assert layout.delimiter == "\t"
    assert good(items)[0].values == {
        "serial_number": "A1",
        "manufacturer": "Glock,x",
        "record_ref": "",
        "model": "",
        "notes": "",
    }


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_windows_old_mac_and_unix_line_endings_read_alike(tmp_path, newline):
    text = (HEADER + rows_of(3) + 'R9,A9,Glock,"two\nlines"\n').replace("\n", newline)
    _, items = read(write(tmp_path / "n.csv", text))
    assert serials(items) == ["SN000001", "SN000002", "SN000003", "A9"]
    assert good(items)[-1].values["model"] == f"two{newline}lines"


# Broken rows -------------------------------------------------------------------------------------


def test_a_row_with_the_wrong_number_of_cells_is_refused(tmp_path):
    text = HEADER + "R1,A1,Glock,17\nR2,A2,Glock\nR3,A3,Glock,17,extra,more\nR4,A4,Glock,17\n"
    _, items = read(write(tmp_path / "w.csv", text))
    assert errors(items) == [
        RowError(3, "", "row has 3 cells, header has 4"),
        RowError(4, "", "row has 6 cells, header has 4"),
    ]
    assert serials(items) == ["A1", "A4"]


def test_trailing_empty_cells_as_some_exports_add_are_accepted(tmp_path):
    _, items = read(write(tmp_path / "w.csv", HEADER + "R1,A1,Glock,17,,\n"))
    assert serials(items) == ["A1"]


def test_blank_rows_are_skipped_but_still_counted(tmp_path):
    _, items = read(write(tmp_path / "b.csv", HEADER + "R1,A1,Glock,17\n,,,\n\nR2,A2,Glock,17\n"))
    assert [row.number for row in good(items)] == [2, 5]
    assert errors(items) == []


def test_an_unterminated_quote_costs_one_row_and_the_rows_after_it_are_recovered(tmp_path):
    text = HEADER + 'R1,A1,Glock,17\nR2,A2,"Colt,45\n' + rows_of(5, start=3)
    _, items = read(write(tmp_path / "q.csv", text))
    assert len(errors(items)) == 1
    error = errors(items)[0]
    assert (error.number, error.column) == (3, "")
    assert "a quote opened in this row is not closed properly" in error.reason
    assert "lines 3-8" in error.reason
    assert serials(items) == ["A1"] + [f"SN{i:06d}" for i in range(3, 8)]
    assert [row.number for row in good(items)] == [2, 4, 5, 6, 7, 8]


def test_a_quote_left_open_over_a_big_file_is_cut_at_the_line_limit_not_at_the_end(tmp_path):
    count = 20_000  # more than one block of the file, far more than MAX_RECORD_LINES
    text = HEADER + 'R1,A1,"Glock,17\n' + rows_of(count, start=2)
    _, items = read(write(tmp_path / "q.csv", text))
    assert [(e.number, e.column) for e in errors(items)] == [(2, "")]
    assert len(good(items)) == count
    assert good(items)[-1].number == count + 2


def test_a_quote_closed_rows_later_refuses_only_the_row_that_opened_it(tmp_path):
    text = HEADER + 'R1,A1,"Glock,17\nR2,A2,Colt,45\nR3,A3,"Beretta",92\nR4,A4,Glock,19\n'
    _, items = read(write(tmp_path / "q.csv", text))
    assert [e.number for e in errors(items)] == [2]
    assert serials(items) == ["A2", "A3", "A4"]


def test_a_quoted_cell_over_a_few_lines_is_one_row(tmp_path):
    text = HEADER + 'R1,A1,Glock,"17\nsecond line\nthird"\nR2,A2,Glock,19\n'
    _, items = read(write(tmp_path / "m.csv", text))
    assert errors(items) == []
    assert [(row.number, row.values["model"]) for row in good(items)] == [
        (2, "17\nsecond line\nthird"),
        (3, "19"),
    ]


def test_a_quote_closed_rows_later_with_the_right_cell_count_is_refused_not_kept_as_a_note(
    tmp_path,
):
    text = HEADER + 'R1,A1,"Glock\nR2,A2,barrel 12",17\nR3,A3,Glock,17\n'
    _, items = read(write(tmp_path / "q.csv", text))
    assert errors(items) == [
        RowError(
            2,
            "manufacturer",
            "the quoted cell that starts in this row runs over lines 2-3, which look like rows "
            "of their own; check the quotes",
        )
    ]
    assert serials(items) == ["A3"]


def test_a_header_with_a_quote_never_closed_is_refused(tmp_path):
    with pytest.raises(ImportFileError, match="the header row cannot be read"):
        read(write(tmp_path / "h.csv", '"serial_number,manufacturer\n' + rows_of(500)))


def test_many_blank_lines_before_the_header_are_fine(tmp_path):
    blank = readers.BLOCK + 10  # more than one block of the file before the header
    _, items = read(write(tmp_path / "b.csv", "\n" * blank + HEADER + rows_of(2)))
    assert [row.number for row in good(items)] == [blank + 2, blank + 3]


def test_a_row_with_malformed_quotes_is_refused_alone(tmp_path):
    text = HEADER + 'R1,A1,"Glock"x,17\nR2,A2,Glock,17\n'
    _, items = read(write(tmp_path / "m.csv", text))
    assert [(e.number, e.reason) for e in errors(items)] == [
        (2, "the quotes in this row are malformed: ',' expected after '\"'")
    ]
    assert serials(items) == ["A2"]


def test_a_10_mb_cell_is_a_row_error_naming_its_column(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "R1,A1,Glock,17\nR2,A2,")
        out.write("G" * 10 * 1024 * 1024)
        out.write(",17\nR3,A3,Glock,17\n")
    _, items = read(path)
    assert errors(items) == [
        RowError(
            3,
            "manufacturer",
            "the cell holds 10485760 characters; at most 10000 are accepted",
        )
    ]
    assert serials(items) == ["A1", "A3"]


def test_a_cell_longer_than_max_cell_is_refused_even_on_a_short_line(tmp_path):
    _, items = read(
        write(tmp_path / "c.csv", HEADER + "R1,A1,Glock,17\nR2,A2,Heckler,17\n"), max_cell=5
    )
    assert errors(items) == [
        RowError(3, "manufacturer", "the cell holds 7 characters; at most 5 are accepted")
    ]


# Memory, progress, speed -------------------------------------------------------------------------


def test_reading_200k_rows_keeps_memory_small(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for start in range(1, 200_001, 10_000):
            out.write(rows_of(10_000, start=start))
    tracemalloc.start()
    try:
        with open_table(path, fields=FIELDS, required=REQUIRED) as table:
            count = sum(1 for item in table.rows() if isinstance(item, Row))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_progress_reports_bytes_read_out_of_the_file_size(tmp_path):
    path = write(tmp_path / "p.csv", HEADER + rows_of(30_000))
    size = path.stat().st_size
    with open_table(path, fields=FIELDS, required=REQUIRED) as table:
        seen = []
        for number, _item in enumerate(table.rows()):
            if number % 5_000 == 0:
                seen.append(table.progress())
        seen.append(table.progress())
    assert all(total == size for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[0][0] < size and seen[-1][0] == size


def test_closing_the_table_closes_the_file(tmp_path):
    table = open_table(write(tmp_path / "a.csv", HEADER), fields=FIELDS, required=REQUIRED)
    with table:
        pass
    with pytest.raises(ValueError, match="closed file"):
        list(table.rows())


# XLSX --------------------------------------------------------------------------------------------


def workbook(path: Path, rows: list[list[Any]], *, title: str = "Weapons", **more: Any) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, extra in more.items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


XLSX_HEADER = ["record_ref", "Serial Number", "Manufacturer", "Model"]


def test_xlsx_reads_the_first_sheet_with_whole_numbers_and_iso_dates(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        [
            XLSX_HEADER,
            ["R1", 12345, "Glock", 17.0],
            ["R2", 12345.5, "Česká zbrojovka", dt.datetime(2001, 3, 4)],
            ["R3", "  AB-12  ", "Beretta", dt.date(1999, 12, 31)],
        ],
        Other=[["nothing"]],
    )
    layout, items = read(path)
    assert layout == Layout(
        format="xlsx",
        encoding=None,
        delimiter=None,
        sheet="Weapons",
        columns={
            "record_ref": "record_ref",
            "serial_number": "Serial Number",
            "manufacturer": "Manufacturer",
            "model": "Model",
        },
        ignored=[],
    )
    assert [
        (row.number, row.values["serial_number"], row.values["model"]) for row in good(items)
    ] == [
        (2, "12345", "17"),
        (3, "12345.5", "2001-03-04"),
        (4, "AB-12", "1999-12-31"),
    ]
    assert good(items)[1].values["manufacturer"] == "Česká zbrojovka"


def test_xlsx_reads_a_named_sheet_and_refuses_one_that_is_not_there(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        [["title only"]],
        Ledger=[XLSX_HEADER, ["R1", "A1", "Glock", "17"]],
    )
    layout, items = read(path, sheet="Ledger")
    assert layout.sheet == "Ledger" and serials(items) == ["A1"]
    with pytest.raises(
        ImportFileError, match=r"no sheet named 'Nope'; the sheets are: 'Weapons', 'Ledger'"
    ):
        read(path, sheet="Nope")


def test_an_xlsx_formula_is_a_row_error_naming_the_cell(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [XLSX_HEADER, ["R1", "A1", "Glock", "17"], ["R2", "A2", '=CONCAT("Glo","ck")', "17"]],
    )
    _, items = read(path)
    assert errors(items) == [
        RowError(3, "Manufacturer", "C3 holds a formula; save the sheet with values")
    ]
    assert serials(items) == ["A1"]


def test_xlsx_merged_cells_are_a_row_error_for_each_row_they_touch(tmp_path):
    path = tmp_path / "m.xlsx"
    book = Workbook()
    sheet = book.active
    for row in [XLSX_HEADER] + [[f"R{i}", f"A{i}", "Glock", "17"] for i in range(1, 6)]:
        sheet.append(row)
    sheet.merge_cells("C3:C4")
    sheet.merge_cells("F2:G6")  # outside every column read: harmless
    book.save(path)
    _, items = read(path)
    assert errors(items) == [
        RowError(3, "Manufacturer", "cells C3:C4 are merged; unmerge them and fill in each cell"),
        RowError(4, "Manufacturer", "cells C3:C4 are merged; unmerge them and fill in each cell"),
    ]
    assert serials(items) == ["A1", "A4", "A5"]


def test_xlsx_merged_cells_in_the_header_row_are_refused(tmp_path):
    path = tmp_path / "h.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(XLSX_HEADER)
    sheet.append(["R1", "A1", "Glock", "17"])
    sheet.merge_cells("A1:B1")
    book.save(path)
    with pytest.raises(ImportFileError, match=r"h\.xlsx: cells A1:B1 in the header row are merged"):
        read(path)


def test_an_xlsx_cell_longer_than_max_cell_is_refused(tmp_path):
    path = workbook(tmp_path / "l.xlsx", [XLSX_HEADER, ["R1", "A1", "G" * 30, "17"]])
    _, items = read(path, max_cell=20)
    assert errors(items) == [
        RowError(2, "Manufacturer", "the cell holds 30 characters; at most 20 are accepted")
    ]


def test_an_xlsx_without_the_required_columns_is_refused(tmp_path):
    path = workbook(tmp_path / "r.xlsx", [["Inventory 2023"], XLSX_HEADER])
    with pytest.raises(ImportFileError, match=r"the header row has: 'Inventory 2023'"):
        read(path)


def test_xlsx_progress_counts_rows_out_of_the_stated_size(tmp_path):
    path = workbook(
        tmp_path / "p.xlsx", [XLSX_HEADER] + [[f"R{i}", f"A{i}", "Glock", 17] for i in range(9)]
    )
    with open_table(path, fields=FIELDS, required=REQUIRED) as table:
        list(table.rows())
        assert table.progress() == (10, 10)


@pytest.mark.parametrize(
    "content",
    [b"this is not a zip at all", b"PK\x03\x04 truncated", b""],
    ids=["text", "truncated-zip", "empty"],
)
def test_a_file_that_is_not_a_valid_xlsx_is_refused(tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=r"bad\.xlsx: this is not a valid XLSX file"):
        read(path)


def test_an_xlsx_named_csv_is_refused_with_a_hint(tmp_path):
    xlsx = workbook(tmp_path / "a.xlsx", [XLSX_HEADER])
    path = tmp_path / "a.csv"
    path.write_bytes(xlsx.read_bytes())
    with pytest.raises(ImportFileError, match=r"not a CSV; name it \.xlsx"):
        read(path)
