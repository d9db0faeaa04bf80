"""Writes of tracing: file a request, step it through the table, draft and release answers,
remind and escalate. Each runs in one transaction, appends a TraceEvent and an audit event.

The services check the actor's permission for the request's agency themselves, because the
rules "only the point of contact releases international answers" and "an investigator acts
on their agency's requests" hold for every interface (web, API, CLI) alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency, User
from armstrace.accounts.permissions import Permission, has_permission, require
from armstrace.audit.services import record_change, record_event
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.core.text import has_control_characters
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country
from armstrace.registry.choices import EventKind as RegistryEvent
from armstrace.registry.choices import PartyKind
from armstrace.registry.choices import Status as RegistryStatus
from armstrace.registry.models import Event, Weapon
from armstrace.search.services import SearchQuery, search_weapons
from armstrace.tracing import rules
from armstrace.tracing.answers import CUSTODY, DIVERSION, build_draft, redact
from armstrace.tracing.choices import (
    Channel,
    Completeness,
    Confidentiality,
    Direction,
    EventKind,
    FoundContext,
    Ground,
    IllicitGround,
    Priority,
    RoutingReason,
    Status,
)
from armstrace.tracing.exceptions import InvalidFields, TransitionRefused
from armstrace.tracing.models import RequestSequence, TraceAnswer, TraceEvent, TraceRequest
from armstrace.tracing.permissions import (
    ANSWER_DRAFT,
    ANSWER_RELEASE,
    ANSWER_RELEASE_DOMESTIC,
    QUESTION_SEND,
    REQUEST_CREATE,
    REQUEST_INTERNATIONAL,
    REQUEST_RESPOND,
)
from armstrace.tracing.signals import event_appended, outcome_recorded

D = Direction
TEXT_LIMITS = {
    "case_ref": 80,
    "requesting_agency_name": 200,
    "external_ref": 80,
    "officer_name": 150,
    "officer_phone": 40,
    "officer_email": 200,
    "officer_badge": 40,
    "serial_as_read": 64,
    "calibre": 60,
    "manufacturer": 200,
    "model": 120,
    "found_place": 200,
    "offence": 200,
    "ballistic_ref": 80,
    "language": 8,
}
MULTILINE = {"markings", "other_identifiers", "legal_justification", "intended_use"}
MULTILINE |= {"use_restrictions", "priority_justification", "reasons", "note", "chain_so_far"}
LONG_TEXT = 5000
OUR_ID = re.compile(r"^[A-Z]{2}-\d{4}-\d{6}$")


@dataclass
class RequestInput:
    """The content of a trace request (normative reference b2), as the user gave it."""

    direction: str
    case_ref: str = ""
    channel: str = ""
    requesting_state: str = ""  # incoming only: ours is the actor's agency's country
    requesting_agency_name: str = ""  # incoming only
    requested_state: str = ""  # outgoing only
    routing_reason: str = ""
    external_ref: str = ""
    officer_name: str = ""
    officer_phone: str = ""
    officer_email: str = ""
    officer_badge: str = ""
    priority: str = Priority.ROUTINE
    priority_justification: str = ""
    serial_as_read: str = ""
    serial_obliterated: bool = False
    markings: str = ""
    weapon_type: str = ""
    calibre: str = ""
    manufacturer: str = ""
    model: str = ""
    country_of_manufacture: str = ""
    other_identifiers: str = ""
    illicit_grounds: list[str] = field(default_factory=list)
    legal_justification: str = ""
    found_on: dt.date | None = None
    found_place: str = ""
    found_context: str = ""
    offence: str = ""
    intended_use: str = ""
    confidentiality: str = ""
    use_restrictions: str = ""
    ballistic_ref: str = ""
    chain_so_far: str = ""
    language: str = "en"
    parent: TraceRequest | None = None


# --- validation (ITI para 17) ------------------------------------------------------------


class _Errors:
    """Collects every refusal, so a request short of several fields names them all."""

    def __init__(self) -> None:
        self.items: list[DomainValidationError] = []

    def add(self, name: str, message: str, code: str = "invalid") -> None:
        if all(e.field != name for e in self.items):
            self.items.append(DomainValidationError(name, message, code=code))

    def required(self, name: str, value: str, message: str = "") -> None:
        if not value.strip():
            self.add(name, message or _("is required (ITI para 17)"), code="required")

    def choice(self, name: str, value: str, allowed: Sequence[str], *, required: bool) -> None:
        if not value and required:
            self.add(name, _("is required (ITI para 17)"), code="required")
        elif value and value not in allowed:
            self.add(
                name,
                _("unknown value %(value)r; expected one of: %(allowed)s")
                % {"value": value, "allowed": ", ".join(allowed)},
                code="unknown_choice",
            )

    def raise_any(self) -> None:
        if self.items:
            raise InvalidFields(self.items)


def _check_texts(errors: _Errors, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        limit = TEXT_LIMITS.get(name, LONG_TEXT)
        checked = value.replace("\r", "").replace("\n", "").replace("\t", "")
        if has_control_characters(checked if name in MULTILINE else value):
            errors.add(name, _("contains control characters"), code="control_characters")
        elif len(value) > limit:
            errors.add(
                name, _("is longer than %(max)d characters") % {"max": limit}, code="too_long"
            )


def _country(errors: _Errors, name: str, code: str, *, required: bool) -> Country | None:
    if not code:
        if required:
            errors.add(name, _("is required"), code="required")
        return None
    # Only letters can be a code; a NUL byte must not even reach PostgreSQL.
    plain = code.isascii() and code.isalpha()
    country = Country.objects.filter(code=code.upper()).first() if plain else None
    if country is None:
        errors.add(
            name, _("%(code)r is not an ISO 3166 country code") % {"code": code}, "unknown_country"
        )
    return country


def _check_weapon(errors: _Errors, data: RequestInput) -> None:
    """Para 17(b): the markings, type and calibre."""
    errors.required(
        "markings", data.markings, _("is required: write every marking as read, ? for unknown")
    )
    if not data.serial_obliterated:
        errors.required(
            "serial_as_read",
            data.serial_as_read,
            _("is required unless the serial is obliterated; ? for an unreadable character"),
        )
    errors.choice("weapon_type", data.weapon_type, WeaponType.values, required=True)
    errors.required("calibre", data.calibre)


def _check_context(errors: _Errors, data: RequestInput) -> None:
    """Para 17(a): why illicit, the legal justification, where and how found; 17(c)."""
    if not data.illicit_grounds:
        errors.add("illicit_grounds", _("name at least one ground of ITI para 5"), "required")
    for ground in data.illicit_grounds:
        errors.choice("illicit_grounds", ground, IllicitGround.values, required=True)
    errors.required("legal_justification", data.legal_justification)
    if data.found_on is None:
        errors.add("found_on", _("is required (ITI para 17)"), code="required")
    elif data.found_on > clock.today():
        errors.add("found_on", _("is in the future"), code="future_date")
    errors.required("found_place", data.found_place)
    errors.choice("found_context", data.found_context, FoundContext.values, required=True)
    errors.required("intended_use", data.intended_use)
    errors.choice("confidentiality", data.confidentiality, Confidentiality.values, required=True)
    errors.required("use_restrictions", data.use_restrictions)


def _check_case(errors: _Errors, data: RequestInput) -> None:
    """Who asks and why it matters now (b2: officer, case, priority, channel)."""
    if data.parent is None:  # a follow-up inherits its parent's case
        errors.required("case_ref", data.case_ref)
    elif data.case_ref.strip() and data.case_ref.strip() != data.parent.case_ref:
        errors.add(
            "case_ref",
            _("a follow-up keeps the case reference of %(id)s: %(case)s")
            % {"id": data.parent.request_id, "case": data.parent.case_ref},
            code="follow_up_case",
        )
    errors.required("officer_name", data.officer_name)
    if not data.officer_phone.strip() and not data.officer_email.strip():
        errors.add("officer_email", _("give the officer's e-mail or phone"), code="required")
    elif data.officer_email and "@" not in data.officer_email:
        errors.add("officer_email", _("is not an e-mail address"), code="invalid")
    errors.choice("priority", data.priority, Priority.values, required=True)
    if data.priority == Priority.URGENT:
        errors.required(
            "priority_justification", data.priority_justification, _("say why it is urgent")
        )
    errors.choice("channel", data.channel, Channel.values, required=True)
    domestic = data.direction == D.DOMESTIC
    if data.channel and (data.channel == Channel.DOMESTIC) != domestic:
        errors.add(
            "channel",
            _("a domestic request uses the domestic channel, an international one never"),
            code="wrong_channel",
        )


def _check_direction(direction: str) -> None:
    errors = _Errors()
    errors.choice("direction", direction, D.values, required=True)
    errors.raise_any()


def validate_request(data: RequestInput, home: str) -> tuple[Country | None, ...]:
    """Every refusal at once (InvalidFields); returns the requesting, requested and
    manufacturing countries."""
    _check_direction(data.direction)
    errors = _Errors()
    _check_texts(errors, vars(data))
    _check_case(errors, data)
    _check_weapon(errors, data)
    _check_context(errors, data)
    incoming = data.direction == D.INCOMING
    requesting = _country(
        errors, "requesting_state", data.requesting_state if incoming else home, required=True
    )
    requested_code = data.requested_state if data.direction == D.OUTGOING else home
    requested = _country(errors, "requested_state", requested_code, required=True)
    if data.direction == D.OUTGOING and requested_code.upper() == home:
        errors.add("requested_state", _("an outgoing request asks another state"), "same_state")
    if incoming:
        errors.required("requesting_agency_name", data.requesting_agency_name)
        if data.requesting_state.upper() == home:
            errors.add("requesting_state", _("an incoming request comes from another state"))
    if data.direction == D.OUTGOING:
        errors.choice("routing_reason", data.routing_reason, RoutingReason.values, required=True)
    made_in = _country(
        errors, "country_of_manufacture", data.country_of_manufacture, required=False
    )
    errors.raise_any()
    return requesting, requested, made_in


# --- filing a request --------------------------------------------------------------------


def _allocate_id(country: str, year: int) -> str:
    """The next id of this country and year; the counter row is locked until commit, so
    two requests never get the same number."""
    sequence, _created = RequestSequence.objects.select_for_update().get_or_create(
        country=country, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{country}-{year}-{sequence.last:06d}"


def _request_id(data: RequestInput, home: str, requesting: str) -> str:
    """An incoming request keeps the id its state gave it when that id is of our form and
    carries that state's code (so it cannot collide); otherwise we number it."""
    ref = data.external_ref.strip().upper()
    adoptable = data.direction == D.INCOMING and OUR_ID.match(ref) and ref[:2] == requesting
    if adoptable and not TraceRequest.objects.filter(request_id=ref).exists():
        return ref
    return _allocate_id(home, clock.now().year)


