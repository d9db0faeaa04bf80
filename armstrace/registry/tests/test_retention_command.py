"""`armstrace retention report`: the earliest lawful purge date of every record."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from armstrace.core import clock
from armstrace.registry.services import EventInput, create_party, record_life_event

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def imported_weapon(weapon_factory):
    """Manufactured in 1990 (weapon_factory), exported in 2009, imported in 2010."""
    weapon = weapon_factory()
    importer = create_party(kind="importer", name="Savanna Arms Importers", country="KE")
    for data in (
        EventInput(kind="exported", occurred_on=dt.date(2009, 11, 2), counterpart_country="KE"),
        EventInput(kind="imported", occurred_on=dt.date(2010, 3, 15), to_party=importer),
    ):
        record_life_event(weapon=weapon, data=data)
    return weapon


def _report(tmp_path, *args: str) -> tuple[str, list[dict[str, str]]]:
    path = tmp_path / "retention.csv"
    out = io.StringIO()
    call_command("retention", "report", "--csv", str(path), *args, stdout=out)
    with path.open(newline="", encoding="utf-8-sig") as f:  # a BOM, for spreadsheets
        return out.getvalue(), list(csv.DictReader(f))


def _purge_dates(rows: list[dict[str, str]]) -> dict[str, str]:
    return {row["event_kind"]: row["earliest_purge_date"] for row in rows}


def _summary_row(output: str, label: str) -> list[str]:
    line = next(line for line in output.splitlines() if label in line)
    return [cell.strip() for cell in line.strip("│ ").split("│")]


def test_under_iti_a_1990_manufacture_record_is_purgeable_from_2020_and_a_2010_import_from_2030(
    imported_weapon, tmp_path
):
    _, rows = _report(tmp_path, "--policy", "iti")
    dates = _purge_dates(rows)
    assert dates["manufactured"] == "2020-06-01"
    assert dates["identity"] == "2020-12-31"  # year of manufacture only: counted from its end
    assert dates["imported"] == "2030-03-15"
    assert dates["exported"] == "2029-11-02"
    classes = {row["event_kind"]: row["record_class"] for row in rows}
    assert classes == {
        "identity": "manufacture", "manufactured": "manufacture",
        "exported": "other", "imported": "other",
    }  # fmt: skip


def test_under_the_indefinite_policy_every_record_is_kept(imported_weapon, tmp_path):
    output, rows = _report(tmp_path, "--policy", "indefinite")
    assert rows and {row["earliest_purge_date"] for row in rows} == {"never"}
    for label in ("Manufacture records", "Other records"):
        assert _summary_row(output, label)[2:] == ["0", "never"]


def test_the_csv_has_one_row_per_record(weapon_factory, imported_weapon, tmp_path):
    weapon_factory()  # identity + manufacture: two records
    _, rows = _report(tmp_path, "--policy", "iti")
    assert len(rows) == 4 + 2
    assert {row["serial_number"] for row in rows} == {"M70-000001", "M70-000002"}
    assert set(rows[0]) == {
        "weapon_id", "serial_number", "record_class", "event_kind", "record_date",
        "earliest_purge_date",
    }  # fmt: skip
    imported = next(row for row in rows if row["event_kind"] == "imported")
    assert (imported["weapon_id"], imported["record_date"]) == (
        str(imported_weapon.pk),
        "2010-03-15",
    )


def test_the_summary_counts_records_and_those_purgeable_today_by_class(imported_weapon, tmp_path):
    output, _ = _report(tmp_path, "--policy", "iti")
    assert _summary_row(output, "Manufacture records")[1:] == ["2", "2", "2020-06-01"]
    assert _summary_row(output, "Other records")[1:] == ["2", "0", "2029-11-02"]


def test_under_the_eu_profile_records_are_kept_30_years_after_destruction(
    imported_weapon, tmp_path, weapon_factory
):
    record_life_event(
        weapon=imported_weapon, data=EventInput(kind="destroyed", occurred_on=dt.date(2015, 5, 5))
    )
    kept = weapon_factory()  # never destroyed: kept for ever under the EU profile
    _, rows = _report(tmp_path, "--policy", "eu")
    destroyed = {
        r["event_kind"]: r["earliest_purge_date"] for r in rows if r["weapon_id"] != str(kept.pk)
    }
    assert set(destroyed.values()) == {"2045-05-05"}
    assert {r["earliest_purge_date"] for r in rows if r["weapon_id"] == str(kept.pk)} == {"never"}


def test_the_policy_defaults_to_the_setting(imported_weapon, settings):
    settings.ARMSTRACE_RETENTION_POLICY = "iti"
    out = io.StringIO()
    call_command("retention", "report", stdout=out)
    assert "'iti'" in out.getvalue()
    assert _summary_row(out.getvalue(), "Other records")[3] == "2029-11-02"


def test_an_unknown_policy_is_refused(db):
    with pytest.raises(Exception, match="invalid choice"):
        call_command("retention", "report", "--policy", "forever", stdout=io.StringIO())


def test_a_serial_that_looks_like_a_formula_is_written_as_text(weapon_factory, tmp_path):
    weapon_factory(serial="=HYPERLINK(1)")
    _, rows = _report(tmp_path, "--policy", "iti")
    assert {row["serial_number"] for row in rows} == {"'=HYPERLINK(1)"}
