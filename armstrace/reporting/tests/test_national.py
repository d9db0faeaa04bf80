"""The national report: built from live data, the same figures as the analytics selectors,
printed as PDF, XLSX and JSON in each of the six UN languages, each generation audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import asdict
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from armstrace.analytics.selectors import Period, sdg_16_4_2, trace_statistics
from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.reporting import services, writers
from armstrace.reporting.national import DIRECTION_FIELDS, build_report
from armstrace.reporting.tests.helpers import entry
from armstrace.tracing.tests.test_exchange import printed_characters

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _name in settings.LANGUAGES]
SECTIONS = [
    "points_of_contact", "marking", "record_keeping", "tracing", "sdg_16_4_2", "assistance",
]  # fmt: skip
# Titles whose translations the catalogues already hold: proof the labels follow the language.
KNOWN = ["Trace requests", "National point of contact"]


def _figures(part: dict[str, Any]) -> dict[str, Any]:
    return {f["key"]: f["value"] for f in part["figures"]}


def _part(document: dict[str, Any], section: str, part: str) -> dict[str, Any]:
    found = next(s for s in document["sections"] if s["key"] == section)
    return next(p for p in found["parts"] if p["key"] == part)


def _rows(part: dict[str, Any]) -> dict[str, Any]:
    return {row["key"]: row["values"] for row in part["table"]["rows"]}


def _json(period: Period, language: str = "en") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(writers.to_json(build_report(period, language)))
    return document


def test_the_tracing_figures_are_those_of_the_analytics_selectors(data_set):
    document = _json(data_set.period)
    stats = trace_statistics(data_set.period)
    rows = _rows(_part(document, "tracing", "requests"))
    assert set(rows) == {"incoming", "outgoing", "domestic"}
    for direction, figures in stats.by_direction.items():
        assert rows[direction] == {name: getattr(figures, name) for name in DIRECTION_FIELDS}
    # Hand count: two domestic requests sent today, both acknowledged; one answered complete
    # (the diverted weapon), one refused on the ground of an investigation; none open.
    assert rows["domestic"]["count"] == 2
    assert rows["domestic"]["acknowledged"] == 2
    assert rows["domestic"]["answered_complete"] == 1
    assert rows["domestic"]["refused"] == 1
    assert rows["domestic"]["open"] == 0
    grounds = _rows(_part(document, "tracing", "grounds"))
    assert grounds == {
        ground: {outcome: stats.grounds[outcome][ground] for outcome in stats.grounds}
        for ground in grounds
    }
    assert grounds["investigation"]["refused"] == 1
    outcomes = _figures(_part(document, "tracing", "diversion"))
    assert outcomes["diversion_established"] == stats.diversion_established == 1


def test_the_sdg_figures_are_those_of_the_analytics_selectors(data_set):
    document = _json(data_set.period)
    sdg = sdg_16_4_2(data_set.period)
    figures = _figures(_part(document, "sdg_16_4_2", "indicator"))
    assert figures == {
        "seized_found_surrendered": sdg.seized_found_surrendered,
        "traced_origin_established": sdg.traced_origin_established,
        "proportion": sdg.proportion,
    }
    # Hand count: W1 seized, W2 found, W3 surrendered (3); W1's origin traced (1).
    assert (figures["seized_found_surrendered"], figures["traced_origin_established"]) == (3, 1)
    by_type = _rows(_part(document, "sdg_16_4_2", "by_weapon_type"))
    assert {
        code: (v["traced_origin_established"], v["seized_found_surrendered"])
        for code, v in by_type.items()
    } == sdg.by_weapon_type


def test_the_registry_figures_count_the_period(data_set):
    document = _json(data_set.period)
    registered = _figures(_part(document, "record_keeping", "registered"))
    assert registered == {"registered": 4, "total": 4}  # four weapons, all registered today
    events = _rows(_part(document, "record_keeping", "events"))
    counts = {kind: values["events"] for kind, values in events.items()}
    assert counts["stolen"] == counts["seized"] == counts["found"] == 1
    assert counts["surrendered"] == counts["imported"] == 1
    assert counts["destroyed"] == 0
    marked = _figures(_part(document, "marking", "marked"))
    assert (marked["imported"], marked["import_marks"], marked["campaign_marked"]) == (1, 1, 0)
    # The manufacture events of 1990 fall outside a period of 2024 only.
    only_2024 = _json(Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    assert _figures(_part(only_2024, "record_keeping", "registered"))["registered"] == 0


def test_points_of_contact_and_assistance_appear_in_the_report(data_set, poc):
    need = entry(poc, kind="need", country="KE", quantity=3)
    offer = entry(poc, kind="offer", country="UG", quantity=5)
    services.match_entries(actor=poc, need=need, offer=offer)
    document = _json(data_set.period)
    contacts = _rows(_part(document, "points_of_contact", "contacts"))
    assert list(contacts) == ["poc"]
    assert contacts["poc"]["agency"] == "National Firearms Registry"
    summary = _figures(_part(document, "assistance", "summary"))
    assert summary == {"needs_recorded": 1, "offers_recorded": 1, "matches_recorded": 1}
    assert list(_rows(_part(document, "assistance", "needs"))) == [str(need.pk)]
    matches = _part(document, "assistance", "matches")["table"]["rows"]
    assert "Uganda" in matches[0]["values"]["why"]


def test_sections_are_numbered_in_the_order_of_the_un_template(data_set):
    document = _json(data_set.period)
    assert [s["key"] for s in document["sections"]] == SECTIONS
    assert [s["number"] for s in document["sections"]] == [1, 2, 3, 4, 5, 6]
    assert [p["number"] for p in document["sections"][3]["parts"]] == ["4.1", "4.2", "4.3"]
    assert document["schema"] == "armstrace.national-report" and document["version"] == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_report_is_generated_in_every_un_language(data_set, poc, language):
    with translation.override(language):
        titles = [gettext(t) for t in ("Marking", "Record-keeping", "Cooperation in tracing")]
        known = [gettext(t) for t in KNOWN]
    if language != "en":
        assert all(k != e for k, e in zip(known, KNOWN, strict=True))  # catalogues loaded

    made = {
        fmt: services.generate_national_report(
            actor=poc, period=data_set.period, language=language, fmt=fmt
        )
        for fmt in ("json", "xlsx", "pdf")
    }

    document = json.loads(made["json"].content)
    assert document["language"] == language
    assert [s["title"] for s in document["sections"]][1:4] == titles
    assert _part(document, "tracing", "requests")["title"] == known[0]
    assert _rows(_part(document, "tracing", "requests"))["domestic"]["count"] == 2

    book = load_workbook(io.BytesIO(made["xlsx"].content))
    assert len(book.sheetnames) == 1 + len(SECTIONS)
    texts = {
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    assert f"2. {titles[0]}" in texts and f"4.1 {known[0]}" in texts
    tracing_sheet = book.worksheets[4]
    assert tracing_sheet["A1"].value == f"4. {titles[2]}"

    pdf = made["pdf"].content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
    assert 2 <= pages <= 12, pages
    assert 10_000 < len(pdf) < 5_000_000
    # The section titles are printed, in their script: the writer loads a fallback font
    # (Chinese) and shaping (Arabic) only when the report's texts need them.
    assert {c for t in titles for c in t if not c.isspace()} <= printed_characters(pdf)


def test_every_generation_is_audited_with_its_digest(data_set, poc):
    report = services.generate_national_report(
        actor=poc, period=data_set.period, language="fr", fmt="xlsx"
    )
    entry = AuditEntry.objects.filter(tag="reporting:national:generated").get()
    assert entry.actor_name == "test-setup"
    assert entry.data == {
        "start": "2024-01-01",
        "end": data_set.period.end.isoformat(),
        "language": "fr",
        "format": "xlsx",
        "sha256": hashlib.sha256(report.content).hexdigest(),
        "bytes": len(report.content),
    }
    assert report.file_name.endswith("-fr.xlsx") and report.sha256 == entry.data["sha256"]


def test_only_those_allowed_generate_it_and_bad_input_is_refused(data_set, investigator_a, poc):
    with pytest.raises(PermissionDenied):
        services.generate_national_report(
            actor=investigator_a, period=data_set.period, language="en", fmt="pdf"
        )
    with pytest.raises(DomainValidationError) as bad:
        services.generate_national_report(
            actor=poc, period=data_set.period, language="de", fmt="pdf"
        )
    assert bad.value.field == "language"
    with pytest.raises(DomainValidationError) as bad:
        services.check_period(dt.date(2024, 2, 1), dt.date(2024, 1, 1))
    assert bad.value.field == "end"
    assert not AuditEntry.objects.filter(tag="reporting:national:generated").exists()


def test_text_that_looks_like_a_formula_is_written_as_text(db, poc):
    entry(poc, kind="need", description='=HYPERLINK("http://evil")')
    period = Period(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
    book = load_workbook(io.BytesIO(writers.to_xlsx(build_report(period, "en"))))
    cells = [c for row in book.worksheets[6].iter_rows() for c in row if c.value]
    written = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert written.data_type == "s" and str(written.value).startswith("'=")


def test_the_command_line_writes_the_report_and_audits_it(data_set, tmp_path, poc):
    out = tmp_path / "report.json"
    call_command(
        "report", "national", "--start", "2024-01-01", "--end",
        data_set.period.end.isoformat(), "--language", "es", "--format", "json",
        "--out", str(out),
    )  # fmt: skip
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["language"] == "es" and len(document["sections"]) == 6
    entry = AuditEntry.objects.get(tag="reporting:national:generated")
    assert (entry.actor_name, entry.channel) == ("cli:report", "cli")
    assert entry.data["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_the_command_line_checks_the_user_it_names(data_set, tmp_path, investigator_a):
    with pytest.raises(CommandError, match="reporting:report:generate"):
        call_command(
            "report", "national", "--start", "2024-01-01", "--end", "2024-12-31",
            "--out", str(tmp_path / "r.pdf"), "--user", "investigator_a",
        )  # fmt: skip
    with pytest.raises(CommandError, match="ISO date"):
        call_command(
            "report", "national", "--start", "1 May", "--end", "2024-12-31",
            "--out", str(tmp_path / "r.pdf"),
        )  # fmt: skip


def test_the_report_structure_is_plain_data(data_set):
    report = build_report(data_set.period, "ru")
    assert asdict(report)["language"] == "ru"
    assert report.section("tracing").number == 4
