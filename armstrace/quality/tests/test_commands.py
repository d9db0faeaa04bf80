"""`armstrace quality report` and `armstrace spotcheck draw|report`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from armstrace.audit.models import AuditEntry
from armstrace.quality.choices import Outcome
from armstrace.quality.models import QualityRun, SpotCheck
from armstrace.quality.services import answer_spot_check_item
from armstrace.quality.tests.helpers import bulk_weapons


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def records(weapon_factory):
    """One record without a model, one imported without an import mark."""
    return {
        "no_model": weapon_factory(serial="NM-1", model=""),
        "imported": weapon_factory(serial="IM-1", import_country="KE", import_year=2010),
    }


def test_the_report_prints_counts_by_rule_and_records_a_run_under_the_cli_actor(records):
    text = run("quality", "report", "--profile", "iti")
    assert "Q-ITI-MIN" in text and "Q-IMPORT-MARK" in text and "Q-EU-MIN" not in text
    assert "ITI para 8(b)" in text
    row = next(line for line in text.splitlines() if "Q-ITI-MIN" in line)
    assert row.rstrip(" │").endswith("1")
    run_ = QualityRun.objects.get()
    assert (run_.profile, run_.run_by_name) == ("iti", "cli:quality")
    assert AuditEntry.objects.get(tag="quality:run:completed").channel == "cli"


def test_json_gives_the_counts_and_the_failing_records_of_one_rule(records):
    payload = json.loads(run("quality", "report", "--format", "json", "--rule", "Q-IMPORT-MARK"))
    counts = {c["rule"]: c["failing_records"] for c in payload["counts"]}
    assert counts["Q-IMPORT-MARK"] == 1 and counts["Q-ITI-MIN"] == 1 and "Q-EU-MIN" in counts
    (failure,) = payload["failures"]
    assert failure["weapon_id"] == str(records["imported"].pk)
    assert failure["serial_number"] == "IM-1" and failure["rule"] == "Q-IMPORT-MARK"


def test_the_table_lists_the_failing_records_of_the_rule_asked_for(records):
    text = run("quality", "report", "--rule", "Q-ITI-MIN")
    assert "Failing records of Q-ITI-MIN" in text and "NM-1" in text and "missing: model" in text


def test_csv_of_counts_and_of_failures_is_written_to_a_file(records, tmp_path):
    counts_file, failures_file = tmp_path / "counts.csv", tmp_path / "failures.csv"
    run("quality", "report", "--format", "csv", "--out", str(counts_file))
    run("quality", "report", "--format", "csv", "--rule", "Q-ITI-MIN", "--out", str(failures_file))
    with counts_file.open(newline="", encoding="utf-8") as f:
        counts = {row["rule"]: row for row in csv.DictReader(f)}
    assert counts["Q-ITI-MIN"]["failing_records"] == "1"
    assert counts["Q-ITI-MIN"]["severity"] == "error"
    with failures_file.open(newline="", encoding="utf-8") as f:
        (failure,) = list(csv.DictReader(f))
    assert failure["weapon_id"] == str(records["no_model"].pk)
    assert failure["detail"] == "missing: model"
    assert QualityRun.objects.count() == 2


def test_formulas_that_came_in_with_a_record_are_neutralised_in_the_csv(weapon_factory):
    weapon_factory(serial="=1+1", model="", manufacturer_name='=HYPERLINK("http://x","y")')
    text = run("quality", "report", "--format", "csv", "--rule", "Q-ITI-MIN")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["serial_number"] == "'=1+1"
    assert row["manufacturer"] == '\'=HYPERLINK("http://x","y")'
    assert row["detail"] == "missing: model"


def test_an_unknown_rule_or_one_outside_the_profile_is_refused(records):
    with pytest.raises(CommandError, match="no rule 'Q-NOPE'"):
        run("quality", "report", "--rule", "Q-NOPE")
    with pytest.raises(CommandError, match="no rule 'Q-EU-MIN' in profile iti"):
        run("quality", "report", "--profile", "iti", "--rule", "Q-EU-MIN")
    assert not QualityRun.objects.exists()


# --- spot checks ----------------------------------------------------------------------


@pytest.fixture
def forty(agencies, maker):
    bulk_weapons(agencies["a"], [f"A{n:03d}" for n in range(30)], manufacturer=maker)
    bulk_weapons(agencies["b"], [f"B{n:03d}" for n in range(10)], manufacturer=maker)


def test_draw_assigns_the_sample_to_the_named_clerks(forty, registrar, registrar_b):
    text = run(
        "spotcheck", "draw", "--size", "8", "--clerk", "registrar", "registrar_b", "--seed", "5"
    )
    spot = SpotCheck.objects.get()
    assert f"Spot check {spot.pk}: 8 records drawn by agency (seed 5)" in text
    assert "PA: 6" in text and "PB: 2" in text
    assert spot.drawn_by_name == "cli:spotcheck"
    assert spot.items.filter(assigned_to=registrar).count() == 4


def test_draw_without_clerks_uses_every_active_registrar(forty, registrar, registrar_b, auditor):
    run("spotcheck", "draw", "--size", "4", "--strata", "status")
    spot = SpotCheck.objects.get()
    assert set(spot.items.values_list("assigned_to__username", flat=True)) == {
        "registrar",
        "registrar_b",
    }


def test_draw_refuses_an_unknown_or_unfit_clerk(forty, auditor):
    with pytest.raises(CommandError, match="no such user: nobody"):
        run("spotcheck", "draw", "--size", "4", "--clerk", "nobody")
    with pytest.raises(CommandError, match="not an active registrar"):
        run("spotcheck", "draw", "--size", "4", "--clerk", "auditor")
    assert not SpotCheck.objects.exists()


def test_report_gives_the_error_rate_per_stratum_and_overall(forty, registrar):
    run("spotcheck", "draw", "--size", "8", "--clerk", "registrar", "--seed", "5")
    spot = SpotCheck.objects.get()
    for item in spot.items.filter(stratum="PA"):
        outcome = Outcome.ERROR_FOUND if item.position == 0 else Outcome.CONFIRMED
        answer_spot_check_item(item=item, user=registrar, outcome=outcome, note="differs")
    payload = json.loads(run("spotcheck", "report", str(spot.pk), "--format", "json"))
    a, b = payload["by_stratum"]
    assert (a["stratum"], a["checked"], a["errors"]) == ("PA", 6, 1)
    assert a["error_rate"] == pytest.approx(1 / 6, abs=1e-6)
    assert a["interval_95"] == pytest.approx([0.030053, 0.563503], abs=1e-6)
    assert (b["checked"], b["error_rate"], b["interval_95"]) == (0, None, None)
    overall = payload["overall"]
    assert overall["population_covered"] == 30 and overall["population"] == 40
    assert overall["error_rate"] == pytest.approx(1 / 6, abs=1e-6)
    table = run("spotcheck", "report", str(spot.pk))
    assert "16.7%" in table and "3.0% - 56.4%" in table


def test_report_of_an_unknown_spot_check_is_refused(db):
    with pytest.raises(CommandError, match="no spot check 99"):
        run("spotcheck", "report", "99")