def _national_agency(country: str) -> Agency | None:
    return Agency.objects.filter(national_scope=True, country=country).order_by("pk").first()


def _creation_permission(direction: str) -> Permission:
    return REQUEST_CREATE if direction == D.DOMESTIC else REQUEST_INTERNATIONAL


def create_request(*, actor: User, data: RequestInput) -> TraceRequest:
    """File a request: outgoing and domestic ones start as drafts; an incoming one is
    received now, and its deadlines start to run."""
    agency = actor.agency
    if agency is None:
        raise DomainValidationError("agency", _("the user belongs to no agency"), "no_agency")
    _check_direction(data.direction)  # an unknown direction is a field error, not a refusal
    require(actor, _creation_permission(data.direction), agency=agency)
    home = agency.country.upper()
    requesting, requested, made_in = validate_request(data, home)
    assert requesting is not None and requested is not None  # validate_request refused otherwise
    direction = Direction(data.direction)
    incoming = direction == D.INCOMING
    with transaction.atomic():
        request = TraceRequest(
            request_id=_request_id(data, home, requesting.code),
            direction=direction,
            channel=data.channel,
            status=rules.INITIAL[direction],
            case_ref=data.case_ref.strip() or (data.parent.case_ref if data.parent else ""),
            parent=data.parent,
            requesting_state=requesting,
            requesting_agency=None if incoming else agency,
            requesting_agency_name=data.requesting_agency_name.strip() if incoming else agency.name,
            requested_state=requested,
            requested_agency=agency
            if incoming
            else _national_agency(home)
            if direction == D.DOMESTIC
            else None,
            routing_reason=data.routing_reason
            or (RoutingReason.DOMESTIC if direction == D.DOMESTIC else RoutingReason.OTHER),
            country_of_manufacture=made_in,
            created_by=actor,
            **_content(data),
        )
        if incoming:
            _start_clocks(request, clock.now())
        request.save()
        record_change(request, action="created", before=None)
        _append(request, EventKind.CREATED, status_before="", rule="create")
        record_event(
            "tracing:request:created",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data={"direction": direction.value, "status": request.status},
        )
        if data.parent is not None:  # the parent's history shows where the trace went next
            _append(
                data.parent,
                EventKind.FOLLOW_UP,
                status_before=data.parent.status,
                rule="follow_up",
                note=f"{request.request_id} -> {request.requested_state_id}",
            )
    return request


