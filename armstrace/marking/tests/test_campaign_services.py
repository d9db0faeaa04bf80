"""Campaign services: selection, allocation of unique marks, job file, results, machine logs."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import selectors
from armstrace.marking.choices import CampaignStatus, ItemStatus
from armstrace.marking.models import CampaignItem, MarkCounter
from armstrace.marking.services import campaigns
from armstrace.registry.choices import MarkRole
from armstrace.registry.services import (
    EventInput,
    MarkInput,
    add_mark,
    create_party,
    record_life_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(agencies):
    return create_party(
        kind="state_unit", name="1st Battalion", licence_number="B1", agency=agencies["a"]
    )


@pytest.fixture
def campaign(agencies):
    return campaigns.create_campaign(
        agency=agencies["a"],
        name="Army stock 2026",
        purpose="state_ownership",
        mark_template="{country}-{unit}-",
        sequence_width=5,
        component="receiver",
        location="left side",
        method="laser",
    )


def held_by(weapon: Any, unit: Any) -> Any:
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="transferred", occurred_on=dt.date(2000, 1, 1), to_party=unit),
    )
    return weapon


def test_a_campaign_gets_a_code_and_starts_as_a_draft(campaign):
    assert campaign.code.startswith("MC-") and campaign.status == CampaignStatus.DRAFT


@pytest.mark.parametrize(
    "template", ["", "KE-{serial}-", "KE-{unit!r}", "KE-{yy:>4}", "KE#", "{country}\x00"]
)
def test_a_mark_format_with_unknown_placeholders_or_characters_is_refused(agencies, template):
    with pytest.raises(DomainValidationError) as error:
        campaigns.create_campaign(
            agency=agencies["a"], name="x", purpose="state_ownership", mark_template=template
        )
    assert error.value.field == "mark_template"


def test_weapons_are_selected_by_unit_agency_or_list(campaign, unit, weapon_factory):
    by_unit = held_by(weapon_factory(), unit)
    listed = weapon_factory(serial="LIST-1")
    by_id = weapon_factory()
    report = campaigns.select_weapons(
        campaign, unit=unit, identifiers=["list 1", str(by_id.pk), "NOPE"]
    )
    assert report.added == 3 and report.not_found == ["NOPE"]
    assert set(campaign.items.values_list("weapon_id", flat=True)) == {
        by_unit.pk,
        listed.pk,
        by_id.pk,
    }
    again = campaigns.select_weapons(campaign, agency_code="PA")
    assert again.added == 0 and again.already == 3


def test_a_campaign_of_one_agency_cannot_take_another_agencys_weapons(campaign, weapon_factory):
    other = weapon_factory(agency="b")
    report = campaigns.select_weapons(campaign, identifiers=[str(other.pk)])
    assert report.added == 0 and report.not_found == [str(other.pk)]
    with pytest.raises(DomainValidationError):
        campaigns.add_to_campaign(campaign, [other.pk], reason="badly marked")


def test_add_to_campaign_adds_weapons_with_the_reason(campaign, weapon_factory):
    weapon = weapon_factory()
    assert campaigns.add_to_campaign(campaign, [weapon.pk], reason="serial worn off") == 1
    item = campaign.items.get()
    assert item.reason == "serial worn off" and item.status == ItemStatus.SELECTED


def test_allocation_fills_the_format_per_unit_and_counts_on(campaign, unit, weapon_factory):
    first, second = held_by(weapon_factory(), unit), held_by(weapon_factory(), unit)
    loose = weapon_factory()
    campaigns.select_weapons(campaign, identifiers=[str(w.pk) for w in (first, second, loose)])
    assert campaigns.allocate(campaign) == 3
    marks = dict(campaign.items.values_list("weapon_id", "mark_text"))
    assert marks[first.pk] == "KE-B1-00001" and marks[second.pk] == "KE-B1-00002"
    assert marks[loose.pk] == "KE--00001"  # no unit: its own stem
    assert campaign.status == CampaignStatus.ALLOCATED
    assert AuditEntry.objects.filter(tag="marking:campaign:allocated").count() == 1


def test_two_campaigns_with_the_same_format_never_share_a_mark(agencies, weapon_factory):
    made = [
        campaigns.create_campaign(
            agency=agencies["a"], name=n, purpose="post_seizure", mark_template="PS-"
        )
        for n in ("one", "two")
    ]
    for c in made:
        campaigns.select_weapons(c, identifiers=[str(weapon_factory().pk) for _ in range(3)])
        campaigns.allocate(c)
    texts = list(CampaignItem.objects.values_list("mark_text", flat=True))
    assert len(texts) == 6 and len(set(texts)) == 6


def test_a_mark_already_on_a_weapon_is_skipped(campaign, weapon_factory):
    taken = weapon_factory()
    add_mark(weapon=taken, data=MarkInput(role="other", text="KE--00001"))
    campaigns.select_weapons(campaign, identifiers=[str(weapon_factory().pk)])
    campaigns.allocate(campaign)
    assert campaign.items.get().mark_text == "KE--00002"


def test_the_database_refuses_the_same_mark_twice_even_written_around_the_services(
    campaign, weapon_factory
):
    campaigns.select_weapons(
        campaign, identifiers=[str(weapon_factory().pk), str(weapon_factory().pk)]
    )
    first, second = campaign.items.all()
    CampaignItem.objects.filter(pk=first.pk).update(mark_text="X1", mark_norm="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignItem.objects.filter(pk=second.pk).update(mark_text="X-1", mark_norm="X1")


def test_a_used_up_sequence_is_refused(agencies, weapon_factory):
    small = campaigns.create_campaign(
        agency=agencies["a"], name="s", purpose="post_seizure", mark_template="Q", sequence_width=1
    )
    MarkCounter.objects.create(stem="Q", last_value=9)
    campaigns.select_weapons(small, identifiers=[str(weapon_factory().pk)])
    with pytest.raises(DomainValidationError) as error:
        campaigns.allocate(small)
    assert error.value.code == "exhausted"


def test_ten_thousand_weapons_get_ten_thousand_unique_marks(agencies, campaign):
    from armstrace.quality.tests.helpers import bulk_weapons

    weapons = bulk_weapons(agencies["a"], [f"BULK{n:05d}" for n in range(10_000)])
    assert campaigns.add_to_campaign(campaign, [w.pk for w in weapons], reason="stock") == 10_000
    assert campaigns.allocate(campaign) == 10_000
    marks = list(campaign.items.values_list("mark_norm", flat=True))
    assert len(marks) == 10_000 and len(set(marks)) == 10_000 and "" not in marks
    assert MarkCounter.objects.get(stem="KE--").last_value == 10_000


def allocated(campaign: Any, weapon_factory: Any, n: int = 2) -> list[Any]:
    weapons = [weapon_factory() for _ in range(n)]
    campaigns.select_weapons(campaign, identifiers=[str(w.pk) for w in weapons])
    campaigns.allocate(campaign)
    return list(selectors.items_of(campaign))


def test_the_job_file_lists_each_weapon_with_its_mark(campaign, weapon_factory, tmp_path):
    items = allocated(campaign, weapon_factory)
    path = tmp_path / "job.csv"
    assert campaigns.export_job(campaign, path) == 2
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["campaign", "weapon_id", "serial", "component", "mark_text", "location"]
    assert rows[1] == [
        campaign.code,
        str(items[0].weapon_id),
        items[0].weapon.serial_number,
        "Receiver",
        items[0].mark_text,
        "left side",
    ]
    assert AuditEntry.objects.filter(tag="marking:campaign:exported").get().data["rows"] == 2


def test_the_job_file_neutralises_formulas(agencies, weapon_factory, tmp_path):
    c = campaigns.create_campaign(
        agency=agencies["a"], name="f", purpose="post_seizure", mark_template="F", location="=cmd|x"
    )
    allocated(c, weapon_factory, n=1)
    campaigns.export_job(c, tmp_path / "job.csv")
    assert "'=cmd|x" in (tmp_path / "job.csv").read_text(encoding="utf-8-sig")


def test_done_records_the_mark_on_the_weapon_and_progress_counts(campaign, weapon_factory):
    first, second = allocated(campaign, weapon_factory)
    campaigns.record_result(first, result="done")
    campaigns.record_result(second, result="failed", note="tool broke")
    mark = first.weapon.marks.get()
    assert (mark.role, mark.text, mark.method) == (
        MarkRole.STATE_OWNERSHIP,
        first.mark_text,
        "laser",
    )
    assert mark.location == "Receiver left side"  # the weapon has no receiver on record
    assert not second.weapon.marks.exists()
    counts = selectors.progress(campaign)
    assert counts["done"] == 1 and counts["failed"] == 1 and counts["total"] == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.IN_PROGRESS
    assert AuditEntry.objects.filter(tag="registry:mark:created").exists()


def test_a_campaign_is_completed_when_every_weapon_is_marked(campaign, weapon_factory):
    items = allocated(campaign, weapon_factory)
    campaigns.record_result(items[0], result="redo")
    for item in items:
        campaigns.record_result(item, result="done")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


def test_a_marked_weapon_cannot_be_reported_failed_and_an_unallocated_one_cannot_be_done(
    campaign, weapon_factory
):
    (item,) = allocated(campaign, weapon_factory, n=1)
    campaigns.record_result(item, result="done")
    assert campaigns.record_result(item, result="done").status == "done"  # idempotent
    with pytest.raises(DomainValidationError):
        campaigns.record_result(item, result="failed")
    campaigns.add_to_campaign(campaign, [weapon_factory().pk], reason="late")
    with pytest.raises(DomainValidationError):
        campaigns.record_result(campaign.items.get(status="selected"), result="done")


def test_a_machine_log_is_read_back_with_refused_rows_reported(campaign, weapon_factory, tmp_path):
    first, second, third = allocated(campaign, weapon_factory, n=3)
    log = tmp_path / "machine.csv"
    log.write_text(
        "weapon_id,mark_text,result,timestamp\n"
        f"{first.weapon_id},,OK,2026-01-05T10:00:00Z\n"
        f",{second.mark_text.lower()},failed,2026-01-05\n"
        f",{third.mark_text},exploded,\n"
        ",NO-SUCH-MARK,done,\n"
        f"{first.weapon_id},,done,2026-01-05T10:00:00Z\n"
        f",{third.mark_text},redo,yesterday\n",
        encoding="utf-8",
    )
    report = campaigns.import_machine_log(campaign, log)
    assert report.counts == {"done": 1, "failed": 1, "redo": 0}
    assert report.unchanged == 1
    assert [r.number for r in report.rejected] == [4, 5, 7]
    assert "exploded" in report.rejected[0].reason
    first.refresh_from_db()
    assert first.status == "done" and first.result_at == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)


def test_a_log_that_is_not_a_table_is_refused_as_a_whole(campaign, tmp_path):
    path = tmp_path / "log.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(DomainValidationError):
        campaigns.import_machine_log(campaign, path)
