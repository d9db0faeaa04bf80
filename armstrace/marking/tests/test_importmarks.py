"""Import marking (M2, ITI para 8(b)): the national format, the service and the missing list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import findings, profiles
from armstrace.marking.services.importmarks import format_import_mark, format_problem, record_import
from armstrace.registry.models import Event, Mark, Weapon
from armstrace.registry.services import (
    ComponentInput,
    EventInput,
    add_component,
    create_party,
    record_life_event,
)

pytestmark = pytest.mark.django_db
ARRIVED = dt.date(2024, 3, 5)


@pytest.fixture
def importer(db):
    return create_party(kind="importer", name="Mombasa Arms Import", licence_number="IMP-42")


@pytest.fixture
def shipped(weapon_factory):
    """A weapon on its way into the country: in transit, ready to be imported."""
    weapon = weapon_factory()
    record_life_event(
        weapon=weapon, data=EventInput(kind="in_transit", occurred_on=dt.date(2024, 2, 1))
    )
    return weapon


# --- the format ----------------------------------------------------------------------


def test_the_default_import_mark_is_the_country_code_and_two_digit_year():
    assert format_import_mark("ke", 2024) == "KE24"
    assert format_import_mark("KE", 2009) == "KE09"


def test_the_format_takes_every_documented_placeholder():
    text = format_import_mark(
        "KE", 2024, importer_code="IMP-42", fmt="{country3}/{yyyy}/{importer}/{country}{yy}"
    )
    assert text == "KEN/2024/IMP-42/KE24"


@override_settings(ARMSTRACE_IMPORT_MARK_FORMAT="IMP {country}-{yyyy}")
def test_the_format_comes_from_the_setting():
    assert format_import_mark("KE", 2024) == "IMP KE-2024"


@override_settings(ARMSTRACE_IMPORT_MARK_FORMAT="{country}{month}")
def test_a_format_with_an_unknown_placeholder_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="month"):
        format_import_mark("KE", 2024)


def test_a_format_must_name_the_country_and_be_well_formed():
    assert "country" in format_problem("{yyyy}")
    assert format_problem("{country") != ""
    assert format_problem("{country}{yy}") == ""


def test_an_unknown_country_is_refused():
    with pytest.raises(DomainValidationError, match="ISO 3166"):
        format_import_mark("QQ", 2024)


# --- the service ---------------------------------------------------------------------


def test_recording_an_import_generates_the_import_mark_and_records_the_event(shipped, importer):
    done = record_import(
        shipped, occurred_on=ARRIVED, country="KE", importer=importer, reason="licence IL-1/24"
    )
    assert done.generated and done.mark.text == "KE24" and done.mark.role == "import"
    assert done.mark.date_applied == ARRIVED
    assert done.event.kind == "imported" and done.event.to_party == importer
    weapon = Weapon.objects.get(pk=shipped.pk)
    assert (weapon.import_country_id, weapon.import_year, weapon.status) == ("KE", 2024, "in_stock")
    entry = AuditEntry.objects.get(tag="marking:import:recorded", object_id=str(shipped.pk))
    assert entry.data["mark_text"] == "KE24" and entry.data["generated"] is True
    assert profiles.check_weapon(weapon, ["iti", "fp"]) == []


def test_a_mark_the_manufacturer_applied_before_export_is_recorded_as_read(shipped, importer):
    done = record_import(
        shipped,
        occurred_on=ARRIVED,
        country="KE",
        importer=importer,
        reason="marked at the factory for Kenya",
        mark_applied_by_manufacturer="KEN 2023",
    )
    assert not done.generated and done.mark.text == "KEN 2023" and done.mark.date_applied is None
    assert AuditEntry.objects.get(tag="marking:import:recorded").data["generated"] is False


def test_the_import_mark_goes_on_the_frame_or_receiver_when_one_is_recorded(shipped, importer):
    add_component(weapon=shipped, data=ComponentInput("receiver", shipped.serial_number))
    done = record_import(shipped, occurred_on=ARRIVED, country="KE", importer=importer, reason="x")
    assert done.mark.component is not None and done.mark.component.component_type == "receiver"
    placement = profiles.check_weapon(shipped, ["mosaic"])
    assert "M-MOSAIC-IMPORT-MARK-PLACE" not in [f.code for f in placement]


def test_an_import_without_a_reason_or_with_an_empty_applied_mark_is_refused(shipped, importer):
    with pytest.raises(DomainValidationError, match="reason"):
        record_import(shipped, occurred_on=ARRIVED, country="KE", importer=importer, reason=" ")
    with pytest.raises(DomainValidationError, match="mark_applied_by_manufacturer"):
        record_import(
            shipped,
            occurred_on=ARRIVED,
            country="KE",
            importer=importer,
            reason="x",
            mark_applied_by_manufacturer="  ",
        )
    assert not Mark.objects.exists()


def test_an_import_the_life_cycle_refuses_leaves_no_mark_behind(weapon_factory, importer):
    weapon = weapon_factory()  # still at the maker: not in transit, so it cannot be imported
    with pytest.raises(DomainValidationError):
        record_import(weapon, occurred_on=ARRIVED, country="KE", importer=importer, reason="x")
    assert not Mark.objects.exists()
    assert not Event.objects.filter(kind="imported").exists()


# --- imported weapons without an import mark ------------------------------------------


def test_imported_weapons_without_an_import_mark_are_listed_until_marked(
    weapon_factory, shipped, importer
):
    declared = weapon_factory(import_country="KE", import_year=2015)
    not_imported = weapon_factory()
    record_life_event(
        weapon=shipped,
        data=EventInput(kind="imported", occurred_on=ARRIVED, to_party=importer, country="KE"),
    )
    listed = {w.pk: w for w in findings.missing_import_marks(Weapon.objects.all())}
    assert set(listed) == {declared.pk, shipped.pk}
    imported_on = {pk: getattr(w, "imported_on", None) for pk, w in listed.items()}
    assert imported_on == {shipped.pk: ARRIVED, declared.pk: None}
    assert not_imported.pk not in listed
