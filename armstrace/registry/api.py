"""Registry endpoints: weapons, their components, marks and events, and parties.

Handlers parse, authorise and call services; business rules stay in services.py.
Writes to a weapon need the permission for the weapon's agency; new weapons are
registered in the caller's own agency.
"""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from armstrace.accounts.api import caller, check_scope, refuse, requires
from armstrace.accounts.permissions import Permission
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import normalise_name
from armstrace.registry import images, personal, restoration, services
from armstrace.registry.models import Component, Event, Image, Mark, Party, Restoration, Weapon
from armstrace.registry.permissions import (
    EVENT_RECORD,
    IMAGE_ADD,
    MARK_CONCEALED,
    PARTY_CREATE,
    PARTY_VIEW,
    RESTORATION_RECORD,
    WEAPON_CREATE,
    WEAPON_EDIT,
    WEAPON_VIEW,
)
from armstrace.registry.schemas import (
    DISCLOSURE_ATTR,
    ComponentIn,
    ComponentOut,
    ComponentReplaceIn,
    EventIn,
    EventOut,
    ImageIn,
    ImageOut,
    MarkIn,
    MarkOut,
    PartyFilters,
    PartyIn,
    PartyOut,
    PartyPage,
    PurposeQuery,
    RestorationIn,
    RestorationOut,
    RowId,
    WeaponDetailOut,
    WeaponFilters,
    WeaponIn,
    WeaponPage,
)
from armstrace.registry.selectors import (
    filter_weapons,
    image_for,
    images_for,
    marks_for,
    may_see_concealed,
    parties_for,
    restorations_for,
    timeline,
    weapons_for,
)

router = Router(tags=["registry"])
M = TypeVar("M", bound=Model)
# Services name the party; the client sent its id.
SENT_AS = {
    "to_party": "to_party_id",
    "from_party": "from_party_id",
    "manufacturer": "manufacturer_id",
    "mark": "mark_id",
    "event": "event_id",
}


@contextlib.contextmanager
def _fields_as_sent() -> Iterator[None]:
    """Report a service's field error under the name of the body field the client sent."""
    try:
        yield
    except DomainValidationError as exc:
        exc.field = SENT_AS.get(exc.field, exc.field)
        raise


def _page(rows: QuerySet[M], limit: int, offset: int) -> dict[str, Any]:
    return {
        "count": rows.count(),
        "limit": limit,
        "offset": offset,
        "items": list(rows[offset : offset + limit]),
    }


def _purpose(request: HttpRequest, query: PurposeQuery) -> str:
    """The purpose stated with the request: `?purpose=` or the X-Purpose header."""
    return (query.purpose or request.headers.get("X-Purpose", "")).strip()


def _disclose(request: HttpRequest, disclosure: personal.Disclosure) -> None:
    """What the response schemas may show of individuals (they read it from the request)."""
    setattr(request, DISCLOSURE_ATTR, disclosure)


def _reveal_weapon(request: HttpRequest, weapon: Weapon, query: PurposeQuery) -> Weapon:
    """The weapon, its individuals shown if a purpose was stated (audited)."""
    if purpose := _purpose(request, query):
        events = list(timeline(weapon))
        _disclose(request, personal.reveal_weapon(weapon=weapon, events=events, purpose=purpose))
    return weapon


def _party(field: str, party_id: int | None) -> Party | None:
    """A party referenced by id; an unknown id is a field error, not a 404."""
    if party_id is None:
        return None
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        message = _("no party with id %(id)d") % {"id": party_id}
        raise DomainValidationError(field, message, code="unknown_party")
    return party


def _weapon_for_write(request: HttpRequest, weapon_id: uuid.UUID, perm: Permission) -> Weapon:
    weapon = get_object_or_404(Weapon.objects.select_related("agency"), pk=weapon_id)
    check_scope(request, perm, weapon.agency)
    return weapon


def _may_conceal(request: HttpRequest, weapon: Weapon, marks: list[MarkIn]) -> None:
    """Recording a concealed mark takes the permission to see it, for the weapon's agency."""
    if any(m.concealed for m in marks) and not may_see_concealed(caller(request), weapon):
        raise refuse(MARK_CONCEALED, weapon.agency)


