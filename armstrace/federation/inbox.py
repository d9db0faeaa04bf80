"""Receiving: the checks every message passes, in order, and the idempotent inbox.

Each rejection is stored (InboxMessage, status rejected, with its reason and the first
bytes received) and audited, and answered with a 4xx `{"error": code, "reason": text}`
that the sender's outbox shows. An accepted message is applied in the transaction that
stores it; its id is then accepted once: a second delivery answers `duplicate`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from pydantic import BaseModel, ValidationError

from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import keys, messages, services
from armstrace.federation.choices import InboxStatus
from armstrace.federation.models import InboxMessage, NodeIdentity, Peer, PeerKey
from armstrace.tracing.models import TraceRequest

HEAD_BYTES = 512


class Rejection(Exception):
    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.status, self.code, self.reason = status, code, reason


@dataclass(frozen=True)
class Outcome:
    """What applying a message did: accepted, or stale (a step already passed)."""

    status: str
    request: TraceRequest | None = None
    note: str = ""


@dataclass(frozen=True)
class Received:
    node: NodeIdentity
    peer: Peer
    envelope: messages.Envelope
    body: BaseModel


Handler = Callable[[Received], Outcome]
# Message kind -> how it is applied. handlers.py fills it; a new kind (issue 8 items 5-7:
# existence checks, alerts, registries of one state) adds its body model and a handler.
HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class Answer:
    status: int
    payload: dict[str, Any]


def receive(body: bytes, headers: Mapping[str, str], *, too_large: bool = False) -> Answer:
    """Check, store and apply one delivery; the HTTP answer to give. `too_large`: the
    declared length is over the limit, and the body was not read."""
    state: dict[str, Any] = {}
    try:
        if too_large:
            raise Rejection(413, "too_large", f"body over {settings.FEDERATION_MAX_BODY} bytes")
        return _receive(body, headers, state)
    except Rejection as exc:
        record_rejection(exc, body, state)
        return Answer(exc.status, {"error": exc.code, "reason": exc.reason})


def _receive(body: bytes, headers: Mapping[str, str], state: dict[str, Any]) -> Answer:
    node, peer, envelope = authenticate(body, headers, state)
    if seen(envelope):
        return Answer(200, {"status": "duplicate"})
    check_time(envelope)
    model = parse_body(envelope, HANDLERS)
    return _apply(Received(node, peer, envelope, model), body)


def authenticate(
    body: bytes, headers: Mapping[str, str], state: dict[str, Any]
) -> tuple[NodeIdentity, Peer, messages.Envelope]:
    """The checks every signed message passes, in order (the inbox's and the synchronous
    queries' alike): size, JSON, version, envelope, sender and recipient, signature.
    `state` collects what is known so far, for the record of a rejection."""
    if len(body) > settings.FEDERATION_MAX_BODY:
        raise Rejection(413, "too_large", f"body over {settings.FEDERATION_MAX_BODY} bytes")
    value = _json(body)
    state["kind"] = _clean(str(value.get("kind", "")))[:32]
    state["sender"] = _clean(str(value.get("sender", "")))[:64]
    if value.get("schema") != messages.SCHEMA or value.get("version") != messages.VERSION:
        raise Rejection(400, "unsupported_version", "this node speaks armstrace.federation 1")
    envelope = _envelope(value, state)
    node, peer = _parties(envelope, state)
    _verify(peer, envelope, headers, body)
    return node, peer, envelope


def seen(envelope: messages.Envelope) -> bool:
    """This message id was accepted before (replay protection: an id is accepted once)."""
    return InboxMessage.objects.filter(message_id=envelope.id).exclude(status="rejected").exists()


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = messages.loads(body)
    except ValueError as exc:  # also UnicodeDecodeError and FloatInMessage
        raise Rejection(400, "malformed", f"not JSON: {exc}"[:300]) from None
    if not isinstance(value, dict):
        raise Rejection(400, "malformed", "the envelope is a JSON object")
    return value


def _envelope(value: dict[str, Any], state: dict[str, Any]) -> messages.Envelope:
    try:
        envelope = messages.Envelope.model_validate(value)
    except ValidationError as exc:
        raise Rejection(400, "malformed", f"envelope: {messages.error_field(exc)}") from None
    state["message_id"] = envelope.id
    return envelope


def _parties(envelope: messages.Envelope, state: dict[str, Any]) -> tuple[NodeIdentity, Peer]:
    node = services.identity()
    if node is None or envelope.recipient != node.node_id:
        raise Rejection(403, "unknown_sender", f"this node is not {envelope.recipient}")
    peer = Peer.objects.filter(node_id=envelope.sender, active=True).first()
    if peer is None:
        raise Rejection(403, "unknown_sender", f"{envelope.sender} is not an active peer")
    state["peer"] = peer
    return node, peer


def _verify(
    peer: Peer, envelope: messages.Envelope, headers: Mapping[str, str], body: bytes
) -> None:
    problem = signature_problem(peer, envelope.key_id, headers.get(keys.HEADER, ""), body)
    if problem:
        raise Rejection(403, "bad_signature", problem)


def signature_problem(peer: Peer, key_id: str, header_value: str, body: bytes) -> str:
    """Why `header_value` is not the peer's valid signature over `body` ('' when it is);
    also used by a requester to verify a signed query answer."""
    header = keys.parse_header(header_value)
    if header is None:
        return f"missing or unreadable {keys.HEADER} header"
    if header.key_id != key_id:
        return "the header and the envelope name other keys"
    key = PeerKey.objects.filter(peer=peer, key_id=header.key_id).first()
    if key is None:
        return f"unknown key {header.key_id}"
    grace = dt.timedelta(hours=settings.FEDERATION_KEY_GRACE_HOURS)
    if key.retired_at is not None and key.retired_at + grace < clock.now():
        return f"key {header.key_id} was retired"
    if not keys.verify(key.public_key, header.signature, body):
        return "the signature does not verify over the body"
    return ""


def check_time(envelope: messages.Envelope) -> None:
    now = clock.now()
    skew = dt.timedelta(seconds=settings.FEDERATION_CLOCK_SKEW)
    if envelope.sent_at > now + skew:
        raise Rejection(400, "clock_skew", f"sent_at is in the future (now {now.isoformat()})")
    if envelope.expires_at < now:
        raise Rejection(400, "expired", f"the message expired at {envelope.expires_at}")


def parse_body(envelope: messages.Envelope, handled: Container[str]) -> BaseModel:
    """The body, validated against its kind's model; a kind not in `handled` is refused."""
    model = messages.BODIES.get(envelope.kind)
    if model is None or envelope.kind not in handled:
        raise Rejection(422, "unknown_kind", f"body: kind {envelope.kind!r} is not handled")
    try:
        return model.model_validate(envelope.body)
    except ValidationError as exc:
        field = messages.error_field(exc)
        raise Rejection(422, "invalid_body", f"body.{field}: {_first_message(exc)}") from None


def _first_message(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0].get("msg", "")) if errors else ""


