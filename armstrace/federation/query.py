"""Synchronous signed queries between the registries of one state (issue 8 item 7, R8).

A query is an envelope of a kind in messages.QUERIES, signed as every message is and
POSTed to QUERY_PATH. The responder checks it as the inbox checks a message
(inbox.authenticate, then replay, clock and body), refuses it unless its sender is an
active peer of this node's own state (a domestic registry), stores it in the inbox once
(a second post of the same id is refused as a replay) and answers at once with a signed
envelope of kind `<query kind>.result` whose body names the query (`query_id`). A refusal
is recorded and audited as the inbox records one, and answered `{"error", "reason"}`.

The requester signs in the calling thread, posts (only the HTTP call may run in another
thread: no database work there), then verifies the answer in the calling thread: the
peer's signature with the peer key it knows, sender, recipient, kind, expiry, and that
the answer names its query.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from pydantic import BaseModel, ValidationError

from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import inbox, keys, messages, selectors, services
from armstrace.federation.choices import InboxStatus
from armstrace.federation.inbox import Received, Rejection
from armstrace.federation.models import InboxMessage, NodeIdentity, Peer

QUERY_PATH = "/federation/v1/query"
MAX_ANSWER = 32 * 1024 * 1024  # an extract page of 5,000 rows is about 2 MB
QUERY_TTL = dt.timedelta(minutes=5)
ANSWER_TTL = dt.timedelta(minutes=5)

Responder = Callable[[Received], BaseModel]


# --- answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryAnswer:
    status: int
    body: bytes  # canonical JSON: the signed answer envelope, or {"error", "reason"}
    signature: str = ""  # the ArmsTrace-Signature header of a 200 answer


def receive(
    body: bytes,
    headers: Mapping[str, str],
    *,
    responders: Mapping[str, Responder],
    too_large: bool = False,
) -> QueryAnswer:
    """Check one query, answer it with `responders[kind]`, sign the answer."""
    state: dict[str, Any] = {}
    try:
        if too_large:
            raise Rejection(413, "too_large", f"body over {settings.FEDERATION_MAX_BODY} bytes")
        return _receive(body, headers, state, responders)
    except Rejection as exc:
        inbox.record_rejection(exc, body, state)
        return QueryAnswer(
            exc.status, messages.canonical({"error": exc.code, "reason": exc.reason})
        )


def _receive(
    body: bytes,
    headers: Mapping[str, str],
    state: dict[str, Any],
    responders: Mapping[str, Responder],
) -> QueryAnswer:
    node, peer, envelope = inbox.authenticate(body, headers, state)
    if peer.state_id != node.state_id:
        raise Rejection(
            403,
            "not_domestic",
            f"{peer.node_id} is not a registry of {node.state_id}: queries are between "
            "the registries of one state",
        )
    if inbox.seen(envelope):
        raise Rejection(409, "replayed", f"query {envelope.id} was answered before")
    inbox.check_time(envelope)
    model = inbox.parse_body(envelope, responders)
    result = _answer(Received(node, peer, envelope, model), body, responders)
    return _signed(node, peer, messages.QUERIES[envelope.kind], result)


def _answer(received: Received, body: bytes, responders: Mapping[str, Responder]) -> BaseModel:
    node, peer, envelope = received.node, received.peer, received.envelope
    asker = f"{peer.node_id}/{getattr(received.body, 'user', '')}"[:150]
    purpose = str(getattr(received.body, "purpose", ""))[:200]
    try:
        with (
            audit_context(
                actor_id=node.service_user.pk,
                actor_name=asker,
                channel="federation",
                purpose=purpose,
            ),
            transaction.atomic(),
        ):
            InboxMessage.objects.create(
                message_id=envelope.id,
                peer=peer,
                sender=envelope.sender,
                kind=envelope.kind,
                status=InboxStatus.ACCEPTED,
                http_status=200,
                head=inbox.head(body),
                received_at=clock.now(),
                sent_at=envelope.sent_at,
            )
            result = responders[envelope.kind](received)
            record_event(
                "federation:query:answered",
                object_type="federation.inboxmessage",
                object_id=str(envelope.id),
                data={
                    "kind": envelope.kind,
                    "from": peer.node_id,
                    "asker": asker,
                    "purpose": purpose,
                },
            )
    except IntegrityError:  # the same id answered meanwhile
        raise Rejection(409, "replayed", f"query {envelope.id} was answered before") from None
    except DomainValidationError as exc:
        raise Rejection(422, "invalid_body", f"{exc.field}: {exc.message}"[:1000]) from None
    return result


def _sealed(
    node: NodeIdentity, peer: Peer, kind: str, body: BaseModel, ttl: dt.timedelta
) -> tuple[dict[str, Any], bytes, str]:
    """The envelope, its canonical bytes and their signature with our current key."""
    key = services.current_key()
    value = messages.envelope(
        kind=kind,
        sender=node.node_id,
        recipient=peer.node_id,
        key_id=key.key_id,
        body=body,
        now=clock.now(),
        ttl=ttl,
    )
    raw = messages.canonical(value)
    return value, raw, keys.sign(key.key_id, raw)


def _signed(node: NodeIdentity, peer: Peer, kind: str, body: BaseModel) -> QueryAnswer:
    _value, raw, signature = _sealed(node, peer, kind, body, ANSWER_TTL)
    return QueryAnswer(200, raw, signature)


# --- asking ----------------------------------------------------------------------------------


class QueryFailed(Exception):
    """No usable answer: `code` is unreachable, refused, bad_signature or bad_answer."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class Prepared:
    peer: Peer
    node: NodeIdentity
    kind: str
    query_id: uuid.UUID
    url: str
    body: bytes
    signature: str


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no HTTP answer (connection refused, timeout)
    body: bytes
    signature: str = ""


