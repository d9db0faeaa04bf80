"""The life-cycle transition table, driven exhaustively through the service layer.

SPEC is the table written out by hand from the domain, independently of rules.py: each
row is an event, each column a status the weapon is in ("new" = the weapon's first event);
"x" means the event is allowed, "." that it must be refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.registry import rules
from armstrace.registry.choices import EventKind, Status
from armstrace.registry.exceptions import TransitionRefused
from armstrace.registry.models import Event, Weapon
from armstrace.registry.services import (
    EventInput,
    WeaponInput,
    create_party,
    record_life_event,
    register_weapon,
)

COLUMNS = ["new", "manufactured", "in_stock", "civilian", "state_holding", "issued",
           "in_transit", "exported", "lost", "stolen", "found", "seized", "surrendered",
           "recovered", "deactivated", "destroyed", "unknown"]  # fmt: skip
SPEC = """
                      new mfd stk civ sta iss trn exp los sto fnd sez sur rec dea des  unk
registered             x   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .  .
manufactured           x   .   .   .   .   .   .   .   .   .   .   .   .   .   .   .  .
imported               x   .   .   .   .   .   x   x   .   .   .   .   .   .   .   .  .
exported               .   x   x   x   x   .   x   .   .   .   .   .   .   .   .   .  x
in_transit             x   x   x   x   x   .   .   .   .   .   .   .   .   .   .   .  x
transferred            .   x   x   x   x   .   x   .   .   .   x   x   x   x   .   .  x
issued                 .   .   .   .   x   .   .   .   .   .   .   .   .   .   .   .  .
returned               .   .   .   .   .   x   .   .   .   .   .   .   .   .   .   .  .
lost                   .   x   x   x   x   x   x   .   .   .   .   .   .   .   .   .  x
stolen                 .   x   x   x   x   x   x   .   .   .   .   .   .   .   .   .  x
found                  x   x   x   x   x   x   x   x   x   x   .   .   .   .   x   .  x
seized                 x   x   x   x   x   x   x   x   x   x   .   .   .   .   x   .  x
surrendered            x   x   x   x   .   .   .   .   x   x   .   .   .   .   x   .  x
recovered              .   .   .   .   .   .   .   .   x   x   .   .   .   .   .   .  .
deactivated            .   x   x   x   x   x   .   .   .   .   x   x   x   x   .   .  x
converted              .   x   x   x   x   x   .   .   .   .   .   .   .   .   .   .  x
destroyed              .   x   x   x   x   x   .   .   .   .   x   x   x   x   x   .  x
records_handed_over    .   x   x   x   x   x   x   x   x   x   x   x   x   x   x   x  x
"""


def spec() -> dict[tuple[str, str], bool]:
    table = {}
    for line in SPEC.strip().splitlines()[1:]:
        event, *cells = line.split()
        assert len(cells) == len(COLUMNS), event
        table.update({(event, col): cell == "x" for col, cell in zip(COLUMNS, cells, strict=True)})
    return table


DAY = dt.date(2000, 1, 1)
# How to bring a weapon into each status: (event, receiving party kind or None).
PATHS: dict[str, list[tuple[str, str | None]]] = {
    "manufactured": [("manufactured", None)],
    "in_stock": [("manufactured", None), ("transferred", "dealer")],
    "civilian": [("manufactured", None), ("transferred", "individual")],
    "state_holding": [("manufactured", None), ("transferred", "state_unit")],
    "issued": [("manufactured", None), ("transferred", "state_unit"), ("issued", "state_unit")],
    "in_transit": [("manufactured", None), ("in_transit", None)],
    "exported": [("manufactured", None), ("exported", None)],
    "lost": [("manufactured", None), ("transferred", "individual"), ("lost", None)],
    "stolen": [("manufactured", None), ("transferred", "individual"), ("stolen", None)],
    "found": [("found", None)],
    "seized": [("seized", None)],
    "surrendered": [("surrendered", None)],
    "recovered": [
        ("manufactured", None),
        ("transferred", "individual"),
        ("stolen", None),
        ("recovered", None),
    ],
    "deactivated": [("manufactured", None), ("deactivated", None)],
    "destroyed": [("manufactured", None), ("destroyed", None)],
    "unknown": [("registered", None)],
}


class _Rollback(Exception):
    pass


@pytest.fixture
def parties(db: Any) -> dict[str, Any]:
    return {
        "manufacturer": create_party(kind="manufacturer", name="Fabrika Oružja", country="RS"),
        "dealer": create_party(kind="dealer", name="Gun Shop Ltd", licence_number="D-1"),
        "individual": create_party(kind="individual", name="A. Holder", licence_number="L-9"),
        "state_unit": create_party(kind="state_unit", name="2nd Battalion"),
    }


def _event(kind: str, parties: dict[str, Any], to_kind: str | None = None) -> EventInput:
    transition = rules.TABLE[EventKind(kind)]
    if to_kind is None and transition.needs_to_party:
        to_kind = "state_unit" if kind in {"issued", "returned"} else "individual"
    return EventInput(
        kind=kind,
        occurred_on=DAY,
        to_party=parties[to_kind] if to_kind else None,
        counterpart_country="DE" if transition.needs_counterpart_country else None,
    )


def _register(agency: Any, parties: dict[str, Any], first: EventInput) -> Weapon:
    data = WeaponInput(
        serial_number="T-0001",
        manufacturer_name="Fabrika Oružja",
        manufacturer=parties["manufacturer"],
        weapon_type="pistol",
    )
    return register_weapon(agency=agency, data=data, first_event=first)


def _attempt(action: Any) -> bool:
    """Run `action` and undo it; True if the service accepted it."""
    try:
        with transaction.atomic():
            action()
            raise _Rollback
    except _Rollback:
        return True
    except TransitionRefused:
        return False


@pytest.mark.parametrize("status", COLUMNS)
def test_each_event_is_allowed_or_refused_exactly_as_the_table_says(status, agencies, parties):
    expected = spec()
    outcomes: dict[str, bool] = {}
    if status == "new":
        for kind in EventKind:
            first = _event(kind.value, parties)
            outcomes[kind.value] = _attempt(lambda f=first: _register(agencies["a"], parties, f))
    else:
        (first_kind, first_to), *rest = PATHS[status]
        weapon = _register(agencies["a"], parties, _event(first_kind, parties, first_to))
        for step, to_kind in rest:
            record_life_event(weapon=weapon, data=_event(step, parties, to_kind))
        assert weapon.status == status
        for kind in EventKind:
            data = _event(kind.value, parties)
            outcomes[kind.value] = _attempt(lambda d=data: record_life_event(weapon=weapon, data=d))
    mismatches = {k: v for k, v in outcomes.items() if v != expected[(k, status)]}
    assert not mismatches, f"from {status}: allowed={mismatches}"


def test_the_table_covers_every_event_and_every_status():
    assert set(rules.TABLE) == set(EventKind)
    assert {s.value for s in Status} | {"new"} == set(COLUMNS)


def test_a_transfer_after_destruction_is_refused_with_a_clear_error(agencies, parties):
    weapon = _register(agencies["a"], parties, _event("manufactured", parties))
    record_life_event(weapon=weapon, data=_event("destroyed", parties))
    events_before = Event.objects.count()
    with pytest.raises(TransitionRefused, match="'Destroyed' cannot be 'Transferred'") as err:
        record_life_event(weapon=weapon, data=_event("transferred", parties))
    assert err.value.field == "kind"
    assert Event.objects.count() == events_before


def test_an_export_of_a_stolen_weapon_is_refused(agencies, parties):
    weapon = _register(agencies["a"], parties, _event("manufactured", parties))
    record_life_event(weapon=weapon, data=_event("transferred", parties, "individual"))
    record_life_event(weapon=weapon, data=_event("stolen", parties))
    with pytest.raises(TransitionRefused, match="'Stolen' cannot be 'Exported'"):
        record_life_event(weapon=weapon, data=_event("exported", parties))
    weapon.refresh_from_db()
    assert weapon.status == Status.STOLEN


def test_status_and_holder_follow_the_events(agencies, parties):
    weapon = _register(agencies["a"], parties, _event("manufactured", parties))
    assert (weapon.status, weapon.holder) == (Status.MANUFACTURED, parties["manufacturer"])
    record_life_event(weapon=weapon, data=_event("transferred", parties, "dealer"))
    assert (weapon.status, weapon.holder) == (Status.IN_STOCK, parties["dealer"])
    record_life_event(weapon=weapon, data=_event("transferred", parties, "individual"))
    record_life_event(weapon=weapon, data=_event("stolen", parties))
    assert (weapon.status, weapon.holder) == (Status.STOLEN, parties["individual"])
    kinds = list(weapon.events.order_by("seq").values_list("kind", "status_after"))
    assert kinds == [
        ("manufactured", "manufactured"),
        ("transferred", "in_stock"),
        ("transferred", "civilian"),
        ("stolen", "stolen"),
    ]


def test_every_event_writes_a_change_record_and_a_typed_audit_event(agencies, parties):
    weapon = _register(agencies["a"], parties, _event("manufactured", parties))
    record_life_event(weapon=weapon, data=_event("transferred", parties, "individual"))
    tags = set(AuditEntry.objects.filter(object_id=str(weapon.pk)).values_list("tag", flat=True))
    assert {
        "registry:weapon:created",
        "registry:weapon:updated",
        "registry:weapon:registered",
        "registry:weapon:transferred",
    } <= tags
    change = AuditEntry.objects.filter(tag="registry:weapon:updated").last()
    assert change is not None and change.before is not None and change.after is not None
    assert (change.before["status"], change.after["status"]) == ("manufactured", "civilian")


def test_an_event_dated_before_the_last_one_is_refused(agencies, parties):
    weapon = _register(agencies["a"], parties, _event("manufactured", parties))
    late = _event("transferred", parties, "dealer")
    late.occurred_on = DAY - dt.timedelta(days=1)
    with pytest.raises(DomainValidationError) as err:
        record_life_event(weapon=weapon, data=late)
    assert (err.value.field, err.value.code) == ("occurred_on", "date_order")
