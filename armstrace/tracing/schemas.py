"""Request and response shapes of the tracing API.

Enumerations are the model's TextChoices, so the OpenAPI document lists every allowed
value. The para 17 content is optional here on purpose: the service checks it and names
every missing field in one answer, not only the first that the schema would catch.
"""

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from armstrace.reference.choices import WeaponType
from armstrace.tracing.choices import (
    Channel,
    Completeness,
    Confidentiality,
    Direction,
    ExportFormat,
    FoundContext,
    Ground,
    IllicitGround,
    Priority,
    RoutingReason,
    Status,
)
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.rules import targets
from armstrace.tracing.selectors import lateness


class TraceRequestIn(Schema):
    direction: Direction
    channel: Channel | None = None
    case_ref: str = Field("", description="The requesting agency's case reference")
    parent_id: str | None = Field(None, description="request_id of the request this follows up")
    requesting_state: str = Field("", description="Incoming only: ISO code of the asking state")
    requesting_agency_name: str = Field("", description="Incoming only: the asking agency")
    requested_state: str = Field("", description="Outgoing only: ISO code of the state asked")
    routing_reason: RoutingReason | None = None
    external_ref: str = Field("", description="The counterpart's own reference")
    officer_name: str = ""
    officer_phone: str = ""
    officer_email: str = ""
    officer_badge: str = ""
    priority: Priority = Priority.ROUTINE
    priority_justification: str = ""
    serial_as_read: str = Field("", description="The serial as read; ? for an unreadable one")
    serial_obliterated: bool = False
    markings: str = Field("", description="Every marking as read")
    weapon_type: WeaponType | None = None
    calibre: str = ""
    manufacturer: str = ""
    model: str = ""
    country_of_manufacture: str = ""
    other_identifiers: str = ""
    illicit_grounds: list[IllicitGround] = Field(default_factory=list)
    legal_justification: str = ""
    found_on: dt.date | None = None
    found_place: str = ""
    found_context: FoundContext | None = None
    offence: str = ""
    intended_use: str = ""
    confidentiality: Confidentiality | None = None
    use_restrictions: str = ""
    ballistic_ref: str = ""
    chain_so_far: str = Field("", description="What earlier answers of the case established")
    language: str = "en"


class TransitionIn(Schema):
    to: Status
    grounds: list[Ground] = Field(default_factory=list, description="ITI para 22")
    reasons: str = Field("", description="ITI para 23")
    note: str = ""


class DraftIn(Schema):
    weapon_id: uuid.UUID | None = Field(None, description="The weapon chosen among candidates")


class ReleaseIn(Schema):
    completeness: Completeness
    redact_personal: bool = Field(True, description="Withhold the names of natural persons")
    note: str = ""
    confidentiality: Confidentiality | None = Field(None, description="Default: the request's")
    use_restrictions: str = Field("", description="Default: the request's")


class QuestionIn(Schema):
    party_id: int = Field(description="A manufacturer, importer, exporter or dealer (registry)")
    question: str = ""


class QuestionOut(Schema):
    id: int
    party_id: int
    party_name: str
    serial: str
    make: str
    model: str
    question: str
    confidentiality: str
    use_restrictions: str
    asked_at: dt.datetime
    asked_by_name: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    answered_at: dt.datetime | None
    found: str
    sold_to: str
    sold_on: dt.date | None
    document_ref: str
    answer_note: str
    answered_by_name: str


class QuestionCreatedOut(Schema):
    question: QuestionOut
    link: str = Field(description="The one-time portal link; shown only in this answer")


class TraceEventOut(Schema):
    seq: int
    kind: str
    rule: str
    status_before: str
    status_after: str
    grounds: list[str]
    reasons: str
    note: str
    at: dt.datetime
    actor_name: str
    correlation_id: str


class TraceAnswerOut(Schema):
    id: int
    weapon_id: uuid.UUID | None
    draft: dict[str, Any]
    released: dict[str, Any] | None
    completeness: str
    drafted_at: dt.datetime
    drafted_by_name: str
    released_at: dt.datetime | None
    released_by_name: str
    source: str
    responder_ref: str
    confidentiality: str
    use_restrictions: str


class TraceRequestOut(Schema):
    request_id: str
    direction: str
    channel: str
    status: str
    case_ref: str
    parent_id: str | None
    requesting_state: str
    requesting_agency_name: str
    requested_state: str
    routing_reason: str
    external_ref: str
    officer_name: str
    officer_phone: str
    officer_email: str
    officer_badge: str
    priority: str
    priority_justification: str
    serial_as_read: str
    serial_obliterated: bool
    markings: str
    weapon_type: str
    calibre: str
    manufacturer: str
    model: str
    country_of_manufacture: str | None
    other_identifiers: str
    illicit_grounds: list[str]
    legal_justification: str
    found_on: dt.date
    found_place: str
    found_context: str
    offence: str
    intended_use: str
    confidentiality: str
    use_restrictions: str
    ballistic_ref: str
    chain_so_far: str
    language: str
    sent_at: dt.datetime | None
    ack_due_at: dt.datetime | None
    answer_due_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    reminders: int
    escalated_at: dt.datetime | None
    weapon_id: uuid.UUID | None
    created_at: dt.datetime

    @staticmethod
    def resolve_parent_id(obj: TraceRequest) -> str | None:
        return obj.parent.request_id if obj.parent is not None else None

    @staticmethod
    def resolve_requesting_state(obj: TraceRequest) -> str:
        return obj.requesting_state_id

    @staticmethod
    def resolve_requested_state(obj: TraceRequest) -> str:
        return obj.requested_state_id

    @staticmethod
    def resolve_country_of_manufacture(obj: TraceRequest) -> str | None:
        return obj.country_of_manufacture_id


class TraceDetailOut(TraceRequestOut):
    overdue: str | None
    next_statuses: list[str]
    events: list[TraceEventOut]
    answers: list[TraceAnswerOut]
    questions: list[QuestionOut]

    @staticmethod
    def resolve_answers(obj: TraceRequest) -> list[Any]:
        """Set by the handler: the answers this caller may see (selectors.answers_for)."""
        return list(getattr(obj, "visible_answers", []))

    @staticmethod
    def resolve_questions(obj: TraceRequest) -> list[Any]:
        """Set by the handler: selectors.questions_for (the requested side only)."""
        return list(getattr(obj, "visible_questions", []))

    @staticmethod
    def resolve_overdue(obj: TraceRequest) -> str | None:
        return lateness(obj)

    @staticmethod
    def resolve_next_statuses(obj: TraceRequest) -> list[str]:
        return [s.value for s in targets(Direction(obj.direction), Status(obj.status))]


class TraceFilters(Schema):
    status: Status | None = None
    direction: Direction | None = None
    case_ref: str | None = None
    overdue: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class TracePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TraceRequestOut]


class ExportFilters(Schema):
    format: ExportFormat = ExportFormat.JSON
    to: str = Field("", max_length=200, description="Recipient, recorded (default: counterpart)")