def _event_input(payload: EventIn) -> services.EventInput:
    return services.EventInput(
        kind=payload.kind.value,
        occurred_on=payload.occurred_on,
        place=payload.place,
        country=payload.country,
        counterpart_country=payload.counterpart_country,
        from_party=_party("from_party_id", payload.from_party_id),
        to_party=_party("to_party_id", payload.to_party_id),
        document_ref=payload.document_ref,
        licence_number=payload.licence_number,
        notes=payload.notes,
    )


def _component_input(payload: ComponentIn) -> services.ComponentInput:
    return services.ComponentInput(
        component_type=payload.component_type.value,
        serial_number=payload.serial_number,
        installed_on=payload.installed_on,
    )


def _mark_input(payload: MarkIn) -> services.MarkInput:
    return services.MarkInput(
        role=payload.role.value,
        text=payload.text,
        method=payload.method.value if payload.method else "",
        location=payload.location,
        date_applied=payload.date_applied,
        component_type=payload.component_type.value if payload.component_type else "",
        concealed=payload.concealed,
    )


def _weapon_input(payload: WeaponIn) -> services.WeaponInput:
    return services.WeaponInput(
        serial_number=payload.serial_number,
        manufacturer_name=payload.manufacturer_name,
        manufacturer=_party("manufacturer_id", payload.manufacturer_id),
        weapon_type=payload.weapon_type.value,
        country_of_manufacture=payload.country_of_manufacture,
        model=payload.model,
        calibre=payload.calibre,
        year_of_manufacture=payload.year_of_manufacture,
        record_ref=payload.record_ref,
        components=[_component_input(c) for c in payload.components],
        marks=[_mark_input(m) for m in payload.marks],
    )


def _filter_weapons(weapons: QuerySet[Weapon], filters: WeaponFilters) -> QuerySet[Weapon]:
    return filter_weapons(
        weapons,
        serial=filters.serial or "",
        manufacturer=filters.manufacturer or "",
        status=filters.status.value if filters.status is not None else "",
        weapon_type=filters.weapon_type.value if filters.weapon_type is not None else "",
        country=filters.country or "",
        agency_code=filters.agency or "",
        record_ref=filters.record_ref or "",
    ).order_by("serial_norm", "id")


# --- weapons -------------------------------------------------------------------------


@router.get("/weapons", response=WeaponPage)
@requires(WEAPON_VIEW)
def list_weapons(request: HttpRequest, filters: Query[WeaponFilters]) -> dict[str, Any]:
    """Weapons matching every given filter, ordered by normalised serial."""
    weapons = _filter_weapons(weapons_for(caller(request)), filters)
    page = _page(weapons, filters.limit, filters.offset)
    if purpose := _purpose(request, filters):
        _disclose(request, personal.reveal_holders(weapons=page["items"], purpose=purpose))
    return page


@router.post("/weapons", response={201: WeaponDetailOut})
@requires(WEAPON_CREATE)
def register_weapon(
    request: HttpRequest, payload: WeaponIn, query: Query[PurposeQuery]
) -> Status[Weapon]:
    """Register a weapon in the caller's agency, with the event that brings it in."""
    agency = caller(request).agency
    if agency is None:
        raise refuse(WEAPON_CREATE)
    check_scope(request, WEAPON_CREATE, agency)
    if any(m.concealed for m in payload.marks):
        check_scope(request, MARK_CONCEALED, agency)
    with _fields_as_sent():
        weapon = services.register_weapon(
            agency=agency,
            data=_weapon_input(payload),
            first_event=_event_input(payload.first_event),
        )
    return Status(201, _reveal_weapon(request, weapon, query))


@router.get("/weapons/{weapon_id}", response=WeaponDetailOut)
@requires(WEAPON_VIEW)
def weapon_detail(request: HttpRequest, weapon_id: uuid.UUID, query: Query[PurposeQuery]) -> Weapon:
    """Identity, status, holder, parts with their history, marks and the timeline.
    Individuals (holder, parties of events) are withheld unless a purpose is stated."""
    weapon = get_object_or_404(weapons_for(caller(request)), pk=weapon_id)
    return _reveal_weapon(request, weapon, query)


@router.get("/weapons/{weapon_id}/events", response=list[EventOut])
@requires(WEAPON_VIEW)
def list_events(
    request: HttpRequest, weapon_id: uuid.UUID, query: Query[PurposeQuery]
) -> list[Event]:
    """The weapon's life-cycle events, oldest first; individuals need a purpose."""
    weapon = get_object_or_404(weapons_for(caller(request)), pk=weapon_id)
    events = list(timeline(weapon))
    if purpose := _purpose(request, query):
        _disclose(request, personal.reveal_weapon(weapon=weapon, events=events, purpose=purpose))
    return events


