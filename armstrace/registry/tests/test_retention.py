"""Retention floors of ITI para 12 and the EU rule of 30 years after destruction."""

from __future__ import annotations

import datetime as dt

import pytest

from armstrace.audit.models import AuditEntry
from armstrace.registry import rules
from armstrace.registry.choices import EventKind, RecordClass
from armstrace.registry.exceptions import RetentionFloor
from armstrace.registry.models import Event, Weapon
from armstrace.registry.selectors import earliest_purge_for_weapon
from armstrace.registry.services import EventInput, purge_weapon, record_life_event

P = rules.RetentionPolicy
D = dt.date


@pytest.mark.parametrize(
    ("policy", "cls", "record_date", "destroyed", "expected"),
    [
        (P.INDEFINITE, RecordClass.MANUFACTURE, D(1950, 1, 1), None, None),
        (P.INDEFINITE, RecordClass.OTHER, D(1950, 1, 1), D(1960, 1, 1), None),
        (P.ITI, RecordClass.MANUFACTURE, D(1990, 6, 1), None, D(2020, 6, 1)),
        (P.ITI, RecordClass.OTHER, D(2010, 3, 5), None, D(2030, 3, 5)),
        (P.ITI, RecordClass.OTHER, D(2004, 2, 29), None, D(2024, 2, 29)),
        (P.ITI, RecordClass.MANUFACTURE, D(2000, 2, 29), None, D(2030, 2, 28)),
        (P.EU, RecordClass.OTHER, D(1970, 1, 1), None, None),
        (P.EU, RecordClass.OTHER, D(1970, 1, 1), D(1980, 1, 1), D(2010, 1, 1)),
        (P.EU, RecordClass.MANUFACTURE, D(1990, 1, 1), D(1991, 1, 1), D(2021, 1, 1)),
        (P.EU, RecordClass.MANUFACTURE, D(1990, 1, 1), D(1995, 7, 1), D(2025, 7, 1)),
    ],
)
def test_earliest_purge_date_respects_the_floors(policy, cls, record_date, destroyed, expected):
    assert rules.earliest_purge_date(policy, cls, record_date, destroyed) == expected


def test_no_policy_purges_inside_the_iti_floors():
    for policy in (P.ITI, P.EU):
        for cls, years in ((RecordClass.MANUFACTURE, 30), (RecordClass.OTHER, 20)):
            day = D(2000, 1, 1)
            earliest = rules.earliest_purge_date(policy, cls, day, D(2000, 1, 2))
            assert earliest is not None and earliest >= rules.add_years(day, years)


def test_manufacture_records_are_their_own_class():
    assert rules.record_class(EventKind.MANUFACTURED) == RecordClass.MANUFACTURE
    assert rules.record_class(None) == RecordClass.MANUFACTURE
    assert rules.record_class(EventKind.IMPORTED) == RecordClass.OTHER


def test_destroying_a_weapon_keeps_all_its_records(weapon_factory):
    weapon = weapon_factory()
    record_life_event(weapon=weapon, data=EventInput(kind="destroyed", occurred_on=D(2001, 1, 1)))
    weapon.refresh_from_db()
    assert weapon.status == "destroyed"
    assert Weapon.objects.filter(pk=weapon.pk).exists()
    assert Event.objects.filter(weapon=weapon).count() == 2


def test_purge_is_refused_inside_the_floor_and_the_refusal_is_audited(weapon_factory):
    weapon = weapon_factory(year_of_manufacture=2015)
    with pytest.raises(RetentionFloor, match="may not be purged before"):
        purge_weapon(weapon=weapon, policy=P.ITI, reason="clean-up")
    assert Weapon.objects.filter(pk=weapon.pk).exists()
    assert AuditEntry.objects.filter(tag="registry:weapon:purge_refused").count() == 1


def test_purge_is_refused_under_the_default_indefinite_policy(weapon_factory):
    weapon = weapon_factory(year_of_manufacture=1950)
    with pytest.raises(RetentionFloor, match="never"):
        purge_weapon(weapon=weapon, policy=P.INDEFINITE, reason="old")
    assert Weapon.objects.filter(pk=weapon.pk).exists()


def test_eu_policy_keeps_records_thirty_years_after_destruction(weapon_factory):
    weapon = weapon_factory(year_of_manufacture=1960)
    assert earliest_purge_for_weapon(weapon, P.EU) is None  # not destroyed: keep
    record_life_event(weapon=weapon, data=EventInput(kind="destroyed", occurred_on=D(2000, 5, 1)))
    assert earliest_purge_for_weapon(weapon, P.EU) == D(2030, 5, 1)
    with pytest.raises(RetentionFloor):
        purge_weapon(weapon=weapon, policy=P.EU, reason="destroyed long ago")


def test_purge_past_every_floor_removes_the_records_and_leaves_an_audit_event(weapon_factory):
    # Manufactured 1990-06-01: manufacture floor 2020, identity (year 1990) floor 2020.
    weapon = weapon_factory(year_of_manufacture=1990)
    weapon_id = str(weapon.pk)
    assert earliest_purge_for_weapon(weapon, P.ITI) == D(2020, 12, 31)
    purge_weapon(weapon=weapon, policy=P.ITI, reason="national law allows after floor")
    assert not Weapon.objects.filter(pk=weapon_id).exists()
    purged = AuditEntry.objects.get(tag="registry:weapon:purged")
    assert purged.object_id == weapon_id
    assert purged.data["reason"] == "national law allows after floor"