def _content(data: RequestInput) -> dict[str, Any]:
    names = [
        "external_ref",
        "officer_name",
        "officer_phone",
        "officer_email",
        "officer_badge",
        "priority",
        "priority_justification",
        "serial_as_read",
        "serial_obliterated",
        "markings",
        "weapon_type",
        "calibre",
        "manufacturer",
        "model",
        "other_identifiers",
        "legal_justification",
        "found_on",
        "found_place",
        "found_context",
        "offence",
        "intended_use",
        "confidentiality",
        "use_restrictions",
        "ballistic_ref",
        "chain_so_far",
        "language",
    ]
    values = {name: getattr(data, name) for name in names}
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    cleaned["illicit_grounds"] = sorted(set(data.illicit_grounds))
    cleaned["language"] = cleaned["language"] or "en"
    return cleaned


def _start_clocks(request: TraceRequest, now: dt.datetime) -> None:
    policy = rules.DeadlinePolicy.from_settings()
    request.sent_at = now
    request.ack_due_at = rules.ack_due(now, Priority(request.priority), policy)
    request.answer_due_at = rules.answer_due(now, policy)


# --- history -------------------------------------------------------------------------------


def _append(
    request: TraceRequest,
    kind: EventKind,
    *,
    status_before: str,
    rule: str = "",
    grounds: Sequence[str] = (),
    reasons: str = "",
    note: str = "",
) -> TraceEvent:
    ctx = current_context()
    last = request.events.aggregate(last=Max("seq"))["last"] or 0
    event = TraceEvent.objects.create(
        request=request,
        seq=last + 1,
        kind=kind,
        rule=rule,
        status_before=status_before,
        status_after=request.status,
        grounds=list(grounds),
        reasons=reasons,
        note=note,
        at=clock.now(),
        actor_id=ctx.actor_id,
        actor_name=ctx.actor_name,
        correlation_id=ctx.correlation_id,
    )
    event_appended.send(sender=TraceEvent, event=event)
    return event


