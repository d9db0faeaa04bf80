"""The transactional outbox: tracing's `event_appended` is heard inside the transaction of
the step, and the message that step owes a peer is queued in that same transaction.

Steps that concern a peer: our outgoing request sent to a state with an active peer (a
follow-up travels as `trace.follow_up`), its reminders and closing; and, on a request
that came from a peer, our acknowledgement, status changes and released answer. Steps
taken while applying a peer's own message are not echoed back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel

from armstrace.core import clock
from armstrace.federation import messages, services
from armstrace.federation.choices import Kind
from armstrace.federation.models import Peer, RequestLink
from armstrace.tracing.choices import Direction, EventKind, Status
from armstrace.tracing.exchange import answer_document, request_document
from armstrace.tracing.models import TraceAnswer, TraceEvent, TraceRequest
from armstrace.tracing.signals import event_appended

_applying: ContextVar[bool] = ContextVar("federation_applying", default=False)
STATUS_MESSAGES = {Status.IN_PROGRESS, Status.DELAYED, Status.RESTRICTED, Status.REFUSED}


@contextlib.contextmanager
def applying() -> Iterator[None]:
    """Steps taken inside apply a peer's message: they owe that peer nothing."""
    token = _applying.set(True)
    try:
        yield
    finally:
        _applying.reset(token)


def connect() -> None:
    event_appended.connect(on_event_appended, sender=TraceEvent, dispatch_uid="federation")


def on_event_appended(sender: Any, event: TraceEvent, **kwargs: Any) -> None:
    if _applying.get() or services.identity() is None:
        return
    request = event.request
    planned = _plan(event, request)
    if planned is not None:
        peer, kind, body = planned
        services.queue_message(peer=peer, kind=kind, body=body, request=request)


def _plan(event: TraceEvent, request: TraceRequest) -> tuple[Peer, str, BaseModel] | None:
    sent = event.kind == EventKind.TRANSITION and event.status_after == Status.SENT
    if request.direction == Direction.OUTGOING and sent:
        return _sent(request)
    link = RequestLink.objects.select_related("peer").filter(request=request).first()
    if link is None or not link.peer.active:
        return None
    body = _reply(event, request, link.peer_request_id)
    if body is None:
        return None
    kind, model = body
    return link.peer, kind, model


def _sent(request: TraceRequest) -> tuple[Peer, str, BaseModel] | None:
    peer = services.peer_for_state(request.requested_state_id)
    if peer is None:
        return None
    RequestLink.objects.create(request=request, peer=peer, peer_request_id=request.request_id)
    document = messages.RequestDocument.model_validate(request_document(request))
    if request.parent is None:
        return peer, Kind.REQUEST, messages.TraceRequestBody(document=document)
    body = messages.FollowUpBody(document=document, parent_request_id=request.parent.request_id)
    return peer, Kind.FOLLOW_UP, body


def _reply(event: TraceEvent, request: TraceRequest, rid: str) -> tuple[str, BaseModel] | None:
    """What this step of a linked request tells the peer, if anything."""
    outgoing = request.direction == Direction.OUTGOING
    status = Status(event.status_after)
    if event.kind == EventKind.REMINDER and outgoing:
        return Kind.REMINDER, messages.ReminderBody(
            request_id=rid,
            late="ack" if event.note == "ack" else "answer",
            reminder=max(request.reminders, 1),
            at=event.at,
        )
    if event.kind == EventKind.ANSWER_RELEASED and not outgoing:
        answer = _released(request)
        if answer is not None:
            return Kind.ANSWER, messages.AnswerBody(
                request_id=rid, document=answer_document(answer)
            )
        return None
    if event.kind != EventKind.TRANSITION:
        return None
    if status == Status.CLOSED:
        return Kind.STATUS, _status(event, rid, "closed")
    if outgoing:
        return None
    if status == Status.ACKNOWLEDGED:
        body = messages.AcknowledgementBody(
            request_id=rid, acknowledged_at=event.at, responder_ref=request.request_id
        )
        return Kind.ACKNOWLEDGEMENT, body
    if status in STATUS_MESSAGES:
        return Kind.STATUS, _status(event, rid, status.value)
    return None


def _status(event: TraceEvent, rid: str, status: str) -> messages.StatusBody:
    return messages.StatusBody.model_validate(
        {
            "request_id": rid,
            "status": status,
            "grounds": list(event.grounds),
            "reasons": event.reasons,
            "note": event.note,
            "at": event.at or clock.now(),
        }
    )


def _released(request: TraceRequest) -> TraceAnswer | None:
    answers = TraceAnswer.objects.filter(request=request, released_at__isnull=False)
    return answers.order_by("-released_at", "-id").first()
