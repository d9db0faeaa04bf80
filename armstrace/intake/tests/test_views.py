"""The import runs page, the weapon page's book lines, and who may open the scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from armstrace.intake.models import Document
from armstrace.intake.tests.test_events_and_handover import csv_file
from armstrace.registry.models import Weapon
from armstrace.registry.services import create_party


@pytest.fixture
def handed_over(tmp_path: Path, settings: Any, agencies: dict[str, Any]) -> Weapon:
    settings.DATA_DIR = tmp_path / "data"
    create_party(kind="dealer", name="Old Arms", licence_number="DL-9")
    scan = tmp_path / "p1.png"
    scan.write_bytes(b"\x89PNG page one")
    book = csv_file(
        tmp_path / "book.csv",
        ["direction", "date", "serial_number", "manufacturer", "counterpart", "scan"],
        [["sold", "2003-02-01", "TT-1001", "Glock", "Amos Kariuki", "p1.png"]],
    )
    call_command("import", "handover", "--dealer", "DL-9", "--agency", "PA", str(book),
                 str(scan), "--quiet")  # fmt: skip
    return Weapon.objects.get(serial_norm="TT1001")


@pytest.mark.django_db
def test_the_weapon_page_shows_the_book_line_and_links_its_scan(
    client: Client, handed_over: Weapon, investigator_a: Any
) -> None:
    client.force_login(investigator_a)
    page = client.get(reverse("registry:weapon-detail", args=[handed_over.pk])).content.decode()
    assert "Books of closed businesses" in page and "Amos Kariuki" in page
    url = reverse("intake:document", args=[Document.objects.get().pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG page one"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_scan_is_refused_to_users_without_the_right_to_see_weapons(
    client: Client, handed_over: Weapon, outsider: Any, investigator_b: Any
) -> None:
    url = reverse("intake:document", args=[Document.objects.get().pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    # A stored file that backs no book line is not served at all.
    client.force_login(investigator_b)
    Document.objects.create(sha256="0" * 64, file_name="x.png", content_type="image/png", size=1)
    orphan = Document.objects.get(sha256="0" * 64)
    assert client.get(reverse("intake:document", args=[orphan.pk])).status_code == 404
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_import_runs_are_listed_for_registrars_and_refused_to_investigators(
    client: Client, handed_over: Weapon, registrar: Any, investigator_a: Any
) -> None:
    client.force_login(registrar)
    page = client.get(reverse("intake:runs")).content.decode()
    assert "book.csv" in page and "Business-closure handover" in page
    client.force_login(investigator_a)
    assert client.get(reverse("intake:runs")).status_code == 403


@pytest.mark.django_db
def test_an_imported_record_is_found_by_its_source_reference_on_the_list_and_the_api(
    client: Client, tmp_path: Path, agencies: dict[str, Any], investigator_a: Any
) -> None:
    from armstrace.intake.tests.test_import_weapons import GOOD, run, write_csv

    run("weapons", str(write_csv(tmp_path / "w.csv", GOOD)), "--source", "reg")
    client.force_login(investigator_a)
    page = client.get(reverse("registry:weapon-list"), {"record_ref": "R-2"}).content.decode()
    assert "7741-X" in page and "AB 123456" not in page
    listed = client.get("/api/v1/weapons", {"record_ref": "R-2"}).json()
    assert [w["serial_number"] for w in listed["items"]] == ["7741-X"]
