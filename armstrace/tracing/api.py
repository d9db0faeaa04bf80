"""Trace request endpoints under /api/v1/traces.

Handlers parse, authorise and call services. The services check the caller's right to
the step for the request's agency (only the point of contact answers other states).
A request short of several para 17 fields is answered 422 with every field listed.
"""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

import contextlib
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Body, Query, Router, Status
from ninja.errors import ValidationError

from armstrace.accounts.api import caller, requires
from armstrace.core import clock
from armstrace.registry.models import Party
from armstrace.tracing import exchange, followup, portal, selectors, services
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.models import TraceAnswer, TraceRequest
from armstrace.tracing.permissions import (
    ANSWER_DRAFT,
    ANSWER_RELEASE_DOMESTIC,
    QUESTION_SEND,
    REQUEST_CREATE,
    REQUEST_INTERNATIONAL,
    REQUEST_VIEW,
)
from armstrace.tracing.schemas import (
    DraftIn,
    ExportFilters,
    QuestionCreatedOut,
    QuestionIn,
    ReleaseIn,
    TraceAnswerOut,
    TraceDetailOut,
    TraceFilters,
    TracePage,
    TraceRequestIn,
    TransitionIn,
)

router = Router(tags=["tracing"])


@contextlib.contextmanager
def _every_field() -> Iterator[None]:
    """Answer a refusal of several fields with all of them, as ninja reports its own."""
    try:
        yield
    except InvalidFields as exc:
        errors = [{"type": e.code, "loc": ["body", e.field], "msg": e.message} for e in exc.errors]
        raise ValidationError(errors) from exc


def _request(request: HttpRequest, request_id: str) -> TraceRequest:
    """A request the caller may see; another agency's is 404, as if it did not exist."""
    return get_object_or_404(selectors.requests_for(caller(request)), request_id=request_id)


def _shown(request: HttpRequest, trace: TraceRequest) -> TraceRequest:
    """The request with the answers the caller may see, for TraceDetailOut."""
    trace.visible_answers = selectors.answers_for(caller(request), trace)  # type: ignore[attr-defined]
    trace.visible_questions = selectors.questions_for(caller(request), trace)  # type: ignore[attr-defined]
    return trace


def _input(payload: TraceRequestIn, parent: TraceRequest | None) -> services.RequestInput:
    data = payload.dict(exclude={"parent_id"})
    for name, value in data.items():
        if value is None and name != "found_on":
            data[name] = ""
    data["illicit_grounds"] = [str(g) for g in payload.illicit_grounds]
    return services.RequestInput(**data, parent=parent)


@router.post("", response={201: TraceDetailOut})
@requires(REQUEST_CREATE)
def create_request(request: HttpRequest, payload: TraceRequestIn) -> Status[TraceRequest]:
    """File a trace request: domestic (investigators), outgoing or incoming (point of
    contact). Every missing para 17 field is named in one 422 answer."""
    parent = _request(request, payload.parent_id) if payload.parent_id else None
    with _every_field():
        trace = services.create_request(actor=caller(request), data=_input(payload, parent))
    return Status(201, _shown(request, trace))


@router.get("", response=TracePage)
@requires(REQUEST_VIEW)
def list_requests(request: HttpRequest, filters: Query[TraceFilters]) -> dict[str, Any]:
    rows = selectors.requests_for(caller(request)).select_related("parent")
    if filters.overdue:
        rows = selectors.overdue(rows, clock.now())
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.direction:
        rows = rows.filter(direction=filters.direction)
    if filters.case_ref:
        rows = rows.filter(case_ref=filters.case_ref)
    end = filters.offset + filters.limit
    return {
        "count": rows.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(rows[filters.offset : end]),
    }


@router.get("/{request_id}", response=TraceDetailOut)
@requires(REQUEST_VIEW)
def get_request(request: HttpRequest, request_id: str) -> TraceRequest:
    return _shown(request, _request(request, request_id))


@router.post("/{request_id}/transitions", response=TraceDetailOut)
@requires(REQUEST_VIEW)
def transition(request: HttpRequest, request_id: str, payload: TransitionIn) -> TraceRequest:
    """One step of the life cycle; delay, restriction and refusal need grounds and reasons."""
    trace = _request(request, request_id)
    with _every_field():
        services.transition(
            request=trace,
            to=payload.to.value,
            actor=caller(request),
            grounds=[g.value for g in payload.grounds],
            reasons=payload.reasons,
            note=payload.note,
        )
    return _shown(request, trace)


