"""Writes to the registry. Each runs in one transaction and leaves an audit trail."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_change, record_event, snapshot
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters, normalise_name, normalise_serial
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country, Manufacturer
from armstrace.registry import rules
from armstrace.registry.choices import (
    ComponentType,
    EventKind,
    MarkMethod,
    MarkRole,
    PartyKind,
    Status,
)
from armstrace.registry.exceptions import RetentionFloor
from armstrace.registry.models import Component, Event, Mark, Party, Weapon
from armstrace.registry.selectors import earliest_purge_for_weapon

EARLIEST_YEAR = 1800
MAX_SERIAL = 64


def _choice(
    field_name: str,
    value: str,
    choices: type[WeaponType]
    | type[EventKind]
    | type[PartyKind]
    | type[ComponentType]
    | type[MarkRole]
    | type[MarkMethod],
) -> str:
    if value not in choices.values:
        raise DomainValidationError(
            field_name,
            _("unknown value %(value)r; expected one of: %(allowed)s")
            % {"value": value, "allowed": ", ".join(choices.values)},
            code="unknown_choice",
        )
    return value


def _text(
    field_name: str, value: str, *, max_length: int, required: bool = False, multiline: bool = False
) -> str:
    value = value.strip()
    if required and not value:
        raise DomainValidationError(field_name, _("is required"), code="required")
    checked = value.replace("\r", "").replace("\n", "").replace("\t", "") if multiline else value
    if has_control_characters(checked):
        raise DomainValidationError(
            field_name, _("contains control characters"), code="control_characters"
        )
    if len(value) > max_length:
        raise DomainValidationError(
            field_name,
            _("is longer than %(max)d characters") % {"max": max_length},
            code="too_long",
        )
    return value


def _serial(field_name: str, value: str, *, required: bool) -> tuple[str, str]:
    value = _text(field_name, value, max_length=MAX_SERIAL, required=required)
    norm = normalise_serial(value)
    if required and not norm:
        raise DomainValidationError(field_name, _("has no letters or digits"), code="required")
    return value, norm


def _not_future(field_name: str, day: dt.date) -> dt.date:
    if day > clock.today():
        raise DomainValidationError(field_name, _("is in the future"), code="future_date")
    return day


@functools.lru_cache(maxsize=512)
def _country_by_code(code: str) -> Country | None:
    """Countries change with ISO, not with each request: look each code up once."""
    return Country.objects.filter(code=code).first()


def _country(field_name: str, code: str | None) -> Country | None:
    if not code:
        return None
    country = _country_by_code(code.upper())
    if country is None:
        raise DomainValidationError(
            field_name,
            _("%(code)r is not an ISO 3166 country code") % {"code": code},
            code="unknown_country",
        )
    return country


def _year(value: int | None, field_name: str = "year_of_manufacture") -> int | None:
    if value is None:
        return None
    if not EARLIEST_YEAR <= value <= clock.today().year:
        raise DomainValidationError(
            field_name,
            _("must be between %(low)d and %(high)d")
            % {"low": EARLIEST_YEAR, "high": clock.today().year},
            code="impossible_year",
        )
    return value


def create_party(
    *,
    kind: str,
    name: str,
    licence_number: str = "",
    country: str | None = None,
    address: str = "",
    agency: Agency | None = None,
    manufacturer_ref: Manufacturer | None = None,
) -> Party:
    _choice("kind", kind, PartyKind)
    name = _text("name", name, max_length=200, required=True)
    with transaction.atomic(), audit_batch():
        party = Party.objects.create(
            kind=kind,
            name=name,
            name_norm=normalise_name(name),
            licence_number=_text("licence_number", licence_number, max_length=64),
            country=_country("country", country),
            address=_text("address", address, max_length=2000, multiline=True),
            agency=agency,
            manufacturer_ref=manufacturer_ref,
        )
        record_change(party, action="created", before=None)
    return party


@dataclass
class ComponentInput:
    component_type: str
    serial_number: str = ""
    installed_on: dt.date | None = None


@dataclass
class MarkInput:
    role: str
    text: str
    method: str = ""
    location: str = ""
    date_applied: dt.date | None = None
    component_type: str = ""  # links the mark to the component of that type, if given
    concealed: bool = False  # seen only with registry:mark:concealed


@dataclass
class EventInput:
    kind: str
    occurred_on: dt.date
    place: str = ""
    country: str | None = None
    counterpart_country: str | None = None
    from_party: Party | None = None
    to_party: Party | None = None
    document_ref: str = ""
    licence_number: str = ""
    notes: str = ""
    source: str = ""  # for events taken from a file: the source and the row's key
    source_key: str = ""


@dataclass
class WeaponInput:
    serial_number: str
    manufacturer_name: str
    weapon_type: str
    manufacturer: Party | None = None
    country_of_manufacture: str | None = None
    model: str = ""
    calibre: str = ""
    year_of_manufacture: int | None = None
    import_country: str | None = None
    import_year: int | None = None
    record_ref: str = ""
    source: str = ""
    # Values a source gave that resolve to no reference entry, kept as written ({field: text}).
    unresolved: dict[str, str] = field(default_factory=dict)
    components: list[ComponentInput] = field(default_factory=list)
    marks: list[MarkInput] = field(default_factory=list)


def register_weapon(*, agency: Agency, data: WeaponInput, first_event: EventInput) -> Weapon:
    """Enter a weapon with the event that brings it into the registry."""
    serial, serial_norm = _serial("serial_number", data.serial_number, required=True)
    manufacturer_name = _text("manufacturer_name", data.manufacturer_name, max_length=200)
    if not manufacturer_name and data.manufacturer is not None:
        manufacturer_name = data.manufacturer.name
    if not manufacturer_name:
        raise DomainValidationError("manufacturer_name", _("is required"), code="required")
    if data.manufacturer is not None and data.manufacturer.kind != PartyKind.MANUFACTURER:
        raise DomainValidationError("manufacturer", _("party is not a manufacturer"))
    weapon = Weapon(
        serial_number=serial,
        serial_norm=serial_norm,
        manufacturer=data.manufacturer,
        manufacturer_name=manufacturer_name,
        country_of_manufacture=_country("country_of_manufacture", data.country_of_manufacture),
        model=_text("model", data.model, max_length=120),
        calibre=_text("calibre", data.calibre, max_length=60),
        weapon_type=(
            ""  # a record taken from a source may lack a type; quality rules list it
            if not data.weapon_type and (data.source or "weapon_type" in data.unresolved)
            else _choice("weapon_type", data.weapon_type, WeaponType)
        ),
        year_of_manufacture=_year(data.year_of_manufacture),
        import_country=_country("import_country", data.import_country),
        import_year=_year(data.import_year, "import_year"),
        record_ref=_text("record_ref", data.record_ref, max_length=120),
        source=_text("source", data.source, max_length=120),
        unresolved=dict(data.unresolved),
        agency=agency,
    )
    kind = EventKind(_choice("kind", first_event.kind, EventKind))
    if (
        weapon.year_of_manufacture is not None
        and first_event.occurred_on.year < weapon.year_of_manufacture
    ):
        raise DomainValidationError(
            "occurred_on", _("is before the year of manufacture"), code="date_order"
        )
    if kind == EventKind.MANUFACTURED and first_event.to_party is None:
        first_event.to_party = data.manufacturer
    if rules.TABLE[kind].needs_to_party and first_event.to_party is None:
        raise DomainValidationError("to_party", _("is required for this event"), code="required")
    with transaction.atomic(), audit_batch():
        weapon.status = rules.next_status(
            None, kind, to_party_kind=first_event.to_party.kind if first_event.to_party else None
        )
        weapon.save()
        record_change(weapon, action="created", before=None)
        for component in data.components:
            add_component(weapon=weapon, data=component)
        for mark in data.marks:
            add_mark(weapon=weapon, data=mark)
        _append_event(weapon, kind, first_event, first=True)
        record_event(
            "registry:weapon:registered",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={"serial_number": weapon.serial_number, "first_event": kind.value},
        )
    return weapon


def record_life_event(*, weapon: Weapon, data: EventInput) -> Event:
    """Append one event; status and holder follow from the transition table."""
    kind = EventKind(_choice("kind", data.kind, EventKind))
    with transaction.atomic(), audit_batch():
        locked = Weapon.objects.select_for_update().get(pk=weapon.pk)
        event = _append_event(locked, kind, data)
    for name in ("status", "holder_id", "last_event_on", "updated_at"):
        setattr(weapon, name, getattr(locked, name))
    return event


def _append_event(
    weapon: Weapon, kind: EventKind, data: EventInput, *, first: bool = False
) -> Event:
    transition = rules.TABLE[kind]
    occurred_on = _not_future("occurred_on", data.occurred_on)
    if weapon.last_event_on is not None and occurred_on < weapon.last_event_on:
        raise DomainValidationError(
            "occurred_on",
            _("is before the weapon's last recorded event (%(day)s)")
            % {"day": weapon.last_event_on.isoformat()},
            code="date_order",
        )
    if transition.needs_to_party and data.to_party is None:
        raise DomainValidationError("to_party", _("is required for this event"), code="required")
    if (
        kind in rules.STATE_UNIT_EVENTS
        and data.to_party is not None
        and (data.to_party.kind != PartyKind.STATE_UNIT)
    ):
        raise DomainValidationError("to_party", _("must be a state unit"), code="wrong_party")
    if transition.needs_counterpart_country and not data.counterpart_country:
        raise DomainValidationError(
            "counterpart_country", _("is required for this event"), code="required"
        )
    last_seq = 0 if first else (weapon.events.aggregate(last=Max("seq"))["last"] or 0)
    status_before = Status(weapon.status) if last_seq else None
    status_after = rules.next_status(
        status_before, kind, to_party_kind=data.to_party.kind if data.to_party else None
    )
    ctx = current_context()
    seq = last_seq + 1
    event = Event.objects.create(
        weapon=weapon,
        seq=seq,
        kind=kind,
        occurred_on=occurred_on,
        place=_text("place", data.place, max_length=200),
        country=_country("country", data.country),
        counterpart_country=_country("counterpart_country", data.counterpart_country),
        from_party=data.from_party,
        to_party=data.to_party,
        document_ref=_text("document_ref", data.document_ref, max_length=120),
        licence_number=_text("licence_number", data.licence_number, max_length=64),
        notes=_text("notes", data.notes, max_length=5000, multiline=True),
        status_before=status_before or "",
        status_after=status_after,
        recorded_by_id=ctx.actor_id,
        recorded_by_name=ctx.actor_name,
        correlation_id=ctx.correlation_id,
        source=_text("source", data.source, max_length=120),
        source_key=_text("source_key", data.source_key, max_length=64),
    )
    record_change(event, action="created", before=None)
    before = snapshot(weapon)
    weapon.status = status_after
    weapon.holder = _holder_after(weapon.holder, kind, data.to_party)
    weapon.last_event_on = occurred_on
    weapon.save(update_fields=["status", "holder", "last_event_on", "updated_at"])
    record_change(weapon, action="updated", before=before)
    record_event(
        f"registry:weapon:{kind.value}",
        object_type="registry.weapon",
        object_id=str(weapon.pk),
        data={
            "event_id": event.pk,
            "status_before": status_before or "",
            "status_after": status_after,
        },
    )
    return event


def _holder_after(holder: Party | None, kind: EventKind, to_party: Party | None) -> Party | None:
    if kind in rules.CLEARS_HOLDER:
        return None
    return to_party if to_party is not None else holder


def add_component(*, weapon: Weapon, data: ComponentInput) -> Component:
    _choice("component_type", data.component_type, ComponentType)
    serial, serial_norm = _serial("serial_number", data.serial_number, required=False)
    with transaction.atomic(), audit_batch():
        component = Component.objects.create(
            weapon=weapon,
            component_type=data.component_type,
            serial_number=serial,
            serial_norm=serial_norm,
            installed_on=_not_future("installed_on", data.installed_on)
            if data.installed_on
            else None,
        )
        record_change(component, action="created", before=None)
    return component


def replace_component(
    *, component: Component, new_serial_number: str, replaced_on: dt.date, reason: str
) -> Component:
    """Retire a part and install its successor; both stay on record (modular weapons, M8)."""
    reason = _text("reason", reason, max_length=200, required=True)
    replaced_on = _not_future("replaced_on", replaced_on)
    with transaction.atomic(), audit_batch():
        old = Component.objects.select_for_update().get(pk=component.pk)
        if old.removed_on is not None:
            raise DomainValidationError("component", _("was already removed"), code="removed")
        if old.installed_on and replaced_on < old.installed_on:
            raise DomainValidationError(
                "replaced_on", _("is before the part was installed"), code="date_order"
            )
        before = snapshot(old)
        old.removed_on = replaced_on
        old.removal_reason = reason
        old.save(update_fields=["removed_on", "removal_reason"])
        record_change(old, action="updated", before=before)
        new = add_component(
            weapon=old.weapon,
            data=ComponentInput(old.component_type, new_serial_number, replaced_on),
        )
        new.replaces = old
        new.save(update_fields=["replaces"])
        record_event(
            "registry:component:replaced",
            object_type="registry.weapon",
            object_id=str(old.weapon_id),
            data={"old": old.pk, "new": new.pk, "reason": reason},
        )
    return new


def add_mark(*, weapon: Weapon, data: MarkInput) -> Mark:
    _choice("role", data.role, MarkRole)
    if data.method:
        _choice("method", data.method, MarkMethod)
    text = _text("text", data.text, max_length=200, required=True)
    component = None
    if data.component_type:
        _choice("component_type", data.component_type, ComponentType)
        component = weapon.components.filter(
            component_type=data.component_type, removed_on__isnull=True
        ).first()
        if component is None:
            raise DomainValidationError(
                "component_type", _("the weapon has no such component"), code="no_component"
            )
    with transaction.atomic(), audit_batch():
        mark = Mark.objects.create(
            weapon=weapon,
            component=component,
            role=data.role,
            text=text,
            text_norm=normalise_serial(text),
            method=data.method,
            location=_text("location", data.location, max_length=120),
            date_applied=_not_future("date_applied", data.date_applied)
            if data.date_applied
            else None,
            concealed=data.concealed,
        )
        record_change(mark, action="created", before=None)
    return mark


# What a correction may change, and how each new value is checked.
CORRECTABLE = (
    "serial_number",
    "manufacturer_name",
    "country_of_manufacture",
    "model",
    "calibre",
    "weapon_type",
    "year_of_manufacture",
    "import_country",
    "import_year",
    "record_ref",
)


def _corrected(name: str, value: object) -> object:
    if name == "serial_number":
        return _serial(name, str(value), required=True)[0]
    if name in ("country_of_manufacture", "import_country"):
        return _country(name, str(value) if value else None)
    if name in ("year_of_manufacture", "import_year"):
        return _year(int(str(value)) if value not in (None, "") else None, name)
    if name == "weapon_type":
        return _choice(name, str(value), WeaponType)
    limits = {"manufacturer_name": 200, "model": 120, "calibre": 60, "record_ref": 120}
    return _text(name, str(value), max_length=limits[name], required=name == "manufacturer_name")


def correct_weapon(*, weapon: Weapon, changes: dict[str, object], reason: str) -> Weapon:
    """Correct identity fields against a source document; the old values stay in the audit log.

    Country fields take ISO codes; a corrected field is no longer 'unresolved'.
    """
    reason = _text("reason", reason, max_length=500, required=True)
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise DomainValidationError(unknown[0], _("cannot be corrected"), code="not_correctable")
    values = {name: _corrected(name, value) for name, value in changes.items()}
    with transaction.atomic(), audit_batch():
        locked = Weapon.objects.select_for_update().get(pk=weapon.pk)
        before = snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
            locked.unresolved.pop(name, None)
        if "calibre" in values:
            locked.calibre_ref = None  # resolved from the old text, it no longer holds
        locked.serial_norm = normalise_serial(locked.serial_number)
        locked.save()
        record_change(locked, action="updated", before=before)
        record_event(
            "registry:weapon:corrected",
            object_type="registry.weapon",
            object_id=str(locked.pk),
            data={"fields": sorted(values), "reason": reason},
        )
    return locked


def purge_weapon(*, weapon: Weapon, policy: str, reason: str) -> None:
    """Delete a weapon's records, only when every one of them is past its floor."""
    reason = _text("reason", reason, max_length=500, required=True)
    earliest = earliest_purge_for_weapon(weapon, policy)
    if earliest is None or earliest > clock.today():
        # The refusal is recorded in its own transaction, so it survives the error.
        when = earliest.isoformat() if earliest else _("never (kept indefinitely)")
        record_event(
            "registry:weapon:purge_refused",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={"policy": policy, "earliest": when, "reason": reason},
        )
        raise RetentionFloor(
            _("records of this weapon may not be purged before %(when)s under policy %(p)s")
            % {"when": when, "p": policy}
        )
    with transaction.atomic(), audit_batch():
        locked = Weapon.objects.select_for_update().get(pk=weapon.pk)
        if earliest_purge_for_weapon(locked, policy) != earliest:  # changed meanwhile
            raise RetentionFloor(_("the weapon's records changed; try again"))
        identity = {
            "serial_number": locked.serial_number,
            "manufacturer": locked.manufacturer_name,
            "events": locked.events.count(),
        }
        locked.events.all().delete()
        locked.marks.all().delete()
        locked.components.filter(replaces__isnull=False).delete()
        locked.components.all().delete()
        try:
            locked.delete()
        except ProtectedError as error:  # e.g. a closed business's book lines cite it
            kinds = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
            raise RetentionFloor(
                _("other records refer to this weapon and are kept: %(kinds)s")
                % {"kinds": ", ".join(kinds)}
            ) from error
        record_event(
            "registry:weapon:purged",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={"policy": policy, "reason": reason, **identity},
        )