@router.post("/weapons/{weapon_id}/events", response={201: EventOut})
@requires(EVENT_RECORD)
def record_event(
    request: HttpRequest, weapon_id: uuid.UUID, payload: EventIn, query: Query[PurposeQuery]
) -> Status[Event]:
    """Append an event; status and holder follow from the transition table."""
    weapon = _weapon_for_write(request, weapon_id, EVENT_RECORD)
    with _fields_as_sent():
        event = services.record_life_event(weapon=weapon, data=_event_input(payload))
    _reveal_weapon(request, weapon, query)
    return Status(201, event)


@router.post("/weapons/{weapon_id}/components", response={201: ComponentOut})
@requires(WEAPON_EDIT)
def add_component(
    request: HttpRequest, weapon_id: uuid.UUID, payload: ComponentIn
) -> Status[Component]:
    """Record an essential part with its own serial."""
    weapon = _weapon_for_write(request, weapon_id, WEAPON_EDIT)
    return Status(201, services.add_component(weapon=weapon, data=_component_input(payload)))


@router.post("/components/{component_id}/replace", response={201: ComponentOut})
@requires(WEAPON_EDIT)
def replace_component(
    request: HttpRequest, component_id: RowId, payload: ComponentReplaceIn
) -> Status[Component]:
    """Retire a part and install its successor; both stay on record."""
    component = get_object_or_404(
        Component.objects.select_related("weapon__agency"), pk=component_id
    )
    check_scope(request, WEAPON_EDIT, component.weapon.agency)
    new = services.replace_component(
        component=component,
        new_serial_number=payload.serial_number,
        replaced_on=payload.replaced_on,
        reason=payload.reason,
    )
    return Status(201, new)


@router.post("/weapons/{weapon_id}/marks", response={201: MarkOut})
@requires(WEAPON_EDIT)
def add_mark(request: HttpRequest, weapon_id: uuid.UUID, payload: MarkIn) -> Status[Mark]:
    """Record a mark as read on the weapon or one of its parts."""
    weapon = _weapon_for_write(request, weapon_id, WEAPON_EDIT)
    _may_conceal(request, weapon, [payload])
    return Status(201, services.add_mark(weapon=weapon, data=_mark_input(payload)))


# --- photographs and restorations ------------------------------------------------------


def _weapon_to_read(request: HttpRequest, weapon_id: uuid.UUID) -> Weapon:
    return get_object_or_404(weapons_for(caller(request)), pk=weapon_id)


@router.get("/weapons/{weapon_id}/images", response=list[ImageOut])
@requires(WEAPON_VIEW)
def list_images(request: HttpRequest, weapon_id: uuid.UUID) -> QuerySet[Image]:
    """The weapon's photographs; those of concealed marks only for those allowed them."""
    return images_for(caller(request), _weapon_to_read(request, weapon_id))


@router.post("/weapons/{weapon_id}/images", response={201: ImageOut})
@requires(IMAGE_ADD)
def add_image(
    request: HttpRequest,
    weapon_id: uuid.UUID,
    file: File[UploadedFile],
    details: Form[ImageIn],
) -> Status[Image]:
    """Upload a JPEG, PNG or WebP photograph (multipart/form-data, the file as `file`).
    Its type is read from its content; location metadata is removed unless kept."""
    weapon = _weapon_for_write(request, weapon_id, IMAGE_ADD)
    user = caller(request)
    mark = None
    if details.mark_id is not None:
        mark = marks_for(user, weapon).filter(pk=details.mark_id).first()
        if mark is None:
            message = _("no mark with id %(id)d on this weapon") % {"id": details.mark_id}
            raise DomainValidationError("mark_id", message, code="unknown_mark")
    event = None
    if details.event_id is not None:
        event = weapon.events.filter(pk=details.event_id).first()
        if event is None:
            message = _("no event with id %(id)d on this weapon") % {"id": details.event_id}
            raise DomainValidationError("event_id", message, code="unknown_event")
    images.check_size(file.size or 0)
    upload = images.ImageUpload(
        content=file.read(),
        file_name=file.name or "",
        declared_type=file.content_type or "",
        mark=mark,
        event=event,
        caption=details.caption,
        keep_location=details.keep_location,
    )
    with _fields_as_sent():
        return Status(201, images.add_image(weapon=weapon, upload=upload))