# --- the life cycle ----------------------------------------------------------------------


def may_take(user: User, request: TraceRequest, rule: rules.Rule) -> bool:
    """International requests are the point of contact's; on a domestic one the requesting
    agency takes the requester's steps and the registry the responder's."""
    if request.direction != D.DOMESTIC:
        return has_permission(user, REQUEST_INTERNATIONAL)
    asks = has_permission(user, REQUEST_CREATE, agency=request.requesting_agency)
    answers = has_permission(user, REQUEST_RESPOND, agency=request.requested_agency)
    if rule.side == rules.REQUESTER:
        return asks
    if rule.side == rules.RESPONDER:
        return answers
    return asks or answers


def _authorise(user: User, request: TraceRequest, rule: rules.Rule) -> None:
    if not may_take(user, request, rule):
        international = request.direction != D.DOMESTIC
        perm = REQUEST_INTERNATIONAL if international else REQUEST_RESPOND
        if not international and rule.side == rules.REQUESTER:
            perm = REQUEST_CREATE
        raise PermissionDenied(
            perm.code,
            _("You may not take the step '%(rule)s' on request %(id)s.")
            % {"rule": rule.name, "id": request.request_id},
        )


def _check_reasons(rule: rules.Rule, grounds: Sequence[str], reasons: str) -> None:
    errors = _Errors()
    if rule.reasoned:
        if not grounds:
            errors.add("grounds", _("name one or more grounds of ITI para 22"), "required")
        for ground in grounds:
            errors.choice("grounds", ground, Ground.values, required=True)
        errors.required("reasons", reasons, _("state the reasons (ITI para 23)"))
    elif grounds:
        errors.add(
            "grounds",
            _("grounds of ITI para 22 belong only to a delay, restriction or refusal"),
            code="not_reasoned",
        )
    _check_texts(errors, {"reasons": reasons})
    errors.raise_any()


