"""Reads from the registry, already restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from armstrace.accounts.permissions import has_permission
from armstrace.core.text import normalise_serial
from armstrace.registry import rules
from armstrace.registry.choices import EventKind
from armstrace.registry.models import Event, Party, Weapon
from armstrace.registry.permissions import PARTY_VIEW, WEAPON_VIEW

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import Agency, User


def weapons_for(user: User | AnonymousUser) -> QuerySet[Weapon]:
    if not has_permission(user, WEAPON_VIEW):
        return Weapon.objects.none()
    return Weapon.objects.select_related("country_of_manufacture", "holder", "agency")


def filter_weapons(
    weapons: QuerySet[Weapon],
    *,
    serial: str = "",
    serial_prefix: bool = False,
    manufacturer: str = "",
    model: str = "",
    status: str = "",
    weapon_type: str = "",
    country: str = "",
    agency: Agency | None = None,
    agency_code: str = "",
    record_ref: str = "",
) -> QuerySet[Weapon]:
    """The weapons matching every filter given; one place for the list page and the API.
    A serial is compared normalised, equal or (with `serial_prefix`) as a prefix."""
    if norm := normalise_serial(serial):
        lookup = "serial_norm__startswith" if serial_prefix else "serial_norm"
        weapons = weapons.filter(**{lookup: norm})
    if record_ref:
        weapons = weapons.filter(record_ref=record_ref.strip())
    if manufacturer:
        weapons = weapons.filter(manufacturer_name__icontains=manufacturer)
    if model:
        weapons = weapons.filter(model__icontains=model)
    if status:
        weapons = weapons.filter(status=status)
    if weapon_type:
        weapons = weapons.filter(weapon_type=weapon_type)
    if country:
        weapons = weapons.filter(country_of_manufacture_id=country.upper())
    if agency is not None:
        weapons = weapons.filter(agency=agency)
    if agency_code:
        weapons = weapons.filter(agency__code=agency_code)
    return weapons


def parties_for(user: User | AnonymousUser) -> QuerySet[Party]:
    if not has_permission(user, PARTY_VIEW):
        return Party.objects.none()
    return Party.objects.all()


def timeline(weapon: Weapon) -> QuerySet[Event]:
    return weapon.events.select_related(
        "from_party", "to_party", "country", "counterpart_country"
    ).order_by("seq")


def record_dates(weapon: Weapon) -> list[tuple[EventKind | None, dt.date]]:
    """Each record of a weapon with the date its retention clock starts."""
    identity_date = (
        dt.date(weapon.year_of_manufacture, 12, 31)
        if weapon.year_of_manufacture
        else weapon.registered_at.date()
    )
    records: list[tuple[EventKind | None, dt.date]] = [(None, identity_date)]
    records += [
        (EventKind(kind), day) for kind, day in weapon.events.values_list("kind", "occurred_on")
    ]
    return records


def destroyed_on(weapon: Weapon) -> dt.date | None:
    return (
        weapon.events.filter(kind=EventKind.DESTROYED).values_list("occurred_on", flat=True).first()
    )


def earliest_purge_for_weapon(weapon: Weapon, policy: str) -> dt.date | None:
    """The day every record of the weapon is past its floor, or None if never."""
    destroyed = destroyed_on(weapon)
    dates = []
    for kind, day in record_dates(weapon):
        earliest = rules.earliest_purge_date(policy, rules.record_class(kind), day, destroyed)
        if earliest is None:
            return None
        dates.append(earliest)
    return max(dates)