@router.post("/{request_id}/answers", response={201: TraceAnswerOut})
@requires(ANSWER_DRAFT)
def draft_answer(request: HttpRequest, request_id: str, payload: DraftIn) -> Status[TraceAnswer]:
    """Search the registry and draft an answer (candidates, chain, point of diversion)."""
    trace = _request(request, request_id)
    weapon_id = str(payload.weapon_id) if payload.weapon_id else None
    answer = services.draft_answer(request=trace, actor=caller(request), weapon_id=weapon_id)
    return Status(201, answer)


@router.post("/{request_id}/answers/{answer_id}/release", response=TraceAnswerOut)
@requires(ANSWER_RELEASE_DOMESTIC)
def release_answer(
    request: HttpRequest, request_id: str, answer_id: int, payload: ReleaseIn
) -> TraceAnswer:
    """Release a drafted answer; answers to other states are the point of contact's."""
    trace = _request(request, request_id)
    answer = get_object_or_404(trace.answers.select_related("request"), pk=answer_id)
    with _every_field():
        return services.release_answer(
            answer=answer,
            actor=caller(request),
            completeness=payload.completeness.value,
            redact_personal=payload.redact_personal,
            note=payload.note,
            confidentiality=payload.confidentiality.value if payload.confidentiality else "",
            use_restrictions=payload.use_restrictions,
        )


@router.get("/{request_id}/export")
@requires(REQUEST_VIEW)
def export_request(
    request: HttpRequest, request_id: str, filters: Query[ExportFilters]
) -> HttpResponse:
    """The request as a PDF form or a JSON document (schema armstrace.trace-request/1),
    for a state without ArmsTrace. Recorded as a disclosure to `to` (default: the state
    asked)."""
    trace = _request(request, request_id)
    data = exchange.export_request(
        request=trace, actor=caller(request), fmt=filters.format, to=filters.to
    )
    return _file(data, filters.format, trace.request_id)


@router.get("/{request_id}/answers/{answer_id}/export")
@requires(REQUEST_VIEW)
def export_answer(
    request: HttpRequest, request_id: str, answer_id: int, filters: Query[ExportFilters]
) -> HttpResponse:
    """A released answer as a PDF form or a JSON document (armstrace.trace-answer/1)."""
    trace = _request(request, request_id)
    answer = _answer(request, trace, answer_id)
    data = exchange.export_answer(
        answer=answer, actor=caller(request), fmt=filters.format, to=filters.to
    )
    return _file(data, filters.format, f"{trace.request_id}-answer-{answer.pk}")


def _file(data: bytes, fmt: str, name: str) -> HttpResponse:
    kind = "application/pdf" if fmt == "pdf" else "application/json"
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def _answer(request: HttpRequest, trace: TraceRequest, answer_id: int) -> TraceAnswer:
    for answer in selectors.answers_for(caller(request), trace):
        if answer.pk == answer_id:
            return answer
    raise Http404


@router.post("/{request_id}/received-answers", response={201: TraceAnswerOut})
@requires(REQUEST_INTERNATIONAL)
def receive_answer(
    request: HttpRequest, request_id: str, document: Body[dict[str, Any]]
) -> Status[TraceAnswer]:
    """Import the answer another state sent outside ArmsTrace: a JSON document of schema
    armstrace.trace-answer/1; every wrong field is named in one 422 answer."""
    trace = _request(request, request_id)
    with _every_field():
        data = exchange.parse_answer_document(document)
        answer = exchange.record_received_answer(request=trace, actor=caller(request), data=data)
    return Status(201, answer)


@router.get("/{request_id}/answers/{answer_id}/follow-up", response=TraceRequestIn)
@requires(REQUEST_INTERNATIONAL)
def follow_up(request: HttpRequest, request_id: str, answer_id: int) -> dict[str, Any]:
    """A follow-up request to the state the answer leads to, pre-filled; review it and
    POST it to /traces with `parent_id`."""
    trace = _request(request, request_id)
    answer = _answer(request, trace, answer_id)
    user = caller(request)
    home = user.agency.country if user.agency else ""
    data = followup.follow_up_input(request=trace, answer=answer, home=home)
    values = {k: v for k, v in vars(data).items() if k != "parent"}
    return {**values, "parent_id": trace.request_id}


@router.post("/{request_id}/questions", response={201: QuestionCreatedOut})
@requires(QUESTION_SEND)
def ask_party(request: HttpRequest, request_id: str, payload: QuestionIn) -> Status[dict[str, Any]]:
    """Ask a manufacturer or dealer about the request's weapon; the answer gives the one-time
    portal link (shown only here)."""
    trace = _request(request, request_id)
    party = get_object_or_404(Party, pk=payload.party_id)
    with _every_field():
        question, token = portal.ask_party(
            request=trace, actor=caller(request), party=party, question=payload.question
        )
    link = request.build_absolute_uri(reverse("tracing:portal", args=[token]))
    return Status(201, {"question": question, "link": link})