def transition(
    *,
    request: TraceRequest,
    to: str,
    actor: User,
    grounds: Sequence[str] = (),
    reasons: str = "",
    note: str = "",
) -> TraceRequest:
    """One step of the transition table. Answers to our own registry's requests are given
    by release_answer, which takes this step with the answer attached."""
    if to not in Status.values:
        raise TransitionRefused(_("unknown status %(to)r") % {"to": to}, rule="unknown_status")
    target = Status(to)
    if target in rules.ANSWERED and request.direction != D.OUTGOING:
        raise TransitionRefused(
            _("Our answer is given by releasing a drafted answer, not by a status change."),
            rule="answer_through_release",
        )
    return _step(request, target, actor, grounds=grounds, reasons=reasons, note=note)


def _step(
    request: TraceRequest,
    target: Status,
    actor: User,
    *,
    grounds: Sequence[str] = (),
    reasons: str = "",
    note: str = "",
) -> TraceRequest:
    with transaction.atomic():
        locked = TraceRequest.objects.select_for_update().get(pk=request.pk)
        source = Status(locked.status)
        rule = rules.rule_for(Direction(locked.direction), source, target)
        _authorise(actor, locked, rule)
        _check_reasons(rule, grounds, reasons.strip())
        _check_texts_or_raise({"note": note})
        now = clock.now()
        locked.status = target
        _milestone(locked, target, now)
        locked.save()
        _append(
            locked,
            EventKind.TRANSITION,
            status_before=source,
            rule=rule.name,
            grounds=sorted(set(grounds)),
            reasons=reasons.strip(),
            note=note.strip(),
        )
        record_event(
            f"tracing:request:{target.value}",
            object_type="tracing.tracerequest",
            object_id=locked.request_id,
            data={
                "from": source.value,
                "to": target.value,
                "rule": rule.name,
                "grounds": sorted(set(grounds)),
                "reasons": reasons.strip(),
            },
        )
    _refresh(request, locked)
    return request


def _check_texts_or_raise(values: dict[str, Any]) -> None:
    errors = _Errors()
    _check_texts(errors, values)
    errors.raise_any()


def _milestone(request: TraceRequest, target: Status, now: dt.datetime) -> None:
    if target == Status.SENT:
        _start_clocks(request, now)
    elif target == Status.ACKNOWLEDGED:
        request.acknowledged_at = now
    elif target in rules.ANSWERED and request.answered_at is None:
        request.answered_at = now
    elif target == Status.CLOSED:
        request.closed_at = now


def _refresh(request: TraceRequest, fresh: TraceRequest) -> None:
    for f in TraceRequest._meta.concrete_fields:
        setattr(request, f.attname, getattr(fresh, f.attname))


# --- answering from the registry ---------------------------------------------------------


def _ours_to_answer(request: TraceRequest) -> None:
    if request.direction == D.OUTGOING:
        raise DomainValidationError(
            "request",
            _("Request %(id)s is ours to send, not ours to answer.") % {"id": request.request_id},
            code="not_ours",
        )


