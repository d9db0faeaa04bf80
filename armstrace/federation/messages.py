"""The federation's messages, version 1: an envelope and one body model per kind.

`model_json_schema()` of each model is the published JSON schema (`armstrace federation
schemas`, GET /federation/v1/schemas, docs/architecture/federation.md). On the wire the
envelope is canonical JSON: UTF-8, keys sorted, no insignificant whitespace, no floats.
Request and answer bodies carry tracing's own documents (tracing.exchange).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA, VERSION = "armstrace.federation", 1
NODE_ID = r"^[A-Z]{2}(-[A-Z0-9]{1,12})?$"
COUNTRY = r"^[A-Z]{2}$"
KEY_ID = r"^[0-9a-f]{16}$"
Text = str
# A request id as its node gave it (ours: KE-2026-000042); printable, no spaces.
RequestId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./:-]{0,31}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=20000)


class _Document(BaseModel):
    """Tracing's documents may gain fields; a receiver ignores the ones it does not know."""

    model_config = ConfigDict(extra="ignore", str_max_length=20000)


class Envelope(_Model):
    schema_: Literal["armstrace.federation"] = Field(alias="schema")
    version: Literal[1]
    id: uuid.UUID
    kind: str = Field(max_length=32)
    sender: str = Field(pattern=NODE_ID)
    recipient: str = Field(pattern=NODE_ID)
    sent_at: dt.datetime
    expires_at: dt.datetime
    key_id: str = Field(pattern=KEY_ID)
    body: dict[str, Any]

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _aware(self) -> Envelope:
        if self.sent_at.tzinfo is None or self.expires_at.tzinfo is None:
            raise ValueError("sent_at and expires_at carry a time zone")
        return self


# --- trace.request and trace.follow_up: tracing.exchange.request_document ----------------


class Officer(_Document):
    name: Text = Field(min_length=1)
    phone: Text = ""
    email: Text = ""
    badge: Text = ""


class Requesting(_Document):
    state: str = Field(pattern=COUNTRY)
    agency: Text = Field(min_length=1)
    officer: Officer


class Requested(_Document):
    state: str = Field(pattern=COUNTRY)
    reason: Text = ""


class WeaponAsRead(_Document):
    serial_as_read: Text = ""
    serial_obliterated: bool = False
    markings: Text
    weapon_type: Text
    calibre: Text
    manufacturer: Text = ""
    model: Text = ""
    country_of_manufacture: Text = ""
    other_identifiers: Text = ""
    ballistic_ref: Text = ""


class Circumstances(_Document):
    illicit_grounds: list[str]
    legal_justification: Text
    found_on: dt.date
    found_place: Text
    found_context: Text
    offence: Text = ""


class RequestContent(_Document):
    request_id: RequestId
    case_ref: Text
    parent_id: str | None = None
    channel: Text
    priority: Text
    priority_justification: Text = ""
    language: Text = "en"
    requesting: Requesting
    requested: Requested
    weapon: WeaponAsRead
    circumstances: Circumstances
    intended_use: Text
    chain_so_far: Text = ""


class Restrictions(_Document):
    level: Text
    use_restrictions: Text


class RequestDocument(_Document):
    schema_: Literal["armstrace.trace-request"] = Field(alias="schema")
    version: Literal[1]
    confidentiality: Restrictions
    request: RequestContent


class TraceRequestBody(_Model):
    document: RequestDocument


class FollowUpBody(_Model):
    """A request that continues a trace: `parent_request_id` is the request whose answer
    led here (the document's chain_so_far says what it established)."""

    document: RequestDocument
    parent_request_id: RequestId


# --- replies and the rest ------------------------------------------------------------------


class AcknowledgementBody(_Model):
    request_id: RequestId
    acknowledged_at: dt.datetime
    responder_ref: str = Field(default="", max_length=80)


Ground = Literal["investigation", "national_security", "legal_protection", "other"]
REASONED = {"delayed", "restricted", "refused"}


class StatusBody(_Model):
    """ITI paras 22-23: a delay, restriction or refusal names its grounds and reasons."""

    request_id: RequestId
    status: Literal["in_progress", "delayed", "restricted", "refused", "closed"]
    grounds: list[Ground] = []
    reasons: str = Field(default="", max_length=5000)
    note: str = Field(default="", max_length=5000)
    at: dt.datetime

    @model_validator(mode="after")
    def _reasoned(self) -> StatusBody:
        if self.status in REASONED and not (self.grounds and self.reasons.strip()):
            raise ValueError("a delay, restriction or refusal names grounds and reasons")
        return self


