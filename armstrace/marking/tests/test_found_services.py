"""Found, seized and surrendered weapons, collections and destructions (ITI 9, R8)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import selectors
from armstrace.marking.choices import FindOutcome, Route
from armstrace.marking.models import Find
from armstrace.marking.services import campaigns, found
from armstrace.registry.services import EventInput, WeaponInput, record_life_event

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 3, 1)


def seized(agencies: Any, weapon: Any = None, **fields: Any) -> Find:
    return found.register_find(
        agency=agencies["a"],
        circumstances=found.Circumstances(
            kind=fields.pop("kind", "seized"),
            occurred_on=fields.pop("occurred_on", DAY),
            place="Port of Mombasa",
            found_by="Customs officer Otieno",
            case_number="CR-2025-17",
            context="In a container declared as machine parts",
        ),
        weapon=weapon,
        data=None
        if weapon
        else WeaponInput(
            serial_number=fields.pop("serial", "X-1"),
            manufacturer_name="Unknown",
            weapon_type="pistol",
        ),
    )


def test_a_seizure_of_a_registered_weapon_records_the_event_and_a_due_date(
    agencies, weapon_factory, settings
):
    settings.ARMSTRACE_FOUND_DEADLINE_DAYS = 30
    weapon = weapon_factory()
    find = seized(agencies, weapon)
    weapon.refresh_from_db()
    assert weapon.status == "seized" and find.event.kind == "seized"
    assert find.event.document_ref == "CR-2025-17" and "Otieno" in find.event.notes
    assert find.due_on == DAY + dt.timedelta(days=30) and find.outcome == FindOutcome.OPEN
    assert AuditEntry.objects.filter(tag="marking:find:seized", object_id=str(weapon.pk)).exists()


def test_the_default_period_is_ninety_days(agencies):
    find = seized(agencies, kind="found")
    assert find.due_on == DAY + dt.timedelta(days=90)
    assert find.weapon.status == "found"


def test_open_finds_past_their_due_date_are_overdue(agencies, weapon_factory):
    late = seized(agencies, occurred_on=dt.date(2020, 1, 1), serial="OLD-1")
    seized(agencies, occurred_on=dt.date.today(), serial="NEW-1")
    assert list(selectors.overdue(Find.objects.all())) == [late]


def test_a_destroyed_find_is_closed_and_leaves_the_overdue_list(agencies):
    find = seized(agencies, occurred_on=dt.date(2020, 1, 1))
    destruction = found.schedule_destruction([find.weapon_id], reason="unserviceable")
    found.record_destruction(
        destruction, destroyed_on=dt.date(2021, 1, 1), method="cutting", witnesses="A. Witness"
    )
    find.refresh_from_db()
    assert find.outcome == FindOutcome.DESTROYED and not selectors.overdue(Find.objects.all())
    assert find.weapon.events.latest("seq").kind == "destroyed"


def test_a_find_marked_in_a_campaign_is_closed_as_marked(agencies):
    find = seized(agencies)
    campaign = campaigns.create_campaign(
        agency=agencies["a"], name="p", purpose="post_seizure", mark_template="PS-"
    )
    campaigns.add_to_campaign(campaign, [find.weapon_id], reason="seized")
    campaigns.allocate(campaign)
    campaigns.record_result(campaign.items.get(), result="done")
    find.refresh_from_db()
    assert find.outcome == FindOutcome.MARKED
    assert find.weapon.marks.get().role == "post_seizure"


def test_the_destruction_certificate_lists_each_weapon_and_its_hash_is_audited(
    agencies, weapon_factory
):
    weapons = [weapon_factory(), weapon_factory()]
    destruction = found.schedule_destruction([w.pk for w in weapons], reason="surplus")
    done = found.record_destruction(
        destruction,
        destroyed_on=dt.date(2025, 5, 1),
        method="smelting",
        witnesses="Judge Wanjiru\nMajor Kamau",
        place="Nairobi",
    )
    pdf_bytes = bytes(done.certificate)
    assert pdf_bytes.startswith(b"%PDF")
    assert done.certificate_sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    entry = AuditEntry.objects.get(tag="marking:destruction:certified")
    assert entry.data == {"sha256": done.certificate_sha256, "weapons": 2}
    for weapon in weapons:
        weapon.refresh_from_db()
        assert weapon.status == "destroyed"


def test_a_destruction_is_recorded_once_and_needs_a_method_and_witnesses(agencies, weapon_factory):
    destruction = found.schedule_destruction([weapon_factory().pk], reason="surplus")
    with pytest.raises(DomainValidationError):
        found.record_destruction(destruction, destroyed_on=DAY, method="", witnesses="x")
    with pytest.raises(DomainValidationError):
        found.record_destruction(destruction, destroyed_on=DAY, method="cut", witnesses=" ")
    found.record_destruction(destruction, destroyed_on=DAY, method="cut", witnesses="x")
    with pytest.raises(DomainValidationError):
        found.record_destruction(destruction, destroyed_on=DAY, method="cut", witnesses="x")


def test_a_weapon_that_cannot_be_destroyed_stops_the_whole_list(agencies, weapon_factory):
    fine, lost = weapon_factory(), weapon_factory(serial="LOST-1")
    record_life_event(weapon=lost, data=EventInput(kind="lost", occurred_on=dt.date(2001, 1, 1)))
    destruction = found.schedule_destruction([fine.pk, lost.pk], reason="x")
    with pytest.raises(DomainValidationError) as error:
        found.record_destruction(destruction, destroyed_on=DAY, method="cut", witnesses="x")
    assert "LOST-1" in error.value.message
    fine.refresh_from_db()
    assert fine.status != "destroyed"


def test_scheduling_needs_existing_weapons_and_a_reason(weapon_factory):
    with pytest.raises(DomainValidationError):
        found.schedule_destruction([weapon_factory().pk], reason="")
    with pytest.raises(DomainValidationError):
        found.schedule_destruction(["6f1b0f9e-0000-4000-8000-000000000000"], reason="x")


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_a_collection_list_is_matched_registered_and_lost_or_stolen_records_are_flagged(
    agencies, weapon_factory, tmp_path
):
    known = weapon_factory(serial="AK-55501")
    stolen = weapon_factory(serial="AK-77701")
    record_life_event(
        weapon=stolen, data=EventInput(kind="stolen", occurred_on=dt.date(2010, 1, 1))
    )
    path = write_xlsx(
        tmp_path / "collected.xlsx",
        [
            ["Serial Number", "Manufacturer", "Model", "Weapon Type", "Notes"],
            ["AK 55501", "Zastava Arms", "M70", "assault-rifle", "handed in at the chief's camp"],
            ["AK77701", "Zastava", "M70", "", ""],
            ["NEW-9", "", "", "blunderbuss", ""],
            ["", "nobody", "", "", ""],
        ],
    )
    report = found.import_collection(
        agency=agencies["a"], name="Turkana 2025", kind="surrendered", collected_on=DAY, path=path
    )
    items = {i.row_number: i for i in report.batch.items.all()}
    assert (report.linked, report.registered, report.lost_or_stolen) == (2, 1, 1)
    assert items[2].weapon_id == known.pk and items[2].candidates[0]["match"] == "exact"
    assert items[3].weapon_id == stolen.pk and items[3].lost_or_stolen
    assert items[4].weapon is not None
    assert items[4].weapon.unresolved == {"weapon_type": "blunderbuss"}
    assert [r.number for r in report.rejected] == [5]
    stolen.refresh_from_db()
    assert stolen.status == "surrendered"
    assert Find.objects.filter(batch=report.batch).count() == 3
    assert AuditEntry.objects.filter(tag="search:weapons:searched").count() == 3


def test_a_batch_goes_to_destruction_with_one_certificate(agencies, weapon_factory, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("serial_number\nC-1\nC-2\n", encoding="utf-8")
    report = found.import_collection(
        agency=agencies["a"], name="c", kind="surrendered", collected_on=DAY, path=path
    )
    destruction = found.send_to_destruction(list(report.batch.items.all()), reason="programme")
    assert destruction.batch == report.batch and destruction.items.count() == 2
    assert set(report.batch.items.values_list("route", flat=True)) == {Route.DESTRUCTION}
    found.record_destruction(destruction, destroyed_on=DAY, method="crush", witnesses="x")
    assert not Find.objects.filter(batch=report.batch, outcome="open").exists()
    with pytest.raises(DomainValidationError):
        found.send_to_destruction(list(report.batch.items.all()), reason="again")


def test_a_batch_item_goes_to_a_marking_campaign(agencies, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("serial_number\nD-1\nD-2\n", encoding="utf-8")
    report = found.import_collection(
        agency=agencies["a"], name="d", kind="found", collected_on=DAY, path=path
    )
    campaign = campaigns.create_campaign(
        agency=agencies["a"], name="p", purpose="post_seizure", mark_template="PS-"
    )
    first = report.batch.items.get(row_number=2)
    assert campaigns.send_to_marking([first], campaign, reason="collected") == 1
    first.refresh_from_db()
    assert first.route == Route.MARKING and campaign.items.get().weapon_id == first.weapon_id
