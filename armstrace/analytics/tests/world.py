"""A fixed synthetic registry and its traces, built through the services, for the analytics
tests. Every figure the tests expect is worked out by hand in test_selectors.py from the
story told here.

Our state is Kenya (KE). Parties: importers I1 and I2, dealers D1, D2, D3, individuals
C1-C5, a company Co1. The period under test is the calendar year 2024. All times are UTC.

Weapons (registry agency; events, in order):
  W1  assault rifle, A: imported 2015-03-01 by I1 (import mark); I1->D1 2016-01-10;
      D1->C1 2018-05-01; stolen 2023-02-01; seized 2024-03-02
  W2  pistol, A: imported 2019-07-01 by I1 (no import mark); I1->D1 2020-02-01;
      D1->C2 2023-06-01; seized 2024-05-10
  W3  assault rifle made in BE, A: imported 2000-01-15 by I2 (mark); I2->D1 2001-03-01;
      D1->Co1 2002-04-01; lost 2010-01-01; found 2024-08-01
  W4  assault rifle, B: imported 2012-01-01 by I2 (mark); I2->D2 2012-06-01;
      D2->C3 2017-01-01; exported to UG 2020-01-01 (found in Uganda later)
  W5  assault rifle, B: imported 2021-01-01 by I1 (no mark); I1->D1 2021-02-01;
      D1->C4 2021-03-01; seized 2024-09-15
  W6  pistol, A: imported 2024-02-01 by I2 (no mark); I2->D3 2024-02-15;
      D3->C5 2024-03-01; surrendered 2024-10-01 (never traced)
  W7  assault rifle, A: imported 1998-05-01 by I2 (mark); exported to TZ 1999-01-01;
      seized 2024-06-01
  W11 assault rifle, A: imported 2024-04-01 by I1 (mark); still in stock
  W12 assault rifle, B: imported 2019-01-01 by I1 (mark); seized 2024-12-10

Trace requests (sent or received at 10:00 on the day shown unless said otherwise):
  T1  domestic, agency A, W1: found 2024-03-02 seized, Eastleigh, Nairobi, armed robbery;
      sent 03-05, acknowledged 03-06, answer released complete 03-15
  T2  domestic, A, W2 (pistol): found 2024-05-10 seized, Kibera, Nairobi, illegal possession;
      sent 05-11, ack 05-13, delayed 05-20 (investigation), resumed 05-25, released
      partial 06-10
  T3  domestic, A, W3: found 2024-08-01 found, Kisumu, no offence; sent 08-02 10:00, ack
      08-02 22:00, released complete 08-09
  T4  incoming from UG, W4: found 2024-04-01 seized, Kampala, smuggling; received 04-02,
      ack 04-04, released complete 04-22
  T5  domestic, B, W5: found 2024-09-15 seized, Eastleigh, Nairobi, armed robbery; sent
      09-16, ack 09-18, released complete 09-26
  T7  domestic, A, W7: found 2024-06-01 seized, Garissa, terrorism; sent 06-03, ack 06-04,
      released complete 06-13 (the chain ends in the export to TZ)
  T7F outgoing follow-up of T7 to TZ: sent 06-20; answer received 2024-07-20 (recorded at
      10:00): complete, a sale to an individual 2022-01-10, point of diversion established
  T8  domestic, B, no weapon: found 2024-07-07 found, Mombasa, no offence; sent 07-08,
      ack 07-09, refused 07-20 (legal protection, other)
  T9  incoming from UG, no weapon: found 2024-02-10 seized, Gulu, arms trafficking;
      received 02-12, ack 02-19, restricted 03-01 (national security)
  T10 outgoing to RS: found 2024-10-05 seized, Nairobi CBD, armed robbery; sent 10-06,
      RS acknowledged 10-08; answer received 2024-11-04 (recorded at 10:00): complete,
      the last legal record an export to KE in 2010
  T11 domestic, A, no weapon: found 2023-11-01 seized, Thika, robbery; sent 2023-11-02,
      ack 2023-11-03, delayed 2023-11-10 (investigation): outside the period
  T13 outgoing to BG: found 2024-12-01 seized, Busia, smuggling; sent 12-02; no reply
  T14 domestic, B, W12: found 2024-12-10 seized, Nakuru, illegal possession; sent 12-11,
      ack 12-12; an answer drafted, not released
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from armstrace.accounts.services import create_agency, create_user
from armstrace.core import clock
from armstrace.registry.services import (
    EventInput,
    MarkInput,
    WeaponInput,
    create_party,
    record_life_event,
    register_weapon,
)
from armstrace.tracing import exchange, services
from armstrace.tracing.tests.helpers import request_input

UTC = dt.UTC
PASSWORD = "correct horse battery staple 42"


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: moment)
        yield


def ten(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=UTC)


@dataclass
class World:
    agencies: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    parties: dict[str, Any] = field(default_factory=dict)
    weapons: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, Any] = field(default_factory=dict)


def _people(world: World) -> None:
    world.agencies = {
        "national": create_agency(
            code="NFR", name="National Firearms Registry", kind="registry", country="KE",
            national_scope=True,
        ),
        "a": create_agency(code="PA", name="Police Agency A", kind="police", country="KE"),
        "b": create_agency(code="PB", name="Police Agency B", kind="police", country="KE"),
    }  # fmt: skip
    for name, agency, role in (
        ("poc", "national", "poc"),
        ("auditor", "national", "auditor"),
        ("investigator_a", "a", "investigator"),
        ("investigator_b", "b", "investigator"),
    ):
        world.users[name] = create_user(
            username=name, password=PASSWORD, agency=world.agencies[agency], roles=[role],
            check_password=False,
        )  # fmt: skip
    kinds = {"I1": "importer", "I2": "importer", "D1": "dealer", "D2": "dealer", "D3": "dealer",
             "Co1": "company"}  # fmt: skip
    names = {"I1": "Kenya Arms Importers", "I2": "Savannah Imports", "D1": "Nairobi Gun Shop",
             "D2": "Mombasa Sporting", "D3": "Kisumu Arms",
             "Co1": "Tsavo Security Ltd"}  # fmt: skip
    for key, kind in kinds.items():
        world.parties[key] = create_party(kind=kind, name=names[key], country="KE")
    for n in range(1, 6):
        world.parties[f"C{n}"] = create_party(kind="individual", name=f"Citizen {n}", country="KE")


def _weapon(
    world: World,
    key: str,
    agency: str,
    importer: str,
    imported: str,
    *,
    weapon_type: str = "assault-rifle",
    made_in: str = "RS",
    year: int = 1990,
    marked: bool = True,
) -> Any:
    p = world.parties
    marks = [MarkInput(role="import", text=f"KE {imported[:4]}")] if marked else []
    data = WeaponInput(
        serial_number=f"AN-{key}",
        manufacturer_name="Zastava Arms" if made_in == "RS" else "FN Herstal",
        weapon_type=weapon_type,
        country_of_manufacture=made_in,
        model="M70" if weapon_type == "assault-rifle" else "CZ99",
        calibre="7.62x39" if weapon_type == "assault-rifle" else "9x19",
        year_of_manufacture=year,
        import_country="KE",
        import_year=int(imported[:4]),
        marks=marks,
    )
    first = EventInput(
        kind="imported",
        occurred_on=dt.date.fromisoformat(imported),
        country="KE",
        counterpart_country=made_in,
        to_party=p[importer],
    )
    weapon = register_weapon(agency=world.agencies[agency], data=data, first_event=first)
    world.weapons[key] = weapon
    return weapon


def _event(world: World, weapon: str, kind: str, day: str, **parties: str) -> None:
    p = world.parties
    data = EventInput(
        kind=kind,
        occurred_on=dt.date.fromisoformat(day),
        country="KE",
        from_party=p[parties["src"]] if "src" in parties else None,
        to_party=p[parties["to"]] if "to" in parties else None,
        counterpart_country=parties.get("abroad"),
    )
    record_life_event(weapon=world.weapons[weapon], data=data)


def _registry(world: World) -> None:
    _weapon(world, "W1", "a", "I1", "2015-03-01")
    _event(world, "W1", "transferred", "2016-01-10", src="I1", to="D1")
    _event(world, "W1", "transferred", "2018-05-01", src="D1", to="C1")
    _event(world, "W1", "stolen", "2023-02-01")
    _event(world, "W1", "seized", "2024-03-02")
    _weapon(world, "W2", "a", "I1", "2019-07-01", weapon_type="pistol", year=2010, marked=False)
    _event(world, "W2", "transferred", "2020-02-01", src="I1", to="D1")
    _event(world, "W2", "transferred", "2023-06-01", src="D1", to="C2")
    _event(world, "W2", "seized", "2024-05-10")
    _weapon(world, "W3", "a", "I2", "2000-01-15", made_in="BE", year=1985)
    _event(world, "W3", "transferred", "2001-03-01", src="I2", to="D1")
    _event(world, "W3", "transferred", "2002-04-01", src="D1", to="Co1")
    _event(world, "W3", "lost", "2010-01-01")
    _event(world, "W3", "found", "2024-08-01")
    _weapon(world, "W4", "b", "I2", "2012-01-01", year=1995)
    _event(world, "W4", "transferred", "2012-06-01", src="I2", to="D2")
    _event(world, "W4", "transferred", "2017-01-01", src="D2", to="C3")
    _event(world, "W4", "exported", "2020-01-01", abroad="UG")
    _weapon(world, "W5", "b", "I1", "2021-01-01", year=2000, marked=False)
    _event(world, "W5", "transferred", "2021-02-01", src="I1", to="D1")
    _event(world, "W5", "transferred", "2021-03-01", src="D1", to="C4")
    _event(world, "W5", "seized", "2024-09-15")
    _weapon(world, "W6", "a", "I2", "2024-02-01", weapon_type="pistol", year=2005, marked=False)
    _event(world, "W6", "transferred", "2024-02-15", src="I2", to="D3")
    _event(world, "W6", "transferred", "2024-03-01", src="D3", to="C5")
    _event(world, "W6", "surrendered", "2024-10-01")
    _weapon(world, "W7", "a", "I2", "1998-05-01", year=1998)
    _event(world, "W7", "exported", "1999-01-01", abroad="TZ")
    _event(world, "W7", "seized", "2024-06-01")
    _weapon(world, "W11", "a", "I1", "2024-04-01", year=2020)
    _weapon(world, "W12", "b", "I1", "2019-01-01", year=2018)
    _event(world, "W12", "seized", "2024-12-10")


def _request(world: World, key: str, who: str, direction: str, when: dt.datetime, **fields: Any):
    build = {"domestic": request_input, "outgoing": _outgoing, "incoming": _incoming}[direction]
    with at(when):
        trace = services.create_request(actor=world.users[who], data=build(**fields))
        if direction != "incoming":
            services.transition(request=trace, to="sent", actor=world.users["poc"])
    world.requests[key] = trace
    return trace


def _outgoing(**fields: Any) -> services.RequestInput:
    base = {"direction": "outgoing", "channel": "bilateral_npc", "routing_reason": "manufacture"}
    return request_input(**{**base, **fields})


def _incoming(**fields: Any) -> services.RequestInput:
    base = {"direction": "incoming", "channel": "interpol", "requesting_state": "UG",
            "requesting_agency_name": "Uganda Police Force"}  # fmt: skip
    return request_input(**{**base, **fields})


def _step(world: World, key: str, to: str, when: dt.datetime, **kw: Any) -> None:
    with at(when):
        services.transition(request=world.requests[key], to=to, actor=world.users["poc"], **kw)


def _release(world: World, key: str, weapon: str, when: dt.datetime, completeness: str) -> None:
    poc = world.users["poc"]
    trace = world.requests[key]
    with at(when):
        answer = services.draft_answer(
            request=trace, actor=poc, weapon_id=str(world.weapons[weapon].pk)
        )
        services.release_answer(answer=answer, actor=poc, completeness=completeness)


def _receive(world: World, key: str, when: dt.datetime, **content: Any) -> None:
    data = exchange.ReceivedAnswer(
        completeness="complete",
        answered_on=when.date(),
        confidentiality="restricted",
        use_restrictions="Law enforcement only",
        **content,
    )
    with at(when):
        exchange.record_received_answer(
            request=world.requests[key], actor=world.users["poc"], data=data
        )


def _found(day: str, place: str, offence: str = "", context: str = "seized") -> dict[str, Any]:
    return {"found_on": day, "found_place": place, "offence": offence, "found_context": context}


def _traces(world: World) -> None:
    r, step = _request, _step
    pistol = {
        "weapon_type": "pistol",
        "calibre": "9x19",
        "model": "CZ99",
        "serial_as_read": "AN-W2",
    }

    r(world, "T1", "investigator_a", "domestic", ten("2024-03-05"), serial_as_read="AN-W1",
      **_found("2024-03-02", "Eastleigh, Nairobi", "armed robbery"))  # fmt: skip
    step(world, "T1", "acknowledged", ten("2024-03-06"))
    _release(world, "T1", "W1", ten("2024-03-15"), "complete")

    r(world, "T2", "investigator_a", "domestic", ten("2024-05-11"),
      **pistol, **_found("2024-05-10", "Kibera, Nairobi", "illegal possession"))  # fmt: skip
    step(world, "T2", "acknowledged", ten("2024-05-13"))
    step(world, "T2", "delayed", ten("2024-05-20"), grounds=["investigation"], reasons="Case open")
    step(world, "T2", "in_progress", ten("2024-05-25"))
    _release(world, "T2", "W2", ten("2024-06-10"), "partial")

    r(world, "T3", "investigator_a", "domestic", ten("2024-08-02"), serial_as_read="AN-W3",
      country_of_manufacture="BE", **_found("2024-08-01", "Kisumu", context="found"))  # fmt: skip
    step(world, "T3", "acknowledged", ten("2024-08-02", 22))
    _release(world, "T3", "W3", ten("2024-08-09"), "complete")

    r(world, "T4", "poc", "incoming", ten("2024-04-02"), serial_as_read="AN-W4",
      **_found("2024-04-01", "Kampala", "smuggling"))  # fmt: skip
    step(world, "T4", "acknowledged", ten("2024-04-04"))
    _release(world, "T4", "W4", ten("2024-04-22"), "complete")

    r(world, "T5", "investigator_b", "domestic", ten("2024-09-16"), serial_as_read="AN-W5",
      **_found("2024-09-15", "Eastleigh, Nairobi", "armed robbery"))  # fmt: skip
    step(world, "T5", "acknowledged", ten("2024-09-18"))
    _release(world, "T5", "W5", ten("2024-09-26"), "complete")

    r(world, "T7", "investigator_a", "domestic", ten("2024-06-03"), serial_as_read="AN-W7",
      **_found("2024-06-01", "Garissa", "terrorism"))  # fmt: skip
    step(world, "T7", "acknowledged", ten("2024-06-04"))
    _release(world, "T7", "W7", ten("2024-06-13"), "complete")
    r(world, "T7F", "poc", "outgoing", ten("2024-06-20"), serial_as_read="AN-W7",
      requested_state="TZ", routing_reason="last_import", parent=world.requests["T7"],
      case_ref="", **_found("2024-06-01", "Garissa", "terrorism"))  # fmt: skip
    _receive(
        world,
        "T7F",
        ten("2024-07-20"),
        summary="Sold to a private buyer, reported stolen in 2023.",
        supply_chain=[
            {"event": "imported", "date": "1999-02-01", "country": "TZ"},
            {
                "event": "transferred",
                "date": "2022-01-10",
                "country": "TZ",
                "to": {"name": "[redacted]", "kind": "individual", "personal": True},
            },
        ],
        last_legal_record={"event": "transferred", "date": "2022-01-10", "country": "TZ"},
        diversion_established=True,
        diversion_how="Reported stolen in 2023",
    )

    r(world, "T8", "investigator_b", "domestic", ten("2024-07-08"), serial_as_read="XX-404",
      **_found("2024-07-07", "Mombasa", context="found"))  # fmt: skip
    step(world, "T8", "acknowledged", ten("2024-07-09"))
    step(world, "T8", "refused", ten("2024-07-20"), grounds=["legal_protection", "other"],
         reasons="Sealed court file")  # fmt: skip

    r(world, "T9", "poc", "incoming", ten("2024-02-12"), serial_as_read="UG-777",
      **_found("2024-02-10", "Gulu", "arms trafficking"))  # fmt: skip
    step(world, "T9", "acknowledged", ten("2024-02-19"))
    step(world, "T9", "restricted", ten("2024-03-01"), grounds=["national_security"],
         reasons="Security")  # fmt: skip

    r(world, "T10", "poc", "outgoing", ten("2024-10-06"), serial_as_read="RS-1010",
      requested_state="RS", **_found("2024-10-05", "Nairobi CBD", "armed robbery"))  # fmt: skip
    step(world, "T10", "acknowledged", ten("2024-10-08"))
    _receive(
        world,
        "T10",
        ten("2024-11-04"),
        summary="Exported to Kenya in 2010.",
        supply_chain=[
            {"event": "manufactured", "date": "2009-05-05", "country": "RS"},
            {
                "event": "exported",
                "date": "2010-01-01",
                "country": "RS",
                "counterpart_country": "KE",
            },
        ],
        last_legal_record={"event": "exported", "date": "2010-01-01", "country": "KE"},
    )

    r(world, "T11", "investigator_a", "domestic", ten("2023-11-02"), serial_as_read="XX-2023",
      **_found("2023-11-01", "Thika", "robbery"))  # fmt: skip
    step(world, "T11", "acknowledged", ten("2023-11-03"))
    step(world, "T11", "delayed", ten("2023-11-10"), grounds=["investigation"], reasons="Open")

    r(world, "T13", "poc", "outgoing", ten("2024-12-02"), serial_as_read="BG-13",
      requested_state="BG", **_found("2024-12-01", "Busia", "smuggling"))  # fmt: skip

    r(world, "T14", "investigator_b", "domestic", ten("2024-12-11"), serial_as_read="AN-W12",
      **_found("2024-12-10", "Nakuru", "illegal possession"))  # fmt: skip
    step(world, "T14", "acknowledged", ten("2024-12-12"))
    with at(ten("2024-12-13")):
        services.draft_answer(
            request=world.requests["T14"],
            actor=world.users["poc"],
            weapon_id=str(world.weapons["W12"].pk),
        )


def build_world() -> World:
    world = World()
    _people(world)
    _registry(world)
    _traces(world)
    return world
