"""How each kind of message is applied, through tracing's own services.

Delivery order between two nodes is not guaranteed, so a handler copes: an answer (or a
delay, restriction, refusal) that arrives before the acknowledgement implies it; a
message for a step already passed is accepted as stale and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import alerts, existence, keys, messages
from armstrace.federation.choices import Kind
from armstrace.federation.inbox import Handler, Outcome, Received
from armstrace.federation.models import PeerKey, RequestLink
from armstrace.federation.outbox import applying
from armstrace.tracing import exchange, services
from armstrace.tracing.choices import Channel, Direction, EventKind, Status
from armstrace.tracing.exceptions import TransitionRefused
from armstrace.tracing.models import TraceRequest

ACCEPTED, STALE = "accepted", "stale"


def _linked(received: Received, request_id: str) -> TraceRequest:
    link = RequestLink.objects.filter(peer=received.peer, peer_request_id=request_id).first()
    if link is None:
        raise DomainValidationError(
            "body.request_id", _("no request %(id)s with this peer") % {"id": request_id}
        )
    return TraceRequest.objects.get(pk=link.request_id)


# --- requests ------------------------------------------------------------------------------


def _request_input(received: Received, document: messages.RequestDocument) -> services.RequestInput:
    content, peer = document.request, received.peer
    if content.requesting.state != peer.state_id:
        raise DomainValidationError(
            "body.document.request.requesting.state", _("is not the sender's state")
        )
    if content.requested.state != received.node.state_id:
        raise DomainValidationError(
            "body.document.request.requested.state", _("is not this node's state")
        )
    channel = content.channel if content.channel in Channel.values else Channel.BILATERAL_NPC
    weapon, found = content.weapon, content.circumstances
    return services.RequestInput(
        direction=Direction.INCOMING,
        channel=Channel.BILATERAL_NPC if channel == Channel.DOMESTIC else channel,
        case_ref=content.case_ref,
        requesting_state=peer.state_id,
        requesting_agency_name=content.requesting.agency,
        external_ref=content.request_id,
        officer_name=content.requesting.officer.name,
        officer_phone=content.requesting.officer.phone,
        officer_email=content.requesting.officer.email,
        officer_badge=content.requesting.officer.badge,
        priority=content.priority,
        priority_justification=content.priority_justification,
        serial_as_read=weapon.serial_as_read,
        serial_obliterated=weapon.serial_obliterated,
        markings=weapon.markings,
        weapon_type=weapon.weapon_type,
        calibre=weapon.calibre,
        manufacturer=weapon.manufacturer,
        model=weapon.model,
        country_of_manufacture=weapon.country_of_manufacture,
        other_identifiers=weapon.other_identifiers,
        illicit_grounds=list(found.illicit_grounds),
        legal_justification=found.legal_justification,
        found_on=found.found_on,
        found_place=found.found_place,
        found_context=found.found_context,
        offence=found.offence,
        intended_use=content.intended_use,
        confidentiality=document.confidentiality.level,
        use_restrictions=document.confidentiality.use_restrictions,
        ballistic_ref=weapon.ballistic_ref,
        chain_so_far=content.chain_so_far,
        language=content.language,
    )


def _file(received: Received, document: messages.RequestDocument) -> Outcome:
    """An incoming request, received now; acknowledged at once if the node is set so."""
    rid = document.request.request_id
    known = RequestLink.objects.filter(peer=received.peer, peer_request_id=rid).first()
    if known is not None:
        return Outcome(STALE, TraceRequest.objects.get(pk=known.request_id), _("already filed"))
    service = received.node.service_user
    with applying():
        request = services.create_request(actor=service, data=_request_input(received, document))
        RequestLink.objects.create(request=request, peer=received.peer, peer_request_id=rid)
    if settings.FEDERATION_AUTO_ACKNOWLEDGE:  # outside applying(): the peer hears of it
        services.transition(request=request, to=Status.ACKNOWLEDGED, actor=service)
    return Outcome(ACCEPTED, request)


def trace_request(received: Received) -> Outcome:
    assert isinstance(received.body, messages.TraceRequestBody)
    return _file(received, received.body.document)


def follow_up(received: Received) -> Outcome:
    assert isinstance(received.body, messages.FollowUpBody)
    return _file(received, received.body.document)


# --- replies to our requests, and steps on theirs --------------------------------------------


def _step(
    received: Received, request: TraceRequest, target: Status, body: messages.StatusBody | None
) -> Outcome:
    """Take the step if the table allows it now; otherwise the message is stale."""
    service = received.node.service_user
    try:
        with applying(), transaction.atomic():
            if request.status == Status.SENT and target != Status.ACKNOWLEDGED:
                services.transition(
                    request=request,
                    to=Status.ACKNOWLEDGED,
                    actor=service,
                    note=_("acknowledgement implied by a later message"),
                )
            services.transition(
                request=request,
                to=target,
                actor=service,
                grounds=list(body.grounds) if body else [],
                reasons=body.reasons if body else "",
                note=body.note if body else "",
            )
    except TransitionRefused as exc:
        return Outcome(STALE, request, exc.message)
    return Outcome(ACCEPTED, request)


def acknowledgement(received: Received) -> Outcome:
    assert isinstance(received.body, messages.AcknowledgementBody)
    request = _linked(received, received.body.request_id)
    if request.status != Status.SENT:
        return Outcome(STALE, request, _("already past acknowledgement"))
    return _step(received, request, Status.ACKNOWLEDGED, None)


def status(received: Received) -> Outcome:
    body = received.body
    assert isinstance(body, messages.StatusBody)
    request = _linked(received, body.request_id)
    target = Status(body.status)
    if request.status == target:
        return Outcome(STALE, request, _("already in this status"))
    return _step(received, request, target, body)


def answer(received: Received) -> Outcome:
    body = received.body
    assert isinstance(body, messages.AnswerBody)
    request = _linked(received, body.request_id)
    data = exchange.parse_answer_document(body.document)
    if not exchange.receivable(request):
        return Outcome(STALE, request, _("the request no longer awaits an answer"))
    data.request_id = ""  # the link names our request; the document names the peer's copy
    with applying():
        exchange.record_received_answer(
            request=request, actor=received.node.service_user, data=data
        )
    return Outcome(ACCEPTED, request)


def reminder(received: Received) -> Outcome:
    """A reminder from the requesting state: recorded in the request's history."""
    body = received.body
    assert isinstance(body, messages.ReminderBody)
    request = _linked(received, body.request_id)
    with applying():
        services.append_event(
            request,
            EventKind.REMINDER,
            status_before=request.status,
            rule="remind_received",
            note=body.late,
        )
    return Outcome(ACCEPTED, request)