class AnswerBody(_Model):
    """`document` is tracing.exchange's answer document (schema armstrace.trace-answer),
    read field by field with exchange.parse_answer_document."""

    request_id: RequestId
    document: dict[str, Any]


class ReminderBody(_Model):
    request_id: RequestId
    late: Literal["ack", "answer"]
    reminder: int = Field(ge=1)
    at: dt.datetime


class KeyRotatedBody(_Model):
    """Signed with the old key: the new one, and until when the old one still verifies."""

    key_id: str = Field(pattern=KEY_ID)
    public_key: str = Field(max_length=2000)
    previous_key_id: str = Field(pattern=KEY_ID)
    grace_until: dt.datetime


# --- alert.published: a lost, stolen or diverted weapon, for the region ---------------------


class AlertRestrictions(_Model):
    level: Literal["unrestricted", "restricted", "confidential"]
    use_restrictions: str = Field(default="", max_length=2000)


class AlertBody(_Model):
    """One alert, as its origin published it; a hub relays it unchanged (the alert id
    makes it idempotent across hops)."""

    alert_id: uuid.UUID
    origin: str = Field(pattern=NODE_ID)
    kind: Literal["lost", "stolen", "diverted"]
    manufacturer: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=120)
    calibre: str = Field(default="", max_length=60)
    weapon_type: str = Field(default="", max_length=32)
    serial: str = Field(min_length=1, max_length=64)
    event_date: dt.date | None = None
    event_country: str = Field(default="", pattern=r"^([A-Z]{2})?$")
    note: str = Field(default="", max_length=2000)
    confidentiality: AlertRestrictions
    published_at: dt.datetime


# --- existence.*: the privacy-preserving existence check (federation.md) --------------------

# A group element or a sealed reference, base64url; a token prefix, lower-case hex.
Point = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{43}=$")]
Prefix = Annotated[str, Field(pattern=r"^[0-9a-f]{4}$")]


class ExistenceQueryBody(_Model):
    """The asker's blinded points r·H1(x), one per form of its identifier."""

    query_id: uuid.UUID
    points: list[Point] = Field(min_length=1, max_length=2)


class ExistenceAnswerBody(_Model):
    """k·P for each point, in the order asked."""

    query_id: uuid.UUID
    points: list[Point] = Field(min_length=1, max_length=2)


class ExistenceBucketRequestBody(_Model):
    """The 2-byte prefixes of the asker's tokens, with random decoys."""

    query_id: uuid.UUID
    prefixes: list[Prefix] = Field(min_length=1, max_length=4)


class BucketEntry(_Model):
    tag: str = Field(pattern=r"^[0-9a-f]{64}$")  # SHA-256(DST "tag" T)
    ref: str = Field(max_length=200)  # the weapon reference, sealed under T


class ExistenceBucketsBody(_Model):
    query_id: uuid.UUID
    entries: list[BucketEntry] = Field(max_length=5000)


# --- registry.*: synchronous, signed queries between the registries of one state --------------
# Posted to /federation/v1/query and answered at once, in a signed envelope of kind
# `<kind>.result` whose body names the query's envelope id (`query_id`).

MAX_EXTRACT_PAGE = 5000
WeaponRef = Annotated[str, Field(max_length=64)]


class RegistrySearchBody(_Model):
    """A serial search run by the responder's search service and logged there, with the
    asker recorded as `<node id>/<user>` and the purpose given."""

    serial: str = Field(default="", max_length=64)
    manufacturer: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=120)
    calibre: str = Field(default="", max_length=60)
    weapon_type: str = Field(default="", max_length=32)
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$")
    limit: int = Field(default=20, ge=1, le=100)
    purpose: str = Field(min_length=1, max_length=200)
    user: str = Field(min_length=1, max_length=150)


class RegistryCandidate(_Model):
    """One candidate as the responder's search ranked it. The score is in thousandths
    (messages carry no floats)."""

    weapon_ref: WeaponRef
    record_ref: str = Field(default="", max_length=120)
    serial: str = Field(max_length=64)
    manufacturer: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=120)
    calibre: str = Field(default="", max_length=60)
    weapon_type: str = Field(default="", max_length=32)
    status: str = Field(default="", max_length=16)
    match: str = Field(max_length=16)
    score: int = Field(ge=0)
    reasons: list[str] = Field(default=[], max_length=20)


class RegistrySearchResultBody(_Model):
    query_id: uuid.UUID
    total: int = Field(ge=0)
    truncated: bool = False
    message: str = Field(default="", max_length=2000)
    candidates: list[RegistryCandidate] = Field(default=[], max_length=100)