def _apply(received: Received, body: bytes) -> Answer:
    envelope, peer = received.envelope, received.peer
    service = received.node.service_user
    name = f"federation: {peer.node_id}"
    try:
        with (
            audit_context(actor_id=service.pk, actor_name=name, channel="federation"),
            transaction.atomic(),
        ):
            outcome = HANDLERS[envelope.kind](received)
            row = InboxMessage.objects.create(
                message_id=envelope.id,
                peer=peer,
                sender=envelope.sender,
                kind=envelope.kind,
                request=outcome.request,
                status=outcome.status,
                reason=outcome.note,
                http_status=200,
                head=head(body),
                received_at=clock.now(),
                sent_at=envelope.sent_at,
            )
            record_event(
                f"federation:message:{outcome.status}",
                object_type="federation.inboxmessage",
                object_id=str(envelope.id),
                data={
                    "kind": envelope.kind,
                    "from": peer.node_id,
                    "request": outcome.request.request_id if outcome.request else None,
                    "inbox": row.pk,
                },
            )
    except IntegrityError:  # the same id accepted meanwhile by a concurrent delivery
        if InboxMessage.objects.filter(message_id=envelope.id).exists():
            return Answer(200, {"status": "duplicate"})
        raise
    except DomainValidationError as exc:
        raise Rejection(422, "invalid_body", _domain_reason(exc)) from None
    return Answer(200, {"status": outcome.status})


def _domain_reason(exc: DomainValidationError) -> str:
    return str(exc)[:1000]


def _clean(text: str) -> str:
    """NUL, which PostgreSQL text refuses, shown as U+FFFD."""
    return text.replace("\x00", "\ufffd")


def head(body: bytes) -> str:
    """The first bytes received, kept with the row."""
    return _clean(body[:HEAD_BYTES].decode("utf-8", errors="replace"))


def record_rejection(exc: Rejection, body: bytes, state: dict[str, Any]) -> None:
    """A rejection stored (InboxMessage, status rejected) and audited, with its reason."""
    message_id = state.get("message_id")
    with transaction.atomic():
        row = InboxMessage.objects.create(
            message_id=message_id if isinstance(message_id, uuid.UUID) else None,
            peer=state.get("peer"),
            sender=state.get("sender", ""),
            kind=state.get("kind", ""),
            status=InboxStatus.REJECTED,
            error=exc.code,
            reason=_clean(exc.reason),
            http_status=exc.status,
            head=head(body),
            received_at=clock.now(),
        )
        record_event(
            "federation:message:rejected",
            object_type="federation.inboxmessage",
            object_id=str(row.pk),
            data={"error": exc.code, "reason": exc.reason, "sender": row.sender},
        )
