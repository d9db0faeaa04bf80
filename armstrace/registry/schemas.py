"""Request and response shapes of the registry API.

Enumerations are the model's TextChoices, so the OpenAPI document lists every allowed
value and an unknown one is refused before any handler runs. Free text is checked by the
services (length, control characters), which name the field; only what must be safe to
put in a query (country codes, ids, filters) is checked here.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from armstrace.accounts.models import User
from armstrace.core.text import has_control_characters
from armstrace.reference.choices import WeaponType
from armstrace.registry.choices import (
    ComponentType,
    EventKind,
    MarkMethod,
    MarkRole,
    PartyKind,
    RestorationMethod,
    Status,
)
from armstrace.registry.models import Component, Event, Image, Mark, Party, Restoration, Weapon
from armstrace.registry.personal import WITHHELD, Disclosure
from armstrace.registry.restoration import (
    reading_text,
    search_pattern,
    unknown_positions,
)
from armstrace.registry.selectors import images_for, marks_for, restorations_for, timeline

MAX_PAGE = 500
MAX_OFFSET = 10_000_000
MAX_ID = 2**63 - 1  # the largest key SQLite and PostgreSQL bigint hold


def _plain(value: str) -> str:
    if has_control_characters(value):
        raise ValueError(_("contains control characters"))
    return value


CountryCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2}$"), Field(description="ISO 3166 alpha-2")
]
PlainText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_plain)]
RowId = Annotated[int, Field(gt=0, le=MAX_ID)]


class PurposeQuery(Schema):
    purpose: PlainText | None = Field(
        None,
        description="Case number or purpose: shows individuals' personal data (audited); "
        "the X-Purpose header does the same",
    )


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class WeaponFilters(PageQuery, PurposeQuery):
    serial: PlainText | None = Field(None, description="Serial as marked; matched normalised")
    manufacturer: PlainText | None = Field(None, description="Part of the manufacturer's name")
    status: Status | None = None
    weapon_type: WeaponType | None = None
    country: CountryCode | None = Field(None, description="Country of manufacture")
    agency: PlainText | None = Field(None, description="Code of the recording agency")
    record_ref: PlainText | None = Field(None, description="The record's id in its source")


class PartyFilters(PageQuery, PurposeQuery):
    kind: PartyKind | None = None
    name: PlainText | None = Field(
        None, description="Part of the name, any case or accent (individuals: with a purpose)"
    )


# --- input ---------------------------------------------------------------------------


class EventIn(Schema):
    kind: EventKind
    occurred_on: dt.date
    place: str = ""
    country: CountryCode | None = None
    counterpart_country: CountryCode | None = Field(
        None, description="Country of export or destination"
    )
    from_party_id: RowId | None = None
    to_party_id: RowId | None = None
    document_ref: str = ""
    licence_number: str = ""
    notes: str = ""


class ComponentIn(Schema):
    component_type: ComponentType
    serial_number: str = ""
    installed_on: dt.date | None = None


class ComponentReplaceIn(Schema):
    serial_number: str = Field("", description="Serial of the part installed in its place")
    replaced_on: dt.date
    reason: str


class MarkIn(Schema):
    role: MarkRole
    text: str = Field(description="The mark as read")
    method: MarkMethod | None = None
    location: str = ""
    date_applied: dt.date | None = None
    component_type: ComponentType | None = Field(
        None, description="Links the mark to the weapon's current part of this type"
    )
    concealed: bool = Field(
        False, description="A hidden mark, seen only with registry:mark:concealed"
    )


class WeaponIn(Schema):
    serial_number: str = Field(description="Primary serial as marked")
    manufacturer_name: str = Field("", description="As written; defaults to the party's name")
    manufacturer_id: RowId | None = None
    weapon_type: WeaponType
    country_of_manufacture: CountryCode | None = None
    model: str = ""
    calibre: str = ""
    year_of_manufacture: int | None = None
    record_ref: str = ""
    first_event: EventIn = Field(description="The event that brings the weapon into the registry")
    components: list[ComponentIn] = []
    marks: list[MarkIn] = []


class ImageIn(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    mark_id: RowId | None = Field(None, description="The mark the photograph shows")
    event_id: RowId | None = Field(None, description="The event the photograph was taken at")
    caption: str = ""
    keep_location: bool = Field(
        False, description="Keep the GPS position and other location metadata (audited)"
    )


class RestorationIn(Schema):
    mark_id: RowId | None = Field(None, description="The restored mark; none for the serial")
    reading: str = Field(
        max_length=200,
        description="One character per position: ? unknown, [8B] one of these, * unknown run",
    )
    laboratory: str
    examiner: str
    examined_on: dt.date
    method: RestorationMethod
    notes: str = ""


class PartyIn(Schema):
    kind: PartyKind
    name: str
    licence_number: str = ""
    country: CountryCode | None = None
    address: str = ""


# --- output --------------------------------------------------------------------------


DISCLOSURE_ATTR = "armstrace_disclosure"  # set on the request by the handler
WITHHELD_DOC = "Personal fields left null: state a purpose to see them"


def disclosure(context: dict[str, Any] | None) -> Disclosure:
    """What the handler disclosed for this request; without it, no individual is shown."""
    request = (context or {}).get("request")
    found = getattr(request, DISCLOSURE_ATTR, None)
    return found if isinstance(found, Disclosure) else WITHHELD


class PartyRef(Schema):
    id: int
    kind: PartyKind
    name: str


class PartyOut(Schema):
    id: int
    kind: PartyKind
    name: str | None
    licence_number: str | None
    country: str | None
    address: str | None
    withheld: list[str] = Field(description=WITHHELD_DOC)

    @staticmethod
    def resolve_country(obj: Party) -> str | None:
        return obj.country_id

    @staticmethod
    def resolve_name(obj: Party, context: dict[str, Any] | None) -> str | None:
        return obj.name if disclosure(context).shows(obj) else None

    @staticmethod
    def resolve_licence_number(obj: Party, context: dict[str, Any] | None) -> str | None:
        return obj.licence_number if disclosure(context).shows(obj) else None

    @staticmethod
    def resolve_address(obj: Party, context: dict[str, Any] | None) -> str | None:
        return obj.address if disclosure(context).shows(obj) else None

    @staticmethod
    def resolve_withheld(obj: Party, context: dict[str, Any] | None) -> list[str]:
        return disclosure(context).party_withheld(obj)


class PartyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PartyOut]


class ComponentOut(Schema):
    id: int
    component_type: ComponentType
    serial_number: str
    installed_on: dt.date | None
    removed_on: dt.date | None
    removal_reason: str
    replaces_id: int | None = Field(description="The part this one replaced")

    @staticmethod
    def resolve_replaces_id(obj: Component) -> int | None:
        return obj.replaces_id


class MarkOut(Schema):
    id: int
    role: MarkRole
    text: str
    method: MarkMethod | None
    location: str
    date_applied: dt.date | None
    component_id: int | None
    concealed: bool

    @staticmethod
    def resolve_method(obj: Mark) -> str | None:
        return obj.method or None

    @staticmethod
    def resolve_component_id(obj: Mark) -> int | None:
        return obj.component_id


class EventOut(Schema):
    id: int
    seq: int
    kind: EventKind
    occurred_on: dt.date
    place: str
    country: str | None
    counterpart_country: str | None
    from_party: PartyRef | None
    to_party: PartyRef | None
    document_ref: str
    licence_number: str | None
    notes: str
    status_before: Status | None
    status_after: Status
    recorded_at: dt.datetime
    recorded_by: str
    withheld: list[str] = Field(description=WITHHELD_DOC)

    @staticmethod
    def resolve_from_party(obj: Event, context: dict[str, Any] | None) -> Party | None:
        return obj.from_party if disclosure(context).shows(obj.from_party) else None

    @staticmethod
    def resolve_to_party(obj: Event, context: dict[str, Any] | None) -> Party | None:
        return obj.to_party if disclosure(context).shows(obj.to_party) else None

    @staticmethod
    def resolve_licence_number(obj: Event, context: dict[str, Any] | None) -> str | None:
        hidden = "licence_number" in disclosure(context).event_withheld(obj)
        return None if hidden else obj.licence_number

    @staticmethod
    def resolve_withheld(obj: Event, context: dict[str, Any] | None) -> list[str]:
        return disclosure(context).event_withheld(obj)

    @staticmethod
    def resolve_country(obj: Event) -> str | None:
        return obj.country_id

    @staticmethod
    def resolve_counterpart_country(obj: Event) -> str | None:
        return obj.counterpart_country_id

    @staticmethod
    def resolve_status_before(obj: Event) -> str | None:
        return obj.status_before or None

    @staticmethod
    def resolve_recorded_by(obj: Event) -> str:
        return obj.recorded_by_name


class ImageOut(Schema):
    id: int
    mark_id: int | None
    event_id: int | None
    sha256: str = Field(description="SHA-256 of the stored file")
    original_sha256: str = Field(description="SHA-256 of the file as uploaded")
    content_type: str
    file_name: str
    size: int
    width: int
    height: int
    caption: str
    location_kept: bool
    uploaded_at: dt.datetime
    uploaded_by: str
    file_url: str
    thumbnail_url: str

    @staticmethod
    def resolve_mark_id(obj: Image) -> int | None:
        return obj.mark_id

    @staticmethod
    def resolve_event_id(obj: Image) -> int | None:
        return obj.event_id

    @staticmethod
    def resolve_uploaded_by(obj: Image) -> str:
        return obj.uploaded_by_name

    @staticmethod
    def resolve_file_url(obj: Image) -> str:
        return reverse("api:image_file", args=[obj.pk])

    @staticmethod
    def resolve_thumbnail_url(obj: Image) -> str:
        return reverse("api:image_thumbnail", args=[obj.pk])


class RestorationOut(Schema):
    id: int
    mark_id: int | None = Field(description="None: the weapon's serial number")
    characters: list[str] = Field(
        description='One entry per position: "A" known, "8B" one of these, "" unknown, '
        '"*" an unknown run'
    )
    reading: str
    search_pattern: str = Field(description="The pattern to give the serial search")
    unknown_positions: list[int] = Field(description="1-based positions not settled")
    laboratory: str
    examiner: str
    examined_on: dt.date
    method: RestorationMethod
    notes: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_mark_id(obj: Restoration) -> int | None:
        return obj.mark_id

    @staticmethod
    def resolve_reading(obj: Restoration) -> str:
        return reading_text(obj.characters)

    @staticmethod
    def resolve_search_pattern(obj: Restoration) -> str:
        return search_pattern(obj.characters)

    @staticmethod
    def resolve_unknown_positions(obj: Restoration) -> list[int]:
        return unknown_positions(obj.characters)


class WeaponOut(Schema):
    id: uuid.UUID
    serial_number: str
    manufacturer_name: str
    manufacturer_id: int | None
    country_of_manufacture: str | None
    model: str
    calibre: str
    weapon_type: WeaponType
    year_of_manufacture: int | None
    record_ref: str
    agency: str = Field(description="Code of the recording agency")
    status: Status
    holder: PartyRef | None
    last_event_on: dt.date | None
    registered_at: dt.datetime
    withheld: list[str] = Field(description=WITHHELD_DOC)

    @staticmethod
    def resolve_holder(obj: Weapon, context: dict[str, Any] | None) -> Party | None:
        return obj.holder if disclosure(context).shows(obj.holder) else None

    @staticmethod
    def resolve_withheld(obj: Weapon, context: dict[str, Any] | None) -> list[str]:
        return disclosure(context).holder_withheld(obj)

    @staticmethod
    def resolve_manufacturer_id(obj: Weapon) -> int | None:
        return obj.manufacturer_id

    @staticmethod
    def resolve_country_of_manufacture(obj: Weapon) -> str | None:
        return obj.country_of_manufacture_id

    @staticmethod
    def resolve_agency(obj: Weapon) -> str:
        return obj.agency.code


def _viewer(context: dict[str, Any] | None) -> User | AnonymousUser:
    """Who the response is for; without a request, nobody (concealed marks stay hidden)."""
    request = (context or {}).get("request")
    return request.user if request is not None else AnonymousUser()


class WeaponDetailOut(WeaponOut):
    components: list[ComponentOut] = Field(description="Current and replaced parts")
    marks: list[MarkOut] = Field(description="Concealed marks only for those allowed them")
    events: list[EventOut] = Field(description="The life-cycle timeline, oldest first")
    images: list[ImageOut] = Field(description="Photographs, as the marks are shown")
    restorations: list[RestorationOut] = Field(description="Restored serials and marks")

    @staticmethod
    def resolve_marks(obj: Weapon, context: dict[str, Any] | None) -> list[Mark]:
        return list(marks_for(_viewer(context), obj))

    @staticmethod
    def resolve_images(obj: Weapon, context: dict[str, Any] | None) -> list[Image]:
        return list(images_for(_viewer(context), obj))

    @staticmethod
    def resolve_restorations(obj: Weapon, context: dict[str, Any] | None) -> list[Restoration]:
        return list(restorations_for(_viewer(context), obj))

    @staticmethod
    def resolve_components(obj: Weapon) -> list[Component]:
        # By id within a type: a successor always comes after the part it replaced, on
        # every database (installed_on may be empty, and NULLs sort differently).
        return list(obj.components.order_by("component_type", "id"))

    @staticmethod
    def resolve_events(obj: Weapon) -> list[Event]:
        return list(timeline(obj))


class WeaponPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[WeaponOut]