def draft_answer(
    *, request: TraceRequest, actor: User, weapon_id: str | None = None, limit: int = 10
) -> TraceAnswer:
    """Search the registry with the markings as read, and draft the answer: the candidates,
    then the chosen weapon's chain, last legal record and point of diversion. Without a
    chosen weapon, a single exact match is taken."""
    _ours_to_answer(request)
    require(actor, ANSWER_DRAFT, agency=request.requested_agency)
    if request.status not in rules.DRAFTABLE:
        raise TransitionRefused(
            _("No answer can be drafted while the request is '%(status)s'.")
            % {"status": Status(request.status).label},
            rule="draft_when_open",
        )
    candidates, message = _candidates(request, limit)
    weapon = _chosen_weapon(weapon_id, candidates)
    draft = build_draft(candidates, message, weapon, chosen_by_user=weapon_id is not None)
    with transaction.atomic():
        answer = TraceAnswer.objects.create(
            request=request,
            weapon=weapon,
            draft=draft,
            drafted_at=clock.now(),
            drafted_by_name=current_context().actor_name,
        )
        _append(request, EventKind.ANSWER_DRAFTED, status_before=request.status, rule="draft")
        record_event(
            "tracing:answer:drafted",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data={"answer": answer.pk, "weapon": str(weapon.pk) if weapon else None},
        )
    return answer


def _candidates(request: TraceRequest, limit: int) -> tuple[list[dict[str, Any]], str]:
    if not request.serial_as_read.strip():
        return [], _("The serial is obliterated: choose the weapon by other identifiers.")
    query = SearchQuery(
        serial=request.serial_as_read,
        manufacturer=request.manufacturer,
        model=request.model,
        calibre=request.calibre,
        weapon_type=request.weapon_type,
        country=request.country_of_manufacture_id or "",
    )
    purpose = _("answer to trace request %(id)s") % {"id": request.request_id}
    try:
        result = search_weapons(query=query, limit=limit, purpose=purpose)
    except DomainValidationError as exc:
        return [], exc.message
    return [c.as_dict() for c in result.candidates], result.message


def _chosen_weapon(weapon_id: str | None, candidates: list[dict[str, Any]]) -> Weapon | None:
    if weapon_id:
        weapon = Weapon.objects.filter(pk=weapon_id).first()
        if weapon is None:
            raise DomainValidationError("weapon_id", _("no such weapon"), code="unknown_weapon")
        return weapon
    exact = [c for c in candidates if c["match"] == "exact"]
    if len(exact) == 1:
        return Weapon.objects.filter(pk=exact[0]["weapon_id"]).first()
    return None


def release_answer(
    *,
    answer: TraceAnswer,
    actor: User,
    completeness: str,
    redact_personal: bool = True,
    note: str = "",
    confidentiality: str = "",
    use_restrictions: str = "",
) -> TraceAnswer:
    """The point of contact (or, for a domestic request, the registry) reviews, redacts
    holders' names if asked, and releases: the request is answered, complete or partial.
    The answer carries its own confidentiality and use restrictions (the request's unless
    stated), shown wherever it appears."""
    request = answer.request
    _ours_to_answer(request)
    perm = ANSWER_RELEASE_DOMESTIC if request.direction == D.DOMESTIC else ANSWER_RELEASE
    require(actor, perm, agency=request.requested_agency)
    if completeness not in Completeness.values:
        raise DomainValidationError(
            "completeness", _("say whether the answer is complete or partial"), code="required"
        )
    if answer.released_at is not None:
        raise DomainValidationError("answer", _("was already released"), code="released")
    errors = _Errors()
    errors.choice(
        "confidentiality",
        confidentiality or request.confidentiality,
        Confidentiality.values,
        required=True,
    )
    _check_texts(errors, {"use_restrictions": use_restrictions, "note": note})
    errors.raise_any()
    target = (
        Status.ANSWERED_COMPLETE
        if completeness == Completeness.COMPLETE
        else Status.ANSWERED_PARTIAL
    )
    with transaction.atomic():
        _step(request, target, actor, note=note)
        answer.released = redact(answer.draft) if redact_personal else answer.draft
        answer.completeness = completeness
        answer.released_at = clock.now()
        answer.released_by_name = current_context().actor_name
        answer.confidentiality = confidentiality or request.confidentiality
        answer.use_restrictions = use_restrictions.strip() or request.use_restrictions
        answer.save(
            update_fields=[
                "released",
                "completeness",
                "released_at",
                "released_by_name",
                "confidentiality",
                "use_restrictions",
            ]
        )
        record_outcome(answer)
        if answer.weapon_id is not None:
            TraceRequest.objects.filter(pk=request.pk).update(weapon=answer.weapon_id)
            request.weapon_id = answer.weapon_id
        _append(request, EventKind.ANSWER_RELEASED, status_before=request.status, rule="release")
        data = {"answer": answer.pk, "completeness": completeness, "redacted": redact_personal}
        record_event(
            "tracing:answer:released",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data=data,
        )
        if request.direction == D.INCOMING:  # a disclosure to another state (T12)
            record_event(
                "tracing:answer:disclosed",
                object_type="tracing.tracerequest",
                object_id=request.request_id,
                data={
                    **data,
                    "via": "release",
                    "to": request.requesting_state_id,
                    "to_state": request.requesting_state_id,
                    "confidentiality": answer.confidentiality,
                    "use_restrictions": answer.use_restrictions,
                },
            )
    return answer


