"""`armstrace marking profiles|check|missing-import-marks|badly-marked`."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from armstrace.registry.services import ComponentInput, MarkInput, add_component, add_mark

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("marking", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_profiles_lists_every_rule_with_its_severity_and_basis_and_what_is_in_force():
    out, _err = run("profiles")
    assert "iti: International Tracing Instrument (baseline) (in force)" in out
    assert "eu: EU" in out and "(not in force)" in out
    assert "M-EU-SERIAL-ALPHABET  error" in out and "2019/68 Annex" in out
    assert "Import mark format: {country}{yy}" in out


def test_profiles_can_be_limited_and_an_unknown_one_is_an_error():
    out, _err = run("profiles", "--profile", "us")
    assert "M-US-SERIAL-FORMAT" in out and "M-ITI-YEAR" not in out
    with pytest.raises(CommandError, match="unknown marking profile"):
        run("profiles", "--profile", "nato")


def test_check_one_weapon_prints_its_findings(weapon_factory):
    weapon = weapon_factory(year_of_manufacture=None)
    out, err = run("check", "--weapon", str(weapon.pk), "--profile", "eu")
    assert "M-EU-YEAR" in out and str(weapon.pk) in out
    assert "M-EU-YEAR: 1" in err


def test_check_an_unknown_weapon_is_an_error():
    with pytest.raises(CommandError, match="no weapon"):
        run("check", "--weapon", "00000000-0000-0000-0000-000000000000")


def test_check_all_weapons_writes_a_csv_safe_to_open(weapon_factory, tmp_path):
    fine = weapon_factory()
    odd = weapon_factory(serial="=1+2")
    add_mark(weapon=odd, data=MarkInput(role="proof", text="KE★"))
    out_file = tmp_path / "findings.csv"
    run("check", "--out", str(out_file))
    rows = read_csv(out_file)
    assert {r["weapon_id"] for r in rows} == {str(odd.pk)}
    assert rows[0]["serial_number"] == "'=1+2"  # neutralised: a spreadsheet shows, not runs it
    assert {r["rule"] for r in rows} == {"M-ITI-MARK-ALPHABET"}
    assert str(fine.pk) not in out_file.read_text(encoding="utf-8-sig")


def test_missing_import_marks_writes_the_list_to_csv(weapon_factory, tmp_path):
    listed = weapon_factory(import_country="KE", import_year=2015)
    marked = weapon_factory(import_country="KE", import_year=2015)
    add_mark(weapon=marked, data=MarkInput(role="import", text="KE15"))
    out_file = tmp_path / "missing.csv"
    _out, err = run("missing-import-marks", "--out", str(out_file))
    rows = read_csv(out_file)
    assert [r["weapon_id"] for r in rows] == [str(listed.pk)]
    assert rows[0]["import_country"] == "KE" and rows[0]["agency"] == "PA"
    assert "1 imported weapon(s)" in err


def test_badly_marked_lists_weapons_failing_an_error_rule(weapon_factory):
    weapon = weapon_factory(serial="BR-1")
    add_component(weapon=weapon, data=ComponentInput("barrel", "BR-1"))
    weapon_factory()
    out, _err = run("badly-marked")
    assert "M-ITI-SERIAL-ON-FRAME" in out and out.count("\n") == 1