class RegistryExtractBody(_Model):
    """One page of the responder's identity rows, weapons after `after` in id order."""

    after: str = Field(default="", max_length=64)
    limit: int = Field(default=1000, ge=1, le=MAX_EXTRACT_PAGE)
    purpose: str = Field(min_length=1, max_length=200)
    user: str = Field(min_length=1, max_length=150)


class IdentityRow(_Model):
    weapon_ref: WeaponRef
    manufacturer: str = Field(default="", max_length=200)  # canonical name when resolved
    maker: str = Field(default="", max_length=80)  # the reference data's key, when resolved
    canonical_serial: str = Field(max_length=64)  # confusable-canonical (search.serials)
    serial: str = Field(max_length=64)  # as marked
    model: str = Field(default="", max_length=120)
    calibre: str = Field(default="", max_length=60)
    weapon_type: str = Field(default="", max_length=32)
    status: str = Field(default="", max_length=16)
    holder_category: str = Field(default="", max_length=16)


class RegistryExtractResultBody(_Model):
    query_id: uuid.UUID
    rows: list[IdentityRow] = Field(default=[], max_length=MAX_EXTRACT_PAGE)
    next_after: str = Field(default="", max_length=64)  # '' when this was the last page


QUERIES: dict[str, str] = {  # query kind -> the kind of its signed answer
    "registry.search": "registry.search.result",
    "registry.extract": "registry.extract.result",
}

BODIES: dict[str, type[BaseModel]] = {
    "trace.request": TraceRequestBody,
    "trace.follow_up": FollowUpBody,
    "trace.acknowledgement": AcknowledgementBody,
    "trace.status": StatusBody,
    "trace.answer": AnswerBody,
    "trace.reminder": ReminderBody,
    "key.rotated": KeyRotatedBody,
    "alert.published": AlertBody,
    "existence.query": ExistenceQueryBody,
    "existence.answer": ExistenceAnswerBody,
    "existence.bucket_request": ExistenceBucketRequestBody,
    "existence.buckets": ExistenceBucketsBody,
    "registry.search": RegistrySearchBody,
    "registry.search.result": RegistrySearchResultBody,
    "registry.extract": RegistryExtractBody,
    "registry.extract.result": RegistryExtractResultBody,
}


def schemas() -> dict[str, Any]:
    """Every published schema: the envelope and each kind's body."""
    published = {"envelope": Envelope.model_json_schema(by_alias=True)}
    for kind, model in BODIES.items():
        published[kind] = model.model_json_schema(by_alias=True)
    return published


# --- canonical JSON ------------------------------------------------------------------------


class FloatInMessage(ValueError):
    """Floats have no single canonical form; messages carry none."""


def _no_floats(value: Any) -> None:
    if isinstance(value, float):
        raise FloatInMessage("floats are not allowed in federation messages")
    if isinstance(value, dict):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list):
        for item in value:
            _no_floats(item)


def canonical(value: dict[str, Any]) -> bytes:
    _no_floats(value)
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _refuse_float(text: str) -> Any:
    raise FloatInMessage(f"floats are not allowed ({text})")


def loads(body: bytes) -> Any:
    """Parse received bytes; a float, NaN or invalid UTF-8 raises ValueError."""
    return json.loads(body.decode("utf-8"), parse_float=_refuse_float, parse_constant=_refuse_float)


def envelope(
    *,
    kind: str,
    sender: str,
    recipient: str,
    key_id: str,
    body: BaseModel,
    now: dt.datetime,
    ttl: dt.timedelta,
    message_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The envelope as a JSON-ready dict (body checked against its kind's model)."""
    BODIES[kind].model_validate(body.model_dump(mode="json", by_alias=True))
    value = Envelope(
        schema="armstrace.federation",
        version=1,
        id=message_id or uuid.uuid4(),
        kind=kind,
        sender=sender,
        recipient=recipient,
        sent_at=now,
        expires_at=now + ttl,
        key_id=key_id,
        body=body.model_dump(mode="json", by_alias=True),
    )
    return value.model_dump(mode="json", by_alias=True)


def error_field(exc: Exception) -> str:
    """The first wrong field of a pydantic ValidationError, as a dotted path."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return ""
    first = errors()[0] if errors() else {}
    return ".".join(str(part) for part in first.get("loc", ()))


START, END = "<!-- schemas:start -->", "<!-- schemas:end -->"


def with_schemas(document: str) -> str:
    """The protocol document with its schema block (between START and END) regenerated."""
    blocks = [START]
    for name, schema in schemas().items():
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False)
        blocks += ["", f"### `{name}`", "", "```json", text, "```"]
    blocks += ["", END]
    head, _, rest = document.partition(START)
    _, _, tail = rest.partition(END)
    return head + "\n".join(blocks) + tail