# --- the outcome as columns (analytics, issue 9) ------------------------------------------

OUTCOME_FIELDS = [
    "diversion_established",
    "diversion_event",
    "diversion_on",
    "last_legal_event",
    "last_legal_on",
    "last_legal_country",
    "last_legal_holder",
    "time_to_crime_days",
]
CIVILIAN_PARTIES = frozenset({PartyKind.INDIVIDUAL, PartyKind.COMPANY})


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def first_civilian_date(chain: list[dict[str, Any]]) -> dt.date | None:
    """The date the weapon first passed into civilian hands: the first link to an individual
    or a company, or to the civilian status. None when that link is the registration of a
    weapon already held (its date is the registry's, not the sale's) or there is none."""
    for link in chain:
        party = link.get("to") or {}
        if link.get("status_after") == RegistryStatus.CIVILIAN or (
            party.get("kind") in CIVILIAN_PARTIES
        ):
            return None if link.get("event") == RegistryEvent.REGISTERED else _day(link.get("date"))
    return None


def time_to_crime(chain: list[dict[str, Any]], found_on: dt.date | None) -> int | None:
    """Days from the first transfer to a civilian holder to the recovery (ATF: "time from
    first retail sale to recovery by police"); None when either end is unknown."""
    sold = first_civilian_date(chain)
    if sold is None or found_on is None or found_on < sold:
        return None
    return (found_on - sold).days


def outcome_columns(content: dict[str, Any], found_on: dt.date | None) -> dict[str, Any]:
    """The answer's outcome (tracing/answers.py `outcome()`) as column values."""
    diversion = content.get("point_of_diversion") or {}
    last = content.get("last_legal_record") or {}
    established = diversion.get("established") is True
    event = str(diversion.get("event") or "")
    country = str(last.get("country") or "").upper()
    return {
        "diversion_established": established,
        "diversion_event": event if established and event in DIVERSION else "",
        "diversion_on": _day(diversion.get("date")) if established else None,
        "last_legal_event": str(last.get("event") or "")[:24],
        "last_legal_on": _day(last.get("date")),
        "last_legal_country": country if len(country) == 2 and country.isalpha() else "",
        "time_to_crime_days": time_to_crime(content.get("supply_chain") or [], found_on),
    }


def _last_legal_holder(answer: TraceAnswer, chain: list[dict[str, Any]]) -> int | None:
    """The registry party of the last legal record, for an answer drafted from our registry
    (a received answer names parties of another state's records)."""
    if answer.weapon_id is None:
        return None
    link = next((k for k in reversed(chain) if k.get("event") not in DIVERSION | CUSTODY), None)
    if link is None or not link.get("seq"):
        return None
    row = Event.objects.filter(weapon_id=answer.weapon_id, seq=link["seq"])
    parties = row.values_list("to_party_id", "from_party_id").first()
    return (parties[0] or parties[1]) if parties else None


def record_outcome(answer: TraceAnswer) -> None:
    """Write the outcome columns of a released or received answer; listeners (diversion
    notices) hear of it once the transaction commits."""
    content: dict[str, Any] = answer.released or answer.draft or {}
    for name, value in outcome_columns(content, answer.request.found_on).items():
        setattr(answer, name, value)
    answer.last_legal_holder_id = _last_legal_holder(answer, content.get("supply_chain") or [])
    answer.save(update_fields=OUTCOME_FIELDS)
    transaction.on_commit(lambda: outcome_recorded.send(sender=TraceAnswer, answer=answer))


