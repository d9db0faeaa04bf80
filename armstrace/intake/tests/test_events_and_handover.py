"""`armstrace import events` and `armstrace import handover`, on both databases."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from armstrace.intake.handover import document_path
from armstrace.intake.models import Document, LedgerEntry
from armstrace.intake.tests.test_import_weapons import GOOD, run, write_csv
from armstrace.registry.models import Event, Party, Weapon
from armstrace.registry.services import create_party
from armstrace.search.services import SearchQuery, search_weapons

EVENT_HEADER = ["record_ref", "event", "date", "from_name", "to_name", "to_licence", "to_kind",
                "document_ref"]  # fmt: skip


def csv_file(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.django_db
def test_a_dealers_book_of_events_moves_weapons_through_the_transition_table(
    tmp_path: Path,
) -> None:
    run("weapons", str(write_csv(tmp_path / "w.csv", GOOD)), "--source", "reg")
    rows = [
        ["R-1", "acquisition", "2010-05-01", "Jane Wanjiru", "Arms Ltd", "D-77", "dealer", "B1/4"],
        ["R-1", "sale", "12/06/2011", "Arms Ltd", "Peter Otieno", "", "", "B1/9"],
        ["R-2", "transferred", "2012-01-01", "", "Someone", "", "", ""],  # R-2 is stolen
        ["R-404", "transfer", "2012-01-01", "", "Someone", "", "", ""],
        ["R-3", "teleported", "2012-01-01", "", "", "", "", ""],
        ["R-3", "lost", "31.02.2012", "", "", "", "", ""],
    ]  # fmt: skip
    path = csv_file(tmp_path / "book.csv", EVENT_HEADER, rows)
    errors = tmp_path / "book-errors.csv"
    out = run("events", str(path), "--source", "book-1", "--errors", str(errors))
    assert "6 rows read: 2 landed, 0 already present, 4 rejected" in out

    weapon = Weapon.objects.get(record_ref="R-1")
    assert weapon.status == "civilian" and weapon.holder is not None
    assert weapon.holder.name == "Peter Otieno"
    kinds = list(weapon.events.values_list("kind", "document_ref"))
    assert kinds == [("registered", ""), ("transferred", "B1/4"), ("transferred", "B1/9")]
    dealer = Party.objects.get(licence_number="D-77")
    assert dealer.kind == "dealer"
    reasons = {
        r["row"]: (r["column"], r["reason"])
        for r in csv.DictReader(errors.open(encoding="utf-8-sig"))
    }
    assert reasons["4"][0] == "event" and "Stolen" in reasons["4"][1]
    assert reasons["5"][0] == "record_ref" and "no weapon" in reasons["5"][1]
    assert reasons["6"][0] == "event" and "unknown event 'teleported'" in reasons["6"][1]
    assert reasons["7"][0] == "date" and "is not a date" in reasons["7"][1]

    again = run("events", str(path), "--source", "book-1", "--errors", str(errors))
    assert "2 already present" in again
    assert weapon.events.count() == 3


@pytest.mark.django_db
def test_a_closed_dealers_books_and_scans_become_searchable_records(
    tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    run("weapons", str(write_csv(tmp_path / "w.csv", GOOD[:1])), "--source", "reg")
    create_party(kind="dealer", name="Kenya Arms & Ammunition", licence_number="DL-1990-07")
    scan = tmp_path / "page-12.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n fake page")
    header = ["direction", "date", "serial_number", "manufacturer", "model", "calibre",
              "weapon_type", "counterpart", "scan"]  # fmt: skip
    rows = [
        [
            "in",
            "2001-03-01",
            "AB123456",
            "Glock",
            "17",
            "9mm",
            "pistol",
            "Glock importer",
            "page-12.png",
        ],
        [
            "out",
            "2001-04-02",
            "AB123456",
            "Glock",
            "17",
            "9mm",
            "pistol",
            "Jane Wanjiru",
            "page-12.png",
        ],
        ["in", "1998-07-07", "QX-5521", "Beretta", "92", "9mm", "pistol", "Old stock", ""],
        [
            "out",
            "1998-08-08",
            "QX-5521",
            "Beretta",
            "92",
            "9mm",
            "",
            "Unknown buyer",
            "page-99.png",
        ],
    ]
    book = csv_file(tmp_path / "book-1998.csv", header, rows)
    out = io.StringIO()
    call_command("import", "handover", "--dealer", "DL-1990-07", str(book), str(scan),
                 "--received-on", "2024-01-15", "--quiet", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "4 rows read: 3 landed, 0 already present, 1 rejected" in text
    assert "1 scans stored" in text

    known = Weapon.objects.get(record_ref="R-1")
    lines = list(LedgerEntry.objects.filter(weapon=known).order_by("row_number"))
    assert [(x.direction, x.counterpart) for x in lines] == [
        ("acquisition", "Glock importer"), ("disposition", "Jane Wanjiru"),
    ]  # fmt: skip
    page = Document.objects.get()
    assert lines[0].scan == page and document_path(page).read_bytes() == scan.read_bytes()
    new = Weapon.objects.get(serial_norm="QX5521")
    assert new.source == "handover:DL-1990-07" and new.status == "unknown"
    for weapon in (known, new):
        assert weapon.events.filter(kind="records_handed_over").count() == 1
    hits = search_weapons(query=SearchQuery(serial="QX 5521"), log=False).candidates
    assert hits and hits[0].weapon_id == str(new.pk)

    # A second delivery of the same book adds nothing twice.
    call_command("import", "handover", "--dealer", "DL-1990-07", str(book), str(scan),
                 "--received-on", "2024-01-15", "--quiet", stdout=io.StringIO())  # fmt: skip
    assert LedgerEntry.objects.count() == 3
    assert Event.objects.filter(kind="records_handed_over").count() == 2


@pytest.mark.django_db
@override_settings()
def test_a_handover_for_an_unknown_licence_is_refused(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    book = csv_file(tmp_path / "b.csv", ["direction", "serial_number", "manufacturer"], [])
    with pytest.raises(CommandError, match="no party holds licence 'NOPE'"):
        call_command("import", "handover", "--dealer", "NOPE", str(book), "--quiet")


@pytest.mark.django_db
def test_a_weapon_cited_by_a_closed_business_book_is_never_purged(
    weapon_factory: Any, agencies: dict[str, Any]
) -> None:
    import datetime as dt

    from armstrace.intake.models import Handover
    from armstrace.registry.exceptions import RetentionFloor
    from armstrace.registry.services import purge_weapon

    weapon = weapon_factory(year_of_manufacture=1990)  # past every ITI floor
    dealer = create_party(kind="dealer", name="Old Arms", licence_number="DL-1")
    handover = Handover.objects.create(
        party=dealer, received_on=dt.date(2001, 1, 1), agency=agencies["national"]
    )
    LedgerEntry.objects.create(
        handover=handover, weapon=weapon, row_number=2, file_name="b.csv", direction="disposition"
    )
    with pytest.raises(RetentionFloor, match="ledger entries"):
        purge_weapon(weapon=weapon, policy="iti", reason="clean-up")
    assert Weapon.objects.filter(pk=weapon.pk).exists() and weapon.events.exists()
