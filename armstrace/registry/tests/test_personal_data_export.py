"""`armstrace export weapons`: a file naming individual holders needs a purpose, or leaves
them out (the registry may not import the intake app, so the command is the interface)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from armstrace.audit.models import AuditEntry
from armstrace.registry.services import EventInput, create_party, record_life_event

pytestmark = pytest.mark.django_db
NAME, LICENCE = "Jane Wanjiru", "CIV-4471"


@pytest.fixture
def held(weapon_factory):
    person = create_party(kind="individual", name=NAME, licence_number=LICENCE)
    weapon = weapon_factory()
    data = EventInput(kind="transferred", occurred_on=dt.date(2015, 1, 2), to_party=person)
    record_life_event(weapon=weapon, data=data)
    weapon_factory()  # held by its maker: not personal data
    return weapon


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export", "weapons", *args, stdout=out)
    return out.getvalue()


def test_an_export_naming_individuals_without_a_purpose_is_refused(held, tmp_path):
    target = tmp_path / "w.csv"
    with pytest.raises(CommandError, match="1 of these weapons are held by individuals"):
        export(str(target))
    assert not target.exists()
    assert not AuditEntry.objects.filter(tag="intake:export:written").exists()


def test_an_export_for_a_purpose_names_them_and_records_the_purpose(held, tmp_path):
    target = tmp_path / "w.csv"
    assert "2 weapons written" in export(str(target), "--purpose", "CASE-77")
    text = target.read_text(encoding="utf-8-sig")
    assert NAME in text and LICENCE in text
    entry = AuditEntry.objects.get(tag="intake:export:written")
    assert entry.purpose == "CASE-77"
    assert (entry.data["purpose"], entry.data["individual_holders"]) == ("CASE-77", 1)


def test_an_export_without_personal_data_leaves_individual_holders_out(held, tmp_path):
    target = tmp_path / "w.csv"
    export(str(target), "--without-personal-data")
    text = target.read_text(encoding="utf-8-sig")
    assert NAME not in text and LICENCE not in text and held.serial_number in text


def test_an_export_naming_no_individual_needs_no_purpose(weapon_factory, tmp_path):
    weapon_factory()
    assert "1 weapons written" in export(str(tmp_path / "w.csv"))


def test_a_purpose_with_control_characters_is_refused(held, tmp_path):
    with pytest.raises(CommandError, match="control characters"):
        export(str(tmp_path / "w.csv"), "--purpose", "CASE\x07")
