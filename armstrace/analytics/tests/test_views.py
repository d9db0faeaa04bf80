"""The analytics pages over the fixed world: the figures of the selectors, as tables, charts
(SVG) and CSV/XLSX downloads that agree with each other."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from armstrace.analytics.exports import export_bytes
from armstrace.analytics.tables import COUNT, TEXT, Column, Table
from armstrace.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

YEAR = "?start=2024-01-01&end=2024-12-31"


@pytest.fixture
def poc_client(world, db):
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.users["poc"])
    return client


def test_the_dashboard_shows_the_requests_and_sdg_16_4_2(poc_client):
    page = poc_client.get(f"/analytics/{YEAR}").content.decode()
    assert "Trace requests sent and received" in page
    assert "71.4 %" in page  # SDG 16.4.2: 5 of 7
    assert "in 3 cases" in page  # answers establishing a point of diversion
    assert 'src="/analytics/charts/directions.svg?start=2024-01-01&amp;end=2024-12-31"' in page
    assert 'alt="Bar chart of the number of trace requests in each direction."' in page
    assert "/analytics/export/sdg.xlsx?" in page


def test_the_sources_page_flags_the_unusual_dealer(poc_client):
    page = poc_client.get(f"/analytics/sources/{YEAR}").content.decode()
    row = page[page.index("Nairobi Gun Shop") :].split("</tr>")[0]
    assert "<td>4</td>" in row and "Yes" in row
    assert "Median: 1713.0 days" in page


def test_figures_follow_the_reader_s_language(world, db):
    client = Client(headers={"accept-language": "fr"})
    client.force_login(world.users["auditor"])
    page = client.get(f"/analytics/{YEAR}").content.decode()
    assert '<html lang="fr"' in page and "71,4 %" in page


def test_filters_narrow_every_table_and_bad_ones_are_ignored(poc_client, world):
    agency = world.agencies["b"].pk
    page = poc_client.get(f"/analytics/imports/{YEAR}&agency={agency}").content.decode()
    assert "Savannah Imports" not in page.split("lacking an import mark")[0]  # B: W5 only
    bad = poc_client.get("/analytics/?start=someday&weapon_type=bazooka")
    assert bad.status_code == 200
    assert "Some filters were not understood" in bad.content.decode()
    # One filter not understood keeps the others: still region B only.
    mixed = poc_client.get(f"/analytics/imports/{YEAR}&agency={agency}&weapon_type=bazooka")
    assert "Some filters were not understood" in mixed.content.decode()
    tables = mixed.content.decode().split("lacking an import mark")[0]
    assert "Kenya Arms Importers" in tables and "Savannah Imports" not in tables  # 2024, B


def test_a_chart_is_an_svg_with_its_own_policy(poc_client):
    response = poc_client.get(f"/analytics/charts/time-to-crime.svg{YEAR}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    svg = response.content.decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Time to crime" in svg and "<script" not in svg
    assert poc_client.get("/analytics/charts/routes.svg").status_code == 404  # no chart
    assert poc_client.get("/analytics/charts/nothing.svg").status_code == 404


def test_the_csv_holds_the_numbers_of_the_table(poc_client):
    response = poc_client.get(f"/analytics/export/sdg.csv{YEAR}")
    assert response["Content-Disposition"] == (
        'attachment; filename="sdg_2024-01-01_2024-12-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Weapon type", "Seized, found or surrendered", "Illicit origin established by a trace",
        "Proportion",
    ]  # fmt: skip
    assert rows[-1][:3] == ["All weapons", "7", "5"]
    assert float(rows[-1][3]) == pytest.approx(5 / 7)
    exported = AuditEntry.objects.get(tag="analytics:table:exported")
    assert exported.data["table"] == "sdg" and exported.data["start"] == "2024-01-01"
    assert exported.data["sha256"] == hashlib.sha256(response.content).hexdigest()


def test_the_xlsx_keeps_numbers_as_numbers(poc_client):
    response = poc_client.get(f"/analytics/export/time-to-crime.xlsx{YEAR}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Time to crime", "Traced weapons", "Share"]
    assert values[1][:2] == ["Under 1 year", 1] and values[4][:2] == ["5 to 10 years", 2]
    assert poc_client.get("/analytics/export/sdg.pdf").status_code == 404


def test_exports_neutralise_formulas():
    table = Table("t", "T", (Column("Place", TEXT), Column("n", COUNT)), [("=HYPERLINK(1)", 2)])
    text = export_bytes(table, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK(1),2" in text
    sheet = load_workbook(io.BytesIO(export_bytes(table, "xlsx"))).active
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["B2"].value == 2
