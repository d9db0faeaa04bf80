"""The analytics' own tables follow what they copy. The custody table (SDG 16.4.2): a
seizure, find or surrender gets its row as it is recorded, a correction of the weapon moves
its rows, `armstrace analytics rebuild` and the migration write the same rows again. The
request steps (trace statistics): the same, from the trace history."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from typing import Any

from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection

from armstrace.analytics import selectors as s
from armstrace.analytics import services
from armstrace.analytics.models import CustodyEvent, RequestSteps
from armstrace.analytics.selectors import Period
from armstrace.registry.models import Event
from armstrace.registry.services import EventInput, correct_weapon, record_life_event

YEAR_2024 = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
FIELDS = [f.attname for f in CustodyEvent._meta.concrete_fields]


def rows() -> set[tuple[Any, ...]]:
    return set(CustodyEvent.objects.values_list(*FIELDS))


def test_each_custody_event_of_the_registry_has_its_row(world, db):
    custody = Event.objects.filter(kind__in=["seized", "found", "surrendered"])
    expected = set(custody.values_list("pk", "weapon_id", "kind", "occurred_on"))
    assert {r[:4] for r in rows()} == expected and len(expected) == 7
    w6 = CustodyEvent.objects.get(weapon_id=world.weapons["W6"].pk)
    assert (w6.kind, w6.weapon_type) == ("surrendered", "pistol")
    assert w6.agency_id == world.agencies["a"].pk


def test_a_find_recorded_now_counts_in_the_sdg_at_once(world, db):
    record_life_event(
        weapon=world.weapons["W11"],
        data=EventInput(kind="found", occurred_on=dt.date(2024, 11, 2), country="KE"),
    )
    sdg = s.sdg_16_4_2(YEAR_2024)
    assert (sdg.seized_found_surrendered, sdg.traced_origin_established) == (8, 5)
    assert sdg.by_context["found"] == (1, 2)
    assert sdg.by_weapon_type["assault-rifle"] == (4, 6)


def test_a_weapon_seized_twice_in_the_period_counts_once_by_its_first_event(world, db):
    # W1 was seized on 2024-03-02; it goes back to its owner, then is found in November.
    weapon = world.weapons["W1"]
    back = EventInput(
        kind="transferred", occurred_on=dt.date(2024, 4, 1), to_party=world.parties["C1"]
    )
    record_life_event(weapon=weapon, data=back)
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="found", occurred_on=dt.date(2024, 11, 2), country="KE"),
    )
    sdg = s.sdg_16_4_2(YEAR_2024)
    assert (sdg.seized_found_surrendered, sdg.traced_origin_established) == (7, 5)
    assert sdg.by_context == {"seized": (4, 5), "found": (1, 1), "surrendered": (0, 1)}
    # From April on, the find is W1's first custody event of the period.
    since_april = s.sdg_16_4_2(Period(dt.date(2024, 4, 1), dt.date(2024, 12, 31)))
    assert since_april.by_context["found"] == (2, 2)


def test_a_corrected_weapon_type_moves_the_weapon_in_the_sdg(world, db):
    correct_weapon(
        weapon=world.weapons["W6"],
        changes={"weapon_type": "revolver"},
        reason="Inspection: it is a revolver",
    )
    sdg = s.sdg_16_4_2(YEAR_2024)
    assert sdg.by_weapon_type == {"assault-rifle": (4, 5), "pistol": (1, 1), "revolver": (0, 1)}
    assert s.sdg_16_4_2(YEAR_2024, weapon_type="revolver").seized_found_surrendered == 1


def test_the_rebuild_command_writes_the_same_rows(world, db):
    before = rows()
    CustodyEvent.objects.all().delete()  # as after a restore that left the table out
    assert s.sdg_16_4_2(YEAR_2024).seized_found_surrendered == 0
    out = io.StringIO()
    call_command("analytics", "rebuild", stdout=out)
    assert "7 custody events" in out.getvalue()
    assert rows() == before
    assert s.sdg_16_4_2(YEAR_2024).seized_found_surrendered == 7


def test_the_migration_fills_the_same_rows_as_the_upkeep(world, db):
    fill = importlib.import_module("armstrace.analytics.migrations.0004_custody_event").FILL
    world_rows = rows()
    CustodyEvent.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert rows() == world_rows


# --- the steps each trace request reached (trace statistics) -------------------------------

STEP_FIELDS = [f.attname for f in RequestSteps._meta.concrete_fields]


def step_rows() -> set[tuple[Any, ...]]:
    return set(RequestSteps.objects.values_list(*STEP_FIELDS))


def test_each_request_keeps_the_steps_it_reached_and_the_grounds_given(world, db):
    kept = step_rows()
    delayed = RequestSteps.objects.filter(delayed=1)
    assert {r.grounds for r in delayed} == {" delayed:investigation "}
    assert services.rebuild_steps() == len(kept) and step_rows() == kept
    migration = importlib.import_module("armstrace.analytics.migrations.0005_request_steps")
    RequestSteps.objects.all().delete()
    migration.fill(django_apps, None)
    assert step_rows() == kept