def key_rotated(received: Received) -> Outcome:
    """The peer's new key; the one that signed this message retires (grace applies)."""
    body = received.body
    assert isinstance(body, messages.KeyRotatedBody)
    try:
        kid = keys.key_id(keys.load_public(body.public_key))
    except keys.KeyProblem as exc:
        raise DomainValidationError("body.public_key", str(exc)) from None
    if kid != body.key_id:
        raise DomainValidationError("body.key_id", _("is not the id of the key given"))
    if PeerKey.objects.filter(peer=received.peer, key_id=kid).exists():
        return Outcome(STALE, note=_("key already known"))
    now = clock.now()
    PeerKey.objects.filter(peer=received.peer, key_id=received.envelope.key_id).update(
        retired_at=now
    )
    PeerKey.objects.create(
        peer=received.peer, key_id=kid, public_key=body.public_key, valid_from=now
    )
    return Outcome(ACCEPTED)


def register(table: dict[str, Handler]) -> None:
    """Each kind's handler, into the inbox's table."""
    table.update(
        {
            Kind.REQUEST: trace_request,
            Kind.FOLLOW_UP: follow_up,
            Kind.ACKNOWLEDGEMENT: acknowledgement,
            Kind.STATUS: status,
            Kind.ANSWER: answer,
            Kind.REMINDER: reminder,
            Kind.KEY_ROTATED: key_rotated,
            Kind.ALERT: alerts.received_alert,
            Kind.EXISTENCE_QUERY: existence.on_query,
            Kind.EXISTENCE_ANSWER: existence.on_answer,
            Kind.EXISTENCE_BUCKET_REQUEST: existence.on_bucket_request,
            Kind.EXISTENCE_BUCKETS: existence.on_buckets,
        }
    )