def _image_response(request: HttpRequest, image_id: int, *, thumbnail: bool) -> FileResponse:
    image = image_for(caller(request), image_id)
    if image is None:
        raise Http404
    path = images.thumbnail_path(image) if thumbnail else images.image_path(image)
    if not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        content_type="image/jpeg" if thumbnail else image.content_type,
        filename=image.file_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/images/{image_id}/file", url_name="image_file")
@requires(WEAPON_VIEW)
def image_file(request: HttpRequest, image_id: RowId) -> FileResponse:
    """The stored photograph."""
    return _image_response(request, image_id, thumbnail=False)


@router.get("/images/{image_id}/thumbnail", url_name="image_thumbnail")
@requires(WEAPON_VIEW)
def image_thumbnail(request: HttpRequest, image_id: RowId) -> FileResponse:
    """A JPEG at most 320 pixels wide or high, without metadata."""
    return _image_response(request, image_id, thumbnail=True)


@router.get("/weapons/{weapon_id}/restorations", response=list[RestorationOut])
@requires(WEAPON_VIEW)
def list_restorations(request: HttpRequest, weapon_id: uuid.UUID) -> QuerySet[Restoration]:
    """Restored serials and marks, each with the pattern to give the serial search."""
    return restorations_for(caller(request), _weapon_to_read(request, weapon_id))


@router.post("/weapons/{weapon_id}/restorations", response={201: RestorationOut})
@requires(RESTORATION_RECORD)
def record_restoration(
    request: HttpRequest, weapon_id: uuid.UUID, payload: RestorationIn
) -> Status[Restoration]:
    """Record a laboratory's reading of the erased serial (or of a mark), per character."""
    weapon = _weapon_for_write(request, weapon_id, RESTORATION_RECORD)
    mark = None
    if payload.mark_id is not None:
        mark = marks_for(caller(request), weapon).filter(pk=payload.mark_id).first()
        if mark is None:
            message = _("no mark with id %(id)d on this weapon") % {"id": payload.mark_id}
            raise DomainValidationError("mark_id", message, code="unknown_mark")
    data = restoration.RestorationInput(
        reading=payload.reading,
        laboratory=payload.laboratory,
        examiner=payload.examiner,
        examined_on=payload.examined_on,
        method=payload.method.value,
        mark=mark,
        notes=payload.notes,
    )
    return Status(201, restoration.record_restoration(weapon=weapon, data=data))


# --- parties -------------------------------------------------------------------------


@router.get("/parties", response=PartyPage)
@requires(PARTY_VIEW)
def list_parties(request: HttpRequest, filters: Query[PartyFilters]) -> dict[str, Any]:
    """Makers, traders, holders and state units, by name. Individuals' personal fields, and
    finding an individual by name, need a purpose (audited)."""
    purpose = _purpose(request, filters)
    parties = personal.filter_parties(
        parties_for(caller(request)),
        kind=filters.kind.value if filters.kind is not None else "",
        name_norm=normalise_name(filters.name or ""),
        disclosed=bool(purpose),
    )
    page = _page(parties.order_by("name", "id"), filters.limit, filters.offset)
    if purpose:
        _disclose(request, personal.reveal_parties(parties=page["items"], purpose=purpose))
    return page


@router.post("/parties", response={201: PartyOut})
@requires(PARTY_CREATE)
def create_party(request: HttpRequest, payload: PartyIn) -> Status[Party]:
    """Create a party (maker, importer, dealer, state unit, holder)."""
    party = services.create_party(
        kind=payload.kind.value,
        name=payload.name,
        licence_number=payload.licence_number,
        country=payload.country,
        address=payload.address,
    )
    _disclose(request, personal.Disclosure(frozenset({party.pk})))  # echoes what was sent
    return Status(201, party)


@router.get("/parties/{party_id}", response=PartyOut)
@requires(PARTY_VIEW)
def party_detail(request: HttpRequest, party_id: RowId, query: Query[PurposeQuery]) -> Party:
    """One party; an individual's personal fields need a purpose (audited)."""
    party = get_object_or_404(parties_for(caller(request)), pk=party_id)
    if purpose := _purpose(request, query):
        _disclose(request, personal.reveal_parties(parties=[party], purpose=purpose))
    return party