# --- reminders and escalation (T8) -------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    request_id: str
    late: str  # rules.ACK or rules.ANSWER
    escalated: bool


def send_reminders(*, now: dt.datetime | None = None) -> list[Reminder]:
    """Record a reminder for each overdue request not reminded lately; escalate the ones
    that stay unanswered after the set number of reminders."""
    now = now or clock.now()
    policy = rules.ReminderPolicy.from_settings()
    done = []
    candidates = TraceRequest.objects.filter(status__in=rules.AWAITING_ANSWER).order_by("pk")
    for request_pk in candidates.values_list("pk", flat=True):
        reminder = _remind(request_pk, now, policy)
        if reminder is not None:
            done.append(reminder)
    return done


def _remind(pk: int, now: dt.datetime, policy: rules.ReminderPolicy) -> Reminder | None:
    with transaction.atomic():
        request = TraceRequest.objects.select_for_update().get(pk=pk)
        status = Status(request.status)
        late = rules.overdue(status, request.ack_due_at, request.answer_due_at, now)
        if late is None or not rules.reminder_due(request.last_reminder_at, now, policy):
            return None
        request.reminders += 1
        request.last_reminder_at = now
        escalate = request.escalated_at is None and request.reminders >= policy.escalate_after
        if escalate:
            request.escalated_at = now
        request.save(update_fields=["reminders", "last_reminder_at", "escalated_at"])
        owed = "to_us" if request.direction == D.OUTGOING else "by_us"
        data = {"late": late, "owed": owed, "reminder": request.reminders}
        _append(request, EventKind.REMINDER, status_before=status, rule="remind", note=late)
        record_event(
            "tracing:request:reminded",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data=data,
        )
        if escalate:
            _append(request, EventKind.ESCALATED, status_before=status, rule="escalate", note=late)
            record_event(
                "tracing:request:escalated",
                object_type="tracing.tracerequest",
                object_id=request.request_id,
                data=data,
            )
    return Reminder(request.request_id, late, escalate)


# Shared with the other writers of tracing (exchange.py, portal.py).
Errors = _Errors
append_event = _append
check_texts = _check_texts
take_step = _step


# --- what a user may do with a request (pages offer only these; the services above
# refuse the rest) ----------------------------------------------------------------------


def home_country(user: User) -> str:
    return user.agency.country.upper() if user.agency else ""


def directions_for(user: User) -> list[str]:
    directions = [D.DOMESTIC.value]
    if has_permission(user, REQUEST_INTERNATIONAL):
        directions += [D.OUTGOING.value, D.INCOMING.value]
    return directions


def step_targets(user: User, request: TraceRequest) -> list[Status]:
    """The steps this user may take here; our answers go through the release instead."""
    direction, status = Direction(request.direction), Status(request.status)
    return [
        target
        for target in rules.targets(direction, status)
        if not (target in rules.ANSWERED and direction != D.OUTGOING)
        and may_take(user, request, rules.TABLE[(status, target)])
    ]


def _ours_open(request: TraceRequest, statuses: frozenset[Status] | tuple[Status, ...]) -> bool:
    return request.direction != D.OUTGOING and request.status in statuses


def may_ask(user: User, request: TraceRequest) -> bool:
    """Ask a manufacturer or dealer about their books (a request we answer, still open)."""
    return _ours_open(request, rules.DRAFTABLE) and has_permission(
        user, QUESTION_SEND, agency=request.requested_agency
    )


def may_draft(user: User, request: TraceRequest) -> bool:
    return _ours_open(request, rules.DRAFTABLE) and has_permission(
        user, ANSWER_DRAFT, agency=request.requested_agency
    )


def may_release(user: User, request: TraceRequest) -> bool:
    release = ANSWER_RELEASE_DOMESTIC if request.direction == D.DOMESTIC else ANSWER_RELEASE
    return _ours_open(request, rules.WAITING) and has_permission(
        user, release, agency=request.requested_agency
    )