def query_url(endpoint: str) -> str:
    base = endpoint.rstrip("/")
    return base if base.endswith(QUERY_PATH) else base + QUERY_PATH


def domestic_peers() -> list[Peer]:
    """The active peers of this node's own state: the other registries of this state."""
    return list(selectors.domestic_peers())


def prepare(peer: Peer, kind: str, body: BaseModel) -> Prepared:
    """The signed query (database work: run it in the calling thread)."""
    node = services.identity()
    if node is None:
        raise QueryFailed("refused", "this node is not initialised: run federation init")
    if not peer.active or peer.state_id != node.state_id:
        raise QueryFailed("refused", f"{peer.node_id} is not an active registry of this state")
    value, raw, signature = _sealed(node, peer, kind, body, QUERY_TTL)
    return Prepared(
        peer, node, kind, uuid.UUID(value["id"]), query_url(peer.endpoint), raw, signature
    )


def post(url: str, body: bytes, signature: str) -> Reply:
    """The HTTP call alone (no database): safe in a worker thread."""
    headers = {"Content-Type": "application/json", keys.HEADER: signature}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.FEDERATION_TIMEOUT) as response:  # noqa: S310
            return Reply(
                response.status,
                response.read(MAX_ANSWER + 1),
                response.headers.get(keys.HEADER, ""),
            )
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(4096))
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        return Reply(0, str(exc)[:500].encode())


def send(prepared: Prepared) -> Reply:
    return post(prepared.url, prepared.body, prepared.signature)


def _refusal(reply: Reply) -> QueryFailed:
    if reply.status == 0:
        return QueryFailed("unreachable", reply.body.decode("utf-8", "replace"))
    try:
        value = messages.loads(reply.body[:4096])
        reason = f"{reply.status} {value.get('error', '')}: {value.get('reason', '')}"
    except (ValueError, AttributeError):
        reason = f"{reply.status}: {reply.body[:300].decode('utf-8', 'replace')}"
    return QueryFailed("refused", reason[:1000])


def verify(prepared: Prepared, reply: Reply) -> BaseModel:
    """The peer's answer body, once its signature and envelope check out (database work:
    run it in the calling thread); QueryFailed otherwise."""
    if reply.status != 200:
        raise _refusal(reply)
    if len(reply.body) > MAX_ANSWER:
        raise QueryFailed("bad_answer", f"answer over {MAX_ANSWER} bytes")
    try:
        envelope = messages.Envelope.model_validate(messages.loads(reply.body))
    except (ValueError, ValidationError) as exc:
        raise QueryFailed("bad_answer", f"not an envelope: {messages.error_field(exc)}") from None
    peer, node = prepared.peer, prepared.node
    if (envelope.sender, envelope.recipient) != (peer.node_id, node.node_id):
        raise QueryFailed("bad_answer", "the answer names other nodes")
    problem = inbox.signature_problem(peer, envelope.key_id, reply.signature, reply.body)
    if problem:
        raise QueryFailed("bad_signature", problem)
    if envelope.kind != messages.QUERIES[prepared.kind]:
        raise QueryFailed("bad_answer", f"an answer of kind {envelope.kind!r}")
    skew = dt.timedelta(seconds=settings.FEDERATION_CLOCK_SKEW)
    now = clock.now()
    if envelope.expires_at < now or envelope.sent_at > now + skew:
        raise QueryFailed("bad_answer", "the answer is expired or dated in the future")
    try:
        model = messages.BODIES[envelope.kind].model_validate(envelope.body)
    except ValidationError as exc:
        raise QueryFailed("bad_answer", f"body.{messages.error_field(exc)}") from None
    if getattr(model, "query_id", None) != prepared.query_id:
        raise QueryFailed("bad_answer", "the answer is not to this query")
    return model


def ask(peer: Peer, kind: str, body: BaseModel) -> BaseModel:
    """One query, sent and its answer verified, in this thread."""
    prepared = prepare(peer, kind, body)
    return verify(prepared, send(prepared))
