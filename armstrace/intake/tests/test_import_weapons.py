"""`armstrace import weapons`, driven as an operator runs it, on both databases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from armstrace.accounts.models import Agency
from armstrace.audit.models import AuditEntry
from armstrace.audit.verify import verify_chain
from armstrace.intake.models import BatchState, ImportBatch
from armstrace.registry.models import Event, Party, Weapon
from armstrace.search.models import SerialEntry
from armstrace.search.services import SearchQuery, search_weapons

HEADER = [
    "record_ref", "serial_number", "manufacturer", "country_of_manufacture", "model",
    "calibre", "weapon_type", "year_of_manufacture", "import_country", "import_year",
    "holder", "status",
]  # fmt: skip


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER, **kw: Any) -> Path:
    with path.open("w", newline="", encoding=kw.pop("encoding", "utf-8")) as handle:
        writer = csv.writer(handle, **kw)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, "--quiet", stdout=out)
    return out.getvalue()


GOOD = [
    ["R-1", "AB 123456", "Glock", "Austria", "17", "9mm", "pistol", "2001", "KE", "2003",
     "Jane Wanjiru", ""],
    ["R-2", "7741-X", "Česká zbrojovka", "CZ", "75 B", "9x19", "Pistolet", "1999", "", "",
     "", "stolen"],
    ["R-3", "ZZ999", "Acme Blunderbuss Works", "Absurdistan", "Boomer", "wibble", "blunderbuss",
     "1900", "", "", "", ""],
]  # fmt: skip


@pytest.mark.django_db
def test_a_file_lands_with_reference_values_resolved_and_the_rest_kept_as_written(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "ledger.csv", GOOD)
    out = run("weapons", str(path), "--source", "old-registry")

    assert "3 rows read: 3 landed" in out
    glock = Weapon.objects.get(record_ref="R-1")
    assert glock.source == "old-registry"
    assert glock.manufacturer is not None and glock.manufacturer.manufacturer_ref is not None
    assert glock.manufacturer.manufacturer_ref.key == "glock"
    assert glock.country_of_manufacture_id == "AT"
    assert glock.calibre_ref is not None and glock.calibre_ref.key == "9x19"
    assert (glock.weapon_type, glock.import_country_id, glock.import_year) == ("pistol", "KE", 2003)
    assert glock.holder is not None and glock.holder.name == "Jane Wanjiru"
    assert glock.status == "civilian" and glock.unresolved == {}
    cz = Weapon.objects.get(record_ref="R-2")
    assert (cz.weapon_type, cz.status, cz.holder) == ("pistol", "stolen", None)
    odd = Weapon.objects.get(record_ref="R-3")
    assert odd.manufacturer is None and odd.manufacturer_name == "Acme Blunderbuss Works"
    assert odd.unresolved == {
        "manufacturer_name": "Acme Blunderbuss Works",
        "country_of_manufacture": "Absurdistan",
        "calibre": "wibble",
        "weapon_type": "blunderbuss",
    }
    assert odd.status == "unknown" and odd.weapon_type == ""
    # Each record entered by one registration event, each serial in the search index.
    assert Event.objects.filter(kind="registered").count() == 3
    assert SerialEntry.objects.filter(norm="AB123456").exists()
    found = search_weapons(query=SearchQuery(serial="AB-123456"), log=False).candidates
    assert found[0].weapon_id == str(glock.pk) and found[0].match == "exact"
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_import_into_an_empty_database_needs_no_set_up(tmp_path: Path) -> None:
    assert not Agency.objects.exists()
    run("weapons", str(write_csv(tmp_path / "a.csv", GOOD[:1])))
    agency = Agency.objects.get()
    assert agency.national_scope and Weapon.objects.get().agency == agency
    assert Weapon.objects.get().source == "a.csv"  # the file name, when no source is given


@pytest.mark.django_db
def test_re_running_the_same_file_adds_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ledger.csv", GOOD)
    run("weapons", str(path), "--source", "s")
    entries = AuditEntry.objects.count()
    out = run("weapons", str(path), "--source", "s")
    assert "0 landed, 3 already present, 0 rejected" in out
    assert Weapon.objects.count() == 3 and SerialEntry.objects.count() == 3
    assert Event.objects.count() == 3
    # The second run is itself on record: started and finished, no chunk landed.
    tags = list(AuditEntry.objects.filter(seq__gt=entries).values_list("tag", flat=True))
    assert tags == ["intake:batch:started", "intake:batch:finished"]
    # The same record_ref from another source is another record.
    run("weapons", str(path), "--source", "other")
    assert Weapon.objects.count() == 6


@pytest.mark.django_db
def test_bad_rows_go_to_the_error_file_with_column_and_reason_and_good_rows_land(
    tmp_path: Path,
) -> None:
    rows = [
        GOOD[0],
        ["R-9", "", "Glock", "", "", "", "", "", "", "", "", ""],
        ["R-10", "X1", "Glock", "", "", "", "", "20O1", "", "", "", ""],
        ["R-11", "X2", "Glock", "", "", "", "", "", "", "", "", "misplaced"],
        ["R-12", "X3", "Glock", "", "", "", "", "2999", "", "", "", ""],
        ["R-1", "X4", "Glock", "", "", "", "", "", "", "", "", ""],
        ["", "X5", "Glock", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    path = write_csv(tmp_path / "ledger.csv", rows)
    errors = tmp_path / "rejected.csv"
    out = run("weapons", str(path), "--errors", str(errors), "--chunk", "3")
    assert "7 rows read: 1 landed, 0 already present, 6 rejected" in out
    rejected = list(csv.DictReader(errors.open(encoding="utf-8-sig")))
    by_row = {r["row"]: (r["column"], r["reason"]) for r in rejected}
    assert by_row["3"] == ("serial_number", "is required")
    assert by_row["4"][0] == "year_of_manufacture" and "'20O1' is not a year" in by_row["4"][1]
    assert by_row["5"][0] == "status" and "unknown status 'misplaced'" in by_row["5"][1]
    assert by_row["6"][0] == "year_of_manufacture"
    assert by_row["7"][0] == "record_ref" and "repeats an earlier row" in by_row["7"][1]
    assert by_row["8"] == ("record_ref", "is required")
    assert list(Weapon.objects.values_list("record_ref", flat=True)) == ["R-1"]
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.rows_read, batch.rows_landed, batch.rows_rejected) == (
        BatchState.COMPLETED, 7, 1, 6,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_dry_run_checks_every_row_and_writes_no_record(tmp_path: Path) -> None:
    rows = [*GOOD, ["R-1", "X", "Glock", "", "", "", "", "", "", "", "", ""]]
    path = write_csv(tmp_path / "ledger.csv", rows)
    out = run("weapons", str(path), "--dry-run", "--chunk", "2")
    assert (
        "4 rows read: 3 would land, 0 already present, 1 rejected, 1 with values to review" in out
    )
    assert not Weapon.objects.exists() and not SerialEntry.objects.exists()
    assert ImportBatch.objects.get().state == BatchState.CHECKED


@pytest.mark.django_db
def test_a_saved_mapping_reads_another_layout_and_a_json_mapping_file_too(
    tmp_path: Path,
) -> None:
    header = ["Ledger No", "Serial No.", "Make", "Calibre/Gauge"]
    path = write_csv(tmp_path / "book.csv", [["P4-17", "551234", "Beretta", "12 ga"]], header)
    call_command(
        "import", "mapping", "save", "county-ledger", "--column", "record_ref=Ledger No",
        "--column", "serial_number=Serial No.", "--column", "manufacturer=Make",
        "--column", "calibre=Calibre/Gauge", stdout=io.StringIO(),
    )  # fmt: skip
    run("weapons", str(path), "--mapping", "county-ledger", "--source", "county")
    weapon = Weapon.objects.get(record_ref="P4-17")
    assert (weapon.serial_number, weapon.calibre_ref.key if weapon.calibre_ref else None) == (
        "551234", "12-gauge",
    )  # fmt: skip
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"record_ref": "Ledger No", "serial_number": "Serial No.",
                                   "manufacturer": "Make"}))  # fmt: skip
    run("weapons", str(path), "--mapping", str(mapping), "--source", "county-2")
    assert Weapon.objects.filter(record_ref="P4-17").count() == 2


@pytest.mark.django_db
def test_a_mapping_naming_an_unknown_field_is_refused() -> None:
    with pytest.raises(CommandError, match="unknown field 'serial'"):
        call_command("import", "mapping", "save", "m", "--column", "serial=Serial")


@pytest.mark.django_db
def test_missing_required_columns_stop_the_import_before_anything_is_written(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "x.csv", [["1", "Glock"]], ["serial_number", "manufacturer"])
    with pytest.raises(CommandError, match="record_ref"):
        run("weapons", str(path))
    assert not Weapon.objects.exists()


@pytest.mark.django_db
def test_an_xlsx_workbook_and_a_semicolon_cp1252_csv_both_land(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["X-1", 12345, "Beretta", "IT", "92FS", "9mm", "pistol", 1995, None, None,
                  None, None])  # fmt: skip
    book.save(tmp_path / "book.xlsx")
    run("weapons", str(tmp_path / "book.xlsx"))
    weapon = Weapon.objects.get(record_ref="X-1")
    assert (weapon.serial_number, weapon.year_of_manufacture) == ("12345", 1995)
    rows = [["C-1", "FR-001", "Manufacture d'armes de Saint-Étienne", "France", "MAS 36",
             "7,5 mm", "fusil", "1938", "", "", "Société Générale", ""]]  # fmt: skip
    write_csv(tmp_path / "fr.csv", rows, delimiter=";", encoding="cp1252")
    run("weapons", str(tmp_path / "fr.csv"))
    french = Weapon.objects.get(record_ref="C-1")
    assert french.manufacturer_name == "Manufacture d'armes de Saint-Étienne"
    assert french.holder is not None and french.holder.name == "Société Générale"
    assert french.country_of_manufacture_id == "FR" and french.weapon_type == "rifle"


@pytest.mark.django_db
def test_holders_named_twice_are_one_party(tmp_path: Path) -> None:
    rows = [
        ["H-1", "S1", "Glock", "", "", "", "", "", "", "", "Jane Wanjiru", ""],
        ["H-2", "S2", "Glock", "", "", "", "", "", "", "", "JANE  WANJIRU", ""],
    ]  # fmt: skip
    run("weapons", str(write_csv(tmp_path / "h.csv", rows)), "--chunk", "1")
    holders = {w.holder_id for w in Weapon.objects.all()}
    assert len(holders) == 1
    assert Party.objects.filter(kind="individual").count() == 1


def test_bulk_ids_are_version_7_uuids_in_strictly_increasing_order() -> None:
    from armstrace.intake.bulk import OrderedIds

    ids = OrderedIds()
    made = [ids() for _ in range(20_000)]  # far more than 4,096 in one millisecond
    assert made == sorted(made) and len(set(made)) == len(made)
    assert {u.version for u in made} == {7}
    assert [u.hex for u in made] == sorted(u.hex for u in made)  # SQLite stores the hex
