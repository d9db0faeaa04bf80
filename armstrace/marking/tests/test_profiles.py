"""Profiles in force, checks on stored weapons, set-based runs and the quality register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import findings, profiles
from armstrace.quality import rules as quality_rules
from armstrace.quality.choices import Profile
from armstrace.registry.models import Weapon
from armstrace.registry.services import (
    ComponentInput,
    EventInput,
    MarkInput,
    add_component,
    add_mark,
    create_party,
    record_life_event,
)

pytestmark = pytest.mark.django_db


def codes(found: list[profiles.Finding]) -> list[str]:
    return [f.code for f in found]


def to_civilian(weapon: Weapon) -> None:
    unit = create_party(kind="state_unit", name="1st Battalion")
    person = create_party(kind="individual", name="J. Doe")
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="transferred", occurred_on=dt.date(2000, 1, 1), to_party=unit),
    )
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="transferred", occurred_on=dt.date(2010, 1, 1), to_party=person),
    )


# --- profiles in force -----------------------------------------------------------------


def test_the_iti_baseline_is_in_force_by_default():
    assert [p.code for p in profiles.enabled_profiles()] == ["iti"]


@override_settings(ARMSTRACE_MARKING_PROFILES="iti, EU,mosaic")
def test_several_profiles_can_be_in_force_at_once():
    assert [p.code for p in profiles.enabled_profiles()] == ["iti", "eu", "mosaic"]


@override_settings(ARMSTRACE_MARKING_PROFILES="iti,nato")
def test_an_unknown_profile_in_the_setting_fails_fast():
    with pytest.raises(ImproperlyConfigured, match="nato"):
        profiles.enabled_profiles()


def test_an_unknown_profile_asked_for_is_a_validation_error(weapon_factory):
    with pytest.raises(DomainValidationError, match="unknown marking profile"):
        profiles.check_weapon(weapon_factory(), ["xx"])


# --- one weapon --------------------------------------------------------------------------


def test_a_complete_record_has_no_finding_under_the_iti_baseline(weapon_factory):
    assert profiles.check_weapon(weapon_factory()) == []


def test_a_cyrillic_mark_passes_the_iti_and_eu_but_not_the_us_or_mosaic_alphabets(weapon_factory):
    weapon = weapon_factory(serial="ЖК-1234")
    found = profiles.check_weapon(weapon, ["iti", "eu", "us", "mosaic"])
    assert "M-US-SERIAL-ALPHABET" in codes(found) and "M-MOSAIC-MARK-ALPHABET" in codes(found)
    assert "M-EU-SERIAL-ALPHABET" not in codes(found)
    assert "M-ITI-MARK-ALPHABET" not in codes(found)


def test_a_mark_outside_the_eu_alphabet_is_flagged_with_its_mark(weapon_factory):
    weapon = weapon_factory()
    bad = add_mark(weapon=weapon, data=MarkInput(role="proof", text="ص٣"))
    [finding] = [f for f in profiles.check_weapon(weapon, ["eu"]) if f.mark_id is not None]
    assert finding.code == "M-EU-SERIAL-ALPHABET" and finding.mark_id == bad.pk
    assert finding.severity == "error" and "2019/68" in finding.legal_basis


def test_a_serial_on_the_barrel_only_fails_the_frame_rule_of_every_profile_that_has_it(
    weapon_factory,
):
    weapon = weapon_factory(serial="B-777")
    add_component(weapon=weapon, data=ComponentInput("barrel", "B-777"))
    found = codes(profiles.check_weapon(weapon, ["iti", "eu", "us", "mosaic"]))
    assert {c for c in found if c.endswith("SERIAL-ON-FRAME")} == {
        "M-ITI-SERIAL-ON-FRAME",
        "M-EU-SERIAL-ON-FRAME",
        "M-US-SERIAL-ON-FRAME",
        "M-MOSAIC-SERIAL-ON-FRAME",
    }
    add_component(weapon=weapon, data=ComponentInput("frame", "B-777"))
    assert not [c for c in codes(profiles.check_weapon(weapon, ["iti"])) if "FRAME" in c]


def test_the_same_serial_twice_for_one_maker_is_flagged_on_both_and_not_across_makers(
    weapon_factory,
):
    first, second = weapon_factory(serial="AB-1"), weapon_factory(serial="ab 1")
    other_maker = create_party(kind="manufacturer", name="Norinco", country="CN")
    third = weapon_factory(serial="AB-1", manufacturer=other_maker, manufacturer_name="Norinco")
    for weapon in (first, second):
        assert "M-ITI-SERIAL-UNIQUE" in codes(profiles.check_weapon(weapon))
    assert "M-ITI-SERIAL-UNIQUE" not in codes(profiles.check_weapon(third))


def test_a_weapon_passed_from_state_stocks_to_a_civilian_needs_a_transfer_mark(weapon_factory):
    weapon = weapon_factory()
    to_civilian(weapon)
    assert "M-ITI-STATE-TO-CIVILIAN" in codes(profiles.check_weapon(weapon, ["iti", "fp"]))
    add_mark(weapon=weapon, data=MarkInput(role="state_to_civilian", text="KE-GOV-0001"))
    assert not [c for c in codes(profiles.check_weapon(weapon, ["iti", "fp"])) if "CIVIL" in c]


# --- many weapons ---------------------------------------------------------------------


def test_streamed_facts_give_each_weapon_its_own_marks_parts_and_events(weapon_factory):
    weapons = [weapon_factory() for _ in range(4)]
    add_mark(weapon=weapons[1], data=MarkInput(role="import", text="KE19"))
    add_component(weapon=weapons[2], data=ComponentInput("slide", "S-1"))
    to_civilian(weapons[3])
    by_id = {f.id: f for f in profiles.stream_facts(Weapon.objects.all())}
    assert [m.text for m in by_id[weapons[1].pk].marks] == ["KE19"]
    assert [c.component_type for c in by_id[weapons[2].pk].components] == ["slide"]
    assert [e.kind for e in by_id[weapons[3].pk].events] == [
        "manufactured",
        "transferred",
        "transferred",
    ]
    assert by_id[weapons[0].pk].marks == () and by_id[weapons[0].pk].components == ()


def _queries_for_a_scan() -> int:
    with CaptureQueriesContext(connection) as queries:
        list(findings.scan(Weapon.objects.all(), profiles.RULES.values()))
    return len(queries)


def test_a_scan_asks_the_database_as_often_for_many_weapons_as_for_few(weapon_factory):
    def add(n: int) -> None:
        for _ in range(n):
            weapon = weapon_factory(model="")
            add_mark(weapon=weapon, data=MarkInput(role="import", text="KE★19"))
            add_component(weapon=weapon, data=ComponentInput("barrel", weapon.serial_number))

    add(2)
    few = _queries_for_a_scan()
    add(12)
    assert _queries_for_a_scan() == few
    assert sum(1 for _ in findings.scan(Weapon.objects.all(), profiles.RULES.values())) == 14


def test_badly_marked_lists_the_unmarked_and_those_failing_an_error_rule_only(weapon_factory):
    good = weapon_factory()
    unmarked = weapon_factory(serial="UNKNOWN")
    no_year = weapon_factory(year_of_manufacture=None)  # a warning only under the ITI
    on_barrel = weapon_factory(serial="BR-1")
    add_component(weapon=on_barrel, data=ComponentInput("barrel", "BR-1"))
    found = {pk: codes(reasons) for pk, reasons in findings.badly_marked(Weapon.objects.all())}
    assert found[unmarked.pk][0] == findings.UNMARKED
    assert "M-ITI-MANUFACTURE-MARK" in found[unmarked.pk]
    assert found[on_barrel.pk] == ["M-ITI-SERIAL-ON-FRAME"]
    assert good.pk not in found and no_year.pk not in found
    eu = dict(findings.badly_marked(Weapon.objects.all(), ["eu"]))
    assert codes(eu[no_year.pk]) == ["M-EU-YEAR"]  # an error under the EU profile


def test_a_weapon_with_an_unknown_serial_but_a_mark_is_not_unmarked(weapon_factory):
    weapon = weapon_factory(serial="UNKNOWN")
    add_mark(weapon=weapon, data=MarkInput(role="post_seizure", text="KE-PS-000001"))
    reasons = dict(findings.badly_marked(Weapon.objects.filter(pk=weapon.pk)))[weapon.pk]
    assert findings.UNMARKED not in codes(reasons)


# --- quality register -------------------------------------------------------------------


def test_the_rules_of_the_profiles_in_force_are_quality_rules_of_their_profile():
    iti = {r.code for r in quality_rules.rules_for(Profile.ITI)}
    assert {r.code for r in profiles.PROFILES["iti"].rules} <= iti
    assert "M-EU-YEAR" not in quality_rules.RULES  # the EU profile is not in force


def test_a_marking_quality_rule_yields_failing_weapons_with_their_messages(weapon_factory):
    weapon, fine = weapon_factory(year_of_manufacture=None), weapon_factory()
    try:
        added = findings.register_quality_rules(["eu"])
        assert findings.register_quality_rules(["eu"]) == added  # registering twice is harmless
        rule = quality_rules.RULES["M-EU-YEAR"]
        assert rule.profiles == {Profile.EU}
        assert dict(rule.failures(Weapon.objects.all())) == {
            weapon.pk: "no year of manufacture is recorded"
        }
        assert fine.pk not in dict(rule.failures(Weapon.objects.all()))
    finally:
        for code in added:
            quality_rules.unregister(code)


def test_profiles_without_a_quality_profile_of_their_own_show_under_all_rules():
    try:
        findings.register_quality_rules(["us"])
        us = quality_rules.RULES["M-US-CALIBRE"]
        assert us.profiles == frozenset()
        assert us in quality_rules.rules_for(Profile.ALL)
    finally:
        for rule in profiles.PROFILES["us"].rules:
            quality_rules.unregister(rule.code)


def test_an_empty_selection_scans_to_nothing(weapon_factory):
    weapon_factory()
    assert list(findings.scan(Weapon.objects.none(), profiles.RULES.values())) == []
    assert list(findings.badly_marked(Weapon.objects.none())) == []
