"""Trace requests and answers with states that do not run ArmsTrace (issue 7, items 7-8).

Requests and released answers leave as a PDF form or a JSON document (schema
`armstrace.trace-request` / `armstrace.trace-answer`, version 1, described in
docs/domain/tracing.md); every export is a disclosure, recorded as a TraceEvent and an
audit event with the recipient, the confidentiality and the use restrictions. An answer
that comes back by e-mail is entered in a form or imported from such a JSON document,
checked field by field, and recorded on our outgoing request.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.reference.models import Country
from armstrace.tracing import rules
from armstrace.tracing.choices import (
    AnswerSource,
    Completeness,
    Confidentiality,
    Direction,
    EventKind,
    ExportFormat,
    Status,
)
from armstrace.tracing.models import TraceAnswer, TraceRequest
from armstrace.tracing.permissions import REQUEST_CREATE, REQUEST_INTERNATIONAL, REQUEST_RESPOND
from armstrace.tracing.services import (
    Errors,
    append_event,
    check_texts,
    record_outcome,
    take_step,
)

REQUEST_SCHEMA, ANSWER_SCHEMA, VERSION = "armstrace.trace-request", "armstrace.trace-answer", 1
MAX_LINKS = 500


# --- who may disclose ----------------------------------------------------------------------


def may_export(user: User, request: TraceRequest) -> bool:
    """International requests leave through the point of contact; a domestic one through
    either side of it (the asking agency, or the registry answering)."""
    if request.direction != Direction.DOMESTIC:
        return has_permission(user, REQUEST_INTERNATIONAL)
    return has_permission(user, REQUEST_CREATE, agency=request.requesting_agency) or (
        has_permission(user, REQUEST_RESPOND, agency=request.requested_agency)
    )


def _require_export(user: User, request: TraceRequest) -> None:
    if not may_export(user, request):
        raise PermissionDenied(
            REQUEST_INTERNATIONAL.code,
            _("You may not disclose request %(id)s.") % {"id": request.request_id},
        )


# --- documents ---------------------------------------------------------------------------


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def restrictions(level: str, use_restrictions: str) -> dict[str, str]:
    return {"level": level, "use_restrictions": use_restrictions}


def request_document(request: TraceRequest) -> dict[str, Any]:
    """The request as b2 lists it; codes, not labels, so any language can read it."""
    return {
        "schema": REQUEST_SCHEMA,
        "version": VERSION,
        "generated_at": clock.now().isoformat(),
        "confidentiality": restrictions(request.confidentiality, request.use_restrictions),
        "request": {
            "request_id": request.request_id,
            "external_ref": request.external_ref,
            "case_ref": request.case_ref,
            "parent_id": request.parent.request_id if request.parent else None,
            "direction": request.direction,
            "channel": request.channel,
            "date_of_request": _iso(request.sent_at or request.created_at),
            "priority": request.priority,
            "priority_justification": request.priority_justification,
            "language": request.language,
            "requesting": {
                "state": request.requesting_state_id,
                "agency": request.requesting_agency_name,
                "officer": {
                    "name": request.officer_name,
                    "phone": request.officer_phone,
                    "email": request.officer_email,
                    "badge": request.officer_badge,
                },
            },
            "requested": {"state": request.requested_state_id, "reason": request.routing_reason},
            "weapon": {
                "serial_as_read": request.serial_as_read,
                "serial_obliterated": request.serial_obliterated,
                "markings": request.markings,
                "weapon_type": request.weapon_type,
                "calibre": request.calibre,
                "manufacturer": request.manufacturer,
                "model": request.model,
                "country_of_manufacture": request.country_of_manufacture_id or "",
                "other_identifiers": request.other_identifiers,
                "ballistic_ref": request.ballistic_ref,
            },
            "circumstances": {
                "illicit_grounds": list(request.illicit_grounds),
                "legal_justification": request.legal_justification,
                "found_on": _iso(request.found_on),
                "found_place": request.found_place,
                "found_context": request.found_context,
                "offence": request.offence,
            },
            "intended_use": request.intended_use,
            "chain_so_far": request.chain_so_far,
            "deadlines": {
                "ack_due_at": _iso(request.ack_due_at),
                "answer_due_at": _iso(request.answer_due_at),
            },
        },
    }


ANSWER_KEYS = ("weapon", "supply_chain", "last_legal_record", "point_of_diversion")


def answer_document(answer: TraceAnswer) -> dict[str, Any]:
    """A released answer (b3): as released, never the unredacted draft."""
    request = answer.request
    body: dict[str, Any] = answer.released or {}
    return {
        "schema": ANSWER_SCHEMA,
        "version": VERSION,
        "generated_at": clock.now().isoformat(),
        "confidentiality": restrictions(answer.confidentiality, answer.use_restrictions),
        "request": {
            "request_id": request.request_id,
            "external_ref": request.external_ref,
            "case_ref": request.case_ref,
            "requesting_state": request.requesting_state_id,
            "requested_state": request.requested_state_id,
        },
        "answer": {
            "responder_ref": answer.responder_ref,
            "answered_on": _iso(answer.released_at.date() if answer.released_at else None),
            "answered_by": answer.released_by_name,
            "completeness": answer.completeness,
            "summary": body.get("summary", ""),
            **{key: body.get(key) for key in ANSWER_KEYS},
            "leads_to_state": body.get("leads_to_state", ""),
        },
    }


def to_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# --- disclosure --------------------------------------------------------------------------


def _disclosed(
    request: TraceRequest, what: str, fmt: str, to: str, level: str, use: str, **extra: Any
) -> None:
    with transaction.atomic():
        append_event(
            request,
            EventKind.DISCLOSED,
            status_before=request.status,
            rule=f"export_{what}",
            note=(
                _("Request disclosed as %(format)s to %(to)s")
                if what == "request"
                else _("Answer disclosed as %(format)s to %(to)s")
            )
            % {"format": fmt, "to": to},
        )
        record_event(
            f"tracing:{what}:disclosed",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data={"via": fmt, "to": to, "confidentiality": level, "use_restrictions": use, **extra},
        )


def _format(fmt: str) -> ExportFormat:
    if fmt not in ExportFormat.values:
        raise DomainValidationError("format", _("choose pdf or json"), code="unknown_choice")
    return ExportFormat(fmt)


def _recipient(request: TraceRequest, to: str, answering: bool) -> str:
    """Whom the document goes to: as stated, else the counterpart of the request."""
    to = to.strip()[:200]
    if to:
        return to
    if answering:
        return request.requesting_state_id
    if request.direction == Direction.DOMESTIC:
        return request.requested_agency.name if request.requested_agency else ""
    return request.requested_state_id


def export_request(*, request: TraceRequest, actor: User, fmt: str, to: str = "") -> bytes:
    """The request as a PDF form or a JSON document; the export is a recorded disclosure."""
    from armstrace.tracing.pdf import request_pdf

    chosen = _format(fmt)
    _require_export(actor, request)
    recipient = _recipient(request, to, answering=False)
    data = to_json(request_document(request)) if chosen == "json" else request_pdf(request)
    _disclosed(
        request, "request", chosen, recipient, request.confidentiality, request.use_restrictions
    )
    return data


def export_answer(*, answer: TraceAnswer, actor: User, fmt: str, to: str = "") -> bytes:
    """A released answer as a PDF form or a JSON document; drafts never leave."""
    from armstrace.tracing.pdf import answer_pdf

    chosen = _format(fmt)
    request = answer.request
    _require_export(actor, request)
    if answer.released_at is None:
        raise DomainValidationError(
            "answer", _("only a released answer can be exported"), code="not_released"
        )
    received = answer.source == AnswerSource.RECEIVED
    recipient = _recipient(request, to, answering=not received)
    data = to_json(answer_document(answer)) if chosen == "json" else answer_pdf(answer)
    _disclosed(
        request,
        "answer",
        chosen,
        recipient,
        answer.confidentiality,
        answer.use_restrictions,
        answer=answer.pk,
    )
    return data


# --- answers received from other states --------------------------------------------------


@dataclass
class ReceivedAnswer:
    """An answer from the requested state, as entered or read from a JSON document."""

    completeness: str = ""
    responder_ref: str = ""
    answered_on: dt.date | None = None
    summary: str = ""
    weapon: dict[str, Any] | None = None
    supply_chain: list[dict[str, Any]] = field(default_factory=list)
    last_legal_record: dict[str, Any] | None = None
    diversion_established: bool = False
    diversion_how: str = ""
    leads_to_state: str = ""
    confidentiality: str = ""
    use_restrictions: str = ""
    request_id: str = ""  # the document's reference to our request, when imported

    def content(self) -> dict[str, Any]:
        """The same shape as a drafted answer, so pages, exports and follow-ups read both."""
        return {
            "candidates": [],
            "search_message": "",
            "chosen": "received",
            "summary": self.summary,
            "weapon": self.weapon,
            "supply_chain": self.supply_chain,
            "last_legal_record": self.last_legal_record,
            "point_of_diversion": {
                "established": self.diversion_established,
                "how": self.diversion_how,
                "event": "",
                "date": "",
            },
            "leads_to_state": self.leads_to_state,
        }


def _date(errors: Errors, name: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("is not a date (YYYY-MM-DD)"), code="invalid_date")
        return None
    if day > clock.today():
        errors.add(name, _("is in the future"), code="future_date")
    return day


def _text(errors: Errors, name: str, value: Any, limit: int = 5000) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, _("must be text"), code="type")
        return ""
    if len(value) > limit:
        errors.add(name, _("is longer than %(max)d characters") % {"max": limit}, "too_long")
    return value.strip()


def _obj(errors: Errors, name: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(name, _("must be an object"), code="type")
        return None
    return value


def _party(errors: Errors, name: str, value: Any) -> dict[str, Any] | None:
    party = _obj(errors, name, value)
    if party is None:
        return None
    return {
        "name": _text(errors, f"{name}.name", party.get("name"), 200),
        "kind": _text(errors, f"{name}.kind", party.get("kind"), 16),
        "licence_number": _text(errors, f"{name}.licence_number", party.get("licence_number"), 64),
        "personal": bool(party.get("personal", False)),
    }


def _link(errors: Errors, n: int, value: Any) -> dict[str, Any]:
    name = f"answer.supply_chain[{n}]"
    link = _obj(errors, name, value) or {}
    event = _text(errors, f"{name}.event", link.get("event"), 40)
    if not event:
        errors.add(f"{name}.event", _("is required"), code="required")
    day = _date(errors, f"{name}.date", link.get("date"))
    if day is None:
        errors.add(f"{name}.date", _("is required"), code="required")
    return {
        "seq": n + 1,
        "event": event,
        "date": _iso(day) or "",
        "place": _text(errors, f"{name}.place", link.get("place"), 200),
        "country": _text(errors, f"{name}.country", link.get("country"), 2).upper(),
        "counterpart_country": _text(
            errors, f"{name}.counterpart_country", link.get("counterpart_country"), 2
        ).upper(),
        "from": _party(errors, f"{name}.from", link.get("from")),
        "to": _party(errors, f"{name}.to", link.get("to")),
        "licence_number": _text(errors, f"{name}.licence_number", link.get("licence_number"), 64),
        "document_ref": _text(errors, f"{name}.document_ref", link.get("document_ref"), 80),
        "status_after": _text(errors, f"{name}.status_after", link.get("status_after"), 40),
    }


def _chain(errors: Errors, value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.add("answer.supply_chain", _("must be a list"), code="type")
        return []
    if len(value) > MAX_LINKS:
        errors.add("answer.supply_chain", _("has too many links"), code="too_long")
        return []
    return [_link(errors, n, item) for n, item in enumerate(value)]


def parse_answer_document(document: Any) -> ReceivedAnswer:
    """Read an answer document (schema armstrace.trace-answer, version 1), naming every
    wrong field by its path, e.g. `answer.supply_chain[2].date`."""
    errors = Errors()
    if not isinstance(document, dict):
        errors.add("document", _("must be a JSON object"), code="type")
        errors.raise_any()
    assert isinstance(document, dict)
    if document.get("schema") != ANSWER_SCHEMA:
        errors.add("schema", _("must be %(s)r") % {"s": ANSWER_SCHEMA}, code="schema")
    if document.get("version") != VERSION:
        errors.add("version", _("must be %(v)d") % {"v": VERSION}, code="version")
    errors.raise_any()
    request = _obj(errors, "request", document.get("request")) or {}
    body = _obj(errors, "answer", document.get("answer")) or {}
    secrecy = _obj(errors, "confidentiality", document.get("confidentiality")) or {}
    diversion = _obj(errors, "answer.point_of_diversion", body.get("point_of_diversion")) or {}
    last = _obj(errors, "answer.last_legal_record", body.get("last_legal_record"))
    received = ReceivedAnswer(
        request_id=_text(errors, "request.request_id", request.get("request_id"), 32),
        completeness=_text(errors, "answer.completeness", body.get("completeness"), 16),
        responder_ref=_text(errors, "answer.responder_ref", body.get("responder_ref"), 80),
        answered_on=_date(errors, "answer.answered_on", body.get("answered_on")),
        summary=_text(errors, "answer.summary", body.get("summary")),
        weapon=_obj(errors, "answer.weapon", body.get("weapon")),
        supply_chain=_chain(errors, body.get("supply_chain")),
        last_legal_record=last,
        diversion_established=diversion.get("established") is True,
        diversion_how=_text(errors, "answer.point_of_diversion.how", diversion.get("how")),
        leads_to_state=_text(errors, "answer.leads_to_state", body.get("leads_to_state"), 2),
        confidentiality=_text(errors, "confidentiality.level", secrecy.get("level"), 16),
        use_restrictions=_text(
            errors, "confidentiality.use_restrictions", secrecy.get("use_restrictions")
        ),
    )
    if last is not None:
        _date(errors, "answer.last_legal_record.date", last.get("date"))
    _check_received(errors, received, prefix="answer.")
    errors.raise_any()
    return received


def _check_received(errors: Errors, data: ReceivedAnswer, *, prefix: str = "") -> None:
    """What every received answer must hold, whether entered or imported."""
    errors.choice(f"{prefix}completeness", data.completeness, Completeness.values, required=True)
    if not data.summary and not data.supply_chain and data.weapon is None:
        errors.add(
            f"{prefix}summary",
            _("give the answer: a summary, the weapon or its supply chain"),
            code="required",
        )
    if data.leads_to_state:
        code = data.leads_to_state.upper()
        if not Country.objects.filter(code=code).exists():
            errors.add(
                f"{prefix}leads_to_state",
                _("%(code)r is not an ISO 3166 country code") % {"code": data.leads_to_state},
                code="unknown_country",
            )
        data.leads_to_state = code
    level = "confidentiality.level" if prefix else "confidentiality"
    errors.choice(level, data.confidentiality, Confidentiality.values, required=True)
    errors.required(
        "confidentiality.use_restrictions" if prefix else "use_restrictions",
        data.use_restrictions,
        _("state the use restrictions the answering state set (FP 12(5))"),
    )


def record_received_answer(
    *, request: TraceRequest, actor: User, data: ReceivedAnswer
) -> TraceAnswer:
    """The answer of the state we asked, received outside ArmsTrace: checked field by field,
    stored as received, and the request answered (acknowledged first if it was not)."""
    if request.direction != Direction.OUTGOING:
        raise DomainValidationError(
            "request",
            _("Request %(id)s is answered by our registry, not received.")
            % {"id": request.request_id},
            code="not_outgoing",
        )
    if data.request_id and data.request_id != request.request_id:
        raise DomainValidationError(
            "request.request_id",
            _("the document answers %(doc)s, not %(id)s")
            % {"doc": data.request_id, "id": request.request_id},
            code="other_request",
        )
    errors = Errors()
    _check_received(errors, data)
    check_texts(errors, {"summary": data.summary, "responder_ref": data.responder_ref})
    errors.raise_any()
    target = (
        Status.ANSWERED_COMPLETE
        if data.completeness == Completeness.COMPLETE
        else Status.ANSWERED_PARTIAL
    )
    with transaction.atomic():
        if request.status == Status.SENT:  # an answer is also an acknowledgement
            take_step(request, Status.ACKNOWLEDGED, actor, note=_("implied by the answer"))
        take_step(request, target, actor, note=_("answer received"))
        now = clock.now()
        answer = TraceAnswer.objects.create(
            request=request,
            source=AnswerSource.RECEIVED,
            draft=data.content(),
            released=data.content(),
            drafted_at=now,
            drafted_by_name=current_context().actor_name,
            completeness=data.completeness,
            released_at=dt.datetime.combine(data.answered_on, dt.time(), tzinfo=dt.UTC)
            if data.answered_on
            else now,
            released_by_name=request.requested_state_id,
            responder_ref=data.responder_ref,
            confidentiality=data.confidentiality,
            use_restrictions=data.use_restrictions,
        )
        record_outcome(answer)
        append_event(
            request, EventKind.ANSWER_RECEIVED, status_before=request.status, rule="receive"
        )
        record_event(
            "tracing:answer:received",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data={
                "answer": answer.pk,
                "from_state": request.requested_state_id,
                "completeness": data.completeness,
                "leads_to_state": data.leads_to_state,
                "confidentiality": data.confidentiality,
            },
        )
    return answer


def receivable(request: TraceRequest) -> bool:
    """An outgoing request still waiting for (the rest of) its answer."""
    return request.direction == Direction.OUTGOING and (
        request.status in rules.AWAITING_ANSWER or request.status == Status.ANSWERED_PARTIAL
    )


def may_receive(user: User, request: TraceRequest) -> bool:
    """Enter an answer received from another state (by e-mail, as a document)."""
    return receivable(request) and has_permission(user, REQUEST_INTERNATIONAL)
