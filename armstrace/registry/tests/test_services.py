"""Registration, components with history, marks, and the validation of bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from armstrace.core.exceptions import DomainValidationError
from armstrace.registry.models import Component, Weapon
from armstrace.registry.services import (
    ComponentInput,
    EventInput,
    MarkInput,
    WeaponInput,
    add_component,
    add_mark,
    register_weapon,
    replace_component,
)


def _data(**overrides) -> WeaponInput:
    fields: dict[str, Any] = {
        "serial_number": "ab-12 345",
        "manufacturer_name": "Zastava",
        "weapon_type": "assault-rifle",
        "country_of_manufacture": "RS",
        "year_of_manufacture": 1985,
    }
    fields.update(overrides)
    return WeaponInput(**fields)


def _manufactured(day: dt.date = dt.date(1985, 1, 2)) -> EventInput:
    return EventInput(kind="manufactured", occurred_on=day)


def test_a_weapon_gets_a_stable_id_and_a_normalised_serial(agencies):
    weapon = register_weapon(agency=agencies["a"], data=_data(), first_event=_manufactured())
    assert weapon.serial_number == "ab-12 345"
    assert weapon.serial_norm == "AB12345"
    same_serial = register_weapon(agency=agencies["a"], data=_data(), first_event=_manufactured())
    assert same_serial.pk != weapon.pk  # serials are not unique across makers and models


def test_cyrillic_look_alikes_normalise_to_latin(agencies):
    weapon = register_weapon(
        agency=agencies["a"], data=_data(serial_number="АК 4711"), first_event=_manufactured()
    )
    assert weapon.serial_norm == "AK4711"


def test_an_unresolved_manufacturer_is_kept_as_written(agencies):
    weapon = register_weapon(
        agency=agencies["a"],
        data=_data(manufacturer_name="Fab. Nac. ¿?"),
        first_event=_manufactured(),
    )
    assert weapon.manufacturer is None
    assert weapon.manufacturer_name == "Fab. Nac. ¿?"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"weapon_type": "laser-gun"}, "weapon_type", "unknown_choice"),
        ({"serial_number": "AB\x0712"}, "serial_number", "control_characters"),
        ({"serial_number": "  "}, "serial_number", "required"),
        ({"serial_number": "--//"}, "serial_number", "required"),
        ({"serial_number": "9" * 65}, "serial_number", "too_long"),
        ({"year_of_manufacture": 1500}, "year_of_manufacture", "impossible_year"),
        (
            {"year_of_manufacture": dt.date.today().year + 1},
            "year_of_manufacture",
            "impossible_year",
        ),
        ({"country_of_manufacture": "XX"}, "country_of_manufacture", "unknown_country"),
        ({"manufacturer_name": ""}, "manufacturer_name", "required"),
    ],
)
def test_bad_identity_is_refused_naming_the_field(agencies, overrides, field, code):
    with pytest.raises(DomainValidationError) as err:
        register_weapon(agency=agencies["a"], data=_data(**overrides), first_event=_manufactured())
    assert (err.value.field, err.value.code) == (field, code)
    assert not Weapon.objects.exists()


def test_future_dates_and_unknown_events_are_refused(agencies):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(DomainValidationError) as err:
        register_weapon(agency=agencies["a"], data=_data(), first_event=_manufactured(tomorrow))
    assert err.value.code == "future_date"
    with pytest.raises(DomainValidationError) as err:
        register_weapon(
            agency=agencies["a"],
            data=_data(),
            first_event=EventInput(kind="teleported", occurred_on=dt.date(2000, 1, 1)),
        )
    assert (err.value.field, err.value.code) == ("kind", "unknown_choice")
    assert not Weapon.objects.exists()


def test_a_first_event_before_the_year_of_manufacture_is_refused(agencies):
    with pytest.raises(DomainValidationError) as err:
        register_weapon(
            agency=agencies["a"],
            data=_data(year_of_manufacture=1990),
            first_event=_manufactured(dt.date(1989, 12, 31)),
        )
    assert err.value.code == "date_order"


def test_a_failure_half_way_writes_nothing(agencies):
    bad_mark = MarkInput(role="not-a-role", text="X")
    with pytest.raises(DomainValidationError):
        register_weapon(
            agency=agencies["a"], data=_data(marks=[bad_mark]), first_event=_manufactured()
        )
    assert not Weapon.objects.exists()
    assert not Component.objects.exists()


def test_replacing_a_component_keeps_its_history(agencies):
    weapon = register_weapon(
        agency=agencies["a"],
        data=_data(components=[ComponentInput("barrel", "B-100", dt.date(1985, 1, 2))]),
        first_event=_manufactured(),
    )
    barrel = weapon.components.get()
    new = replace_component(
        component=barrel,
        new_serial_number="B-200",
        replaced_on=dt.date(2005, 1, 1),
        reason="worn out",
    )
    barrel.refresh_from_db()
    assert barrel.removed_on == dt.date(2005, 1, 1)
    assert new.replaces == barrel
    assert list(weapon.components.values_list("serial_norm", "removed_on")) == [
        ("B100", dt.date(2005, 1, 1)),
        ("B200", None),
    ]
    with pytest.raises(DomainValidationError, match="already removed"):
        replace_component(
            component=barrel,
            new_serial_number="B-300",
            replaced_on=dt.date(2006, 1, 1),
            reason="again",
        )


def test_marks_link_to_the_current_component(agencies):
    weapon = register_weapon(agency=agencies["a"], data=_data(), first_event=_manufactured())
    add_component(weapon=weapon, data=ComponentInput("receiver", "R-1"))
    mark = add_mark(
        weapon=weapon,
        data=MarkInput(role="import", text="KE 19", method="laser", component_type="receiver"),
    )
    assert mark.component is not None and mark.component.serial_norm == "R1"
    assert mark.text_norm == "KE19"
    with pytest.raises(DomainValidationError) as err:
        add_mark(weapon=weapon, data=MarkInput(role="import", text="X", component_type="slide"))
    assert err.value.field == "component_type"
