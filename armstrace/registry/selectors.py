"""Reads from the registry, already restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from armstrace.accounts.models import Agency
from armstrace.accounts.permissions import has_permission
from armstrace.core.text import normalise_serial
from armstrace.registry import rules
from armstrace.registry.choices import EventKind, PartyKind, RecordClass
from armstrace.registry.models import Event, Image, Mark, Party, Restoration, Weapon
from armstrace.registry.permissions import MARK_CONCEALED, PARTY_VIEW, WEAPON_VIEW

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User


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
        weapons = weapons.filter(manufacturer_filter(manufacturer))
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


MAX_MANUFACTURERS = 50  # a filter naming more is too vague to help anyway


def manufacturer_filter(text: str) -> Q:
    """Weapons of the manufacturers whose name or reference alias contains `text`, each
    read through the (manufacturer, serial) index: scanning 10,000,000 weapons' names takes
    seconds. A name kept as written (no manufacturer record) is searched when no
    manufacturer matches."""
    text = text.strip()
    named = Q(name__icontains=text) | Q(manufacturer_ref__aliases__alias__icontains=text)
    makers = Party.objects.filter(named, kind=PartyKind.MANUFACTURER).distinct()
    ids = list(makers.values_list("pk", flat=True)[:MAX_MANUFACTURERS])
    if ids:
        return Q(manufacturer_id__in=ids)
    return Q(manufacturer__isnull=True, manufacturer_name__icontains=text)


# --- concealed marks ----------------------------------------------------------------


def concealed_agencies(user: User | AnonymousUser) -> frozenset[int]:
    """The agencies whose weapons' concealed marks the user may see (none, some, all)."""
    if not has_permission(user, MARK_CONCEALED):
        return frozenset()
    agencies = Agency.objects.only("pk", "national_scope")
    return frozenset(a.pk for a in agencies if has_permission(user, MARK_CONCEALED, agency=a))


def may_see_concealed(user: User | AnonymousUser, weapon: Weapon) -> bool:
    return has_permission(user, MARK_CONCEALED, agency=weapon.agency)


def _visible(user: User | AnonymousUser, weapon: Weapon, concealed: Q) -> Q:
    """A filter: all rows for a user who may see the weapon's concealed marks, else the
    rows that `concealed` does not select."""
    return Q() if may_see_concealed(user, weapon) else ~concealed


def marks_for(user: User | AnonymousUser, weapon: Weapon) -> QuerySet[Mark]:
    """The weapon's marks the user may see: concealed ones only with the permission."""
    marks = weapon.marks.select_related("component")
    return marks.filter(_visible(user, weapon, Q(concealed=True)))


def images_for(user: User | AnonymousUser, weapon: Weapon) -> QuerySet[Image]:
    """The weapon's images; an image of a concealed mark is concealed with it."""
    images = weapon.images.select_related("mark", "event")
    return images.filter(_visible(user, weapon, Q(mark__concealed=True)))


def restorations_for(user: User | AnonymousUser, weapon: Weapon) -> QuerySet[Restoration]:
    restorations = weapon.restorations.select_related("mark")
    return restorations.filter(_visible(user, weapon, Q(mark__concealed=True)))


def image_for(user: User | AnonymousUser, pk: int) -> Image | None:
    """One image, if the user may see its weapon and, for a concealed mark, the mark."""
    image = (
        Image.objects.select_related("weapon__agency", "mark")
        .filter(pk=pk, weapon__in=weapons_for(user))
        .first()
    )
    hidden = image is not None and image.mark is not None and image.mark.concealed
    if image is None or (hidden and not may_see_concealed(user, image.weapon)):
        return None
    return image


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
    identity_date = rules.identity_record_date(weapon.year_of_manufacture, weapon.registered_at)
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


# --- retention report --------------------------------------------------------------

RETENTION_CHUNK = 2000  # weapons per pair of queries: bounded memory, few round trips
IDENTITY = "identity"  # the weapon's own record, which has no event kind


@dataclass(frozen=True)
class RetainedRecord:
    weapon_id: uuid.UUID
    serial_number: str
    record_class: RecordClass
    kind: str  # an EventKind value, or IDENTITY
    record_date: dt.date
    purge_from: dt.date | None  # None: must be kept


def retained_records(policy: str) -> Iterator[RetainedRecord]:
    """Every record of every weapon with its earliest purge date (the retention report),
    reading weapons and their events in bulk."""
    weapons = Weapon.objects.order_by("id").values_list(
        "id", "serial_number", "year_of_manufacture", "registered_at"
    )
    last_id: uuid.UUID | None = None
    while True:
        page = weapons.filter(id__gt=last_id) if last_id else weapons
        rows = list(page[:RETENTION_CHUNK])
        if not rows:
            return
        events: dict[uuid.UUID, list[tuple[str, dt.date]]] = defaultdict(list)
        chunk_events = Event.objects.filter(weapon_id__in=[row[0] for row in rows])
        for weapon_id, kind, day in chunk_events.order_by("weapon_id", "seq").values_list(
            "weapon_id", "kind", "occurred_on"
        ):
            events[weapon_id].append((kind, day))
        for weapon_id, serial, year, registered_at in rows:
            yield from _weapon_records(policy, weapon_id, serial, year, registered_at, events)
        last_id = rows[-1][0]


def _weapon_records(
    policy: str,
    weapon_id: uuid.UUID,
    serial: str,
    year: int | None,
    registered_at: dt.datetime,
    events: dict[uuid.UUID, list[tuple[str, dt.date]]],
) -> Iterator[RetainedRecord]:
    identity_date = rules.identity_record_date(year, registered_at)
    history = events.get(weapon_id, [])
    destroyed = next((day for kind, day in history if kind == EventKind.DESTROYED), None)
    for kind, day in [(None, identity_date), *history]:
        event_kind = EventKind(kind) if kind else None
        cls = rules.record_class(event_kind)
        purge_from = rules.earliest_purge_date(policy, cls, day, destroyed)
        yield RetainedRecord(weapon_id, serial, cls, kind or IDENTITY, day, purge_from)
