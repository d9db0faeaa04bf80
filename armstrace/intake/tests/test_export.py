"""`armstrace export weapons`: a file that reads back with `armstrace import weapons`."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from armstrace.audit.models import AuditEntry
from armstrace.intake.tests.test_import_weapons import GOOD, run, write_csv
from armstrace.registry.models import Weapon


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export", "weapons", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_export_reads_back_as_an_import_with_the_same_records(tmp_path: Path) -> None:
    run("weapons", str(write_csv(tmp_path / "w.csv", GOOD)), "--source", "first")
    assert "3 weapons written" in export(str(tmp_path / "out.csv"), "--purpose", "REF-2024-01")
    run("weapons", str(tmp_path / "out.csv"), "--source", "second")
    pairs = {
        source: sorted(Weapon.objects.filter(source=source).values_list(
            "record_ref", "serial_number", "manufacturer_name", "country_of_manufacture_id",
            "weapon_type", "status", "holder__name",
        ))
        for source in ("first", "second")
    }  # fmt: skip
    assert pairs["first"] == pairs["second"]
    entry = AuditEntry.objects.get(tag="intake:export:written")
    assert entry.data["records"] == 3 and len(entry.data["sha256"]) == 64


@pytest.mark.django_db
def test_an_xlsx_export_filters_and_writes_formulas_as_text(tmp_path: Path) -> None:
    rows = [*GOOD, ["R-4", "=1+2", "Glock", "", "", "", "", "", "", "", "", "lost"]]
    run("weapons", str(write_csv(tmp_path / "w.csv", rows)), "--source", "s")
    export(str(tmp_path / "lost.xlsx"), "--status", "lost")
    sheet = openpyxl.load_workbook(tmp_path / "lost.xlsx").active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(v[0], v[1]) for v in values] == [("R-4", "'=1+2")]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.django_db
def test_an_export_to_another_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"write a \.csv or an \.xlsx file"):
        export(str(tmp_path / "out.json"))
