"""Follow-up requests (T12, multi-border traces): when an answer's chain ends in an export,
the next state to ask is the importing one. The follow-up is pre-filled from the answer
(the weapon as identified, the chain so far) and from the original request (its markings
and para 17 content), and is filed with `parent` and the same `case_ref`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.core.exceptions import DomainValidationError
from armstrace.tracing.choices import Channel, Direction, RoutingReason
from armstrace.tracing.models import TraceAnswer, TraceRequest
from armstrace.tracing.permissions import REQUEST_INTERNATIONAL
from armstrace.tracing.services import RequestInput, home_country


def content(answer: TraceAnswer) -> dict[str, Any]:
    """What the answer says: as released (or received), else as drafted."""
    value: dict[str, Any] = answer.released or answer.draft
    return value


def leads_to(answer: TraceAnswer) -> str:
    return str(content(answer).get("leads_to_state") or "").upper()


def _party_text(party: dict[str, Any] | None) -> str:
    return str(party.get("name") or "") if party else ""


def chain_text(request: TraceRequest, answer: TraceAnswer) -> str:
    """The chain established so far, one line per link, with where it came from."""
    lines = [
        _("From the answer to %(id)s (%(state)s):")
        % {"id": request.request_id, "state": request.requested_state_id}
    ]
    if request.chain_so_far:
        lines.insert(0, request.chain_so_far)
    for link in content(answer).get("supply_chain") or []:
        parties = " -> ".join(
            p for p in (_party_text(link.get("from")), _party_text(link.get("to"))) if p
        )
        where = link.get("counterpart_country") or link.get("country") or ""
        ref = link.get("licence_number") or link.get("document_ref") or ""
        parts = [link.get("date", ""), link.get("event", ""), parties, where, ref]
        lines.append(" | ".join(str(p) for p in parts if p))
    return "\n".join(lines)


def follow_up_input(*, request: TraceRequest, answer: TraceAnswer, home: str) -> RequestInput:
    """An outgoing request to the state the answer leads to, ready to review and file."""
    if request.direction == Direction.INCOMING:
        raise DomainValidationError(
            "request",
            _("The requesting state files its own follow-ups; our answer names the state."),
            code="follow_up_by_requester",
        )
    state = leads_to(answer)
    if not state or state == home.upper():
        raise DomainValidationError(
            "answer",
            _("This answer does not lead to another state: there is no one to follow up."),
            code="no_follow_up",
        )
    weapon = content(answer).get("weapon") or {}
    return RequestInput(
        direction=Direction.OUTGOING,
        channel=Channel.BILATERAL_NPC if request.channel == Channel.DOMESTIC else request.channel,
        case_ref=request.case_ref,
        requested_state=state,
        routing_reason=RoutingReason.LAST_IMPORT,
        officer_name=request.officer_name,
        officer_phone=request.officer_phone,
        officer_email=request.officer_email,
        officer_badge=request.officer_badge,
        priority=request.priority,
        priority_justification=request.priority_justification,
        serial_as_read=weapon.get("serial_number") or request.serial_as_read,
        serial_obliterated=request.serial_obliterated and not weapon.get("serial_number"),
        markings=request.markings,
        weapon_type=weapon.get("weapon_type") or request.weapon_type,
        calibre=weapon.get("calibre") or request.calibre,
        manufacturer=weapon.get("manufacturer") or request.manufacturer,
        model=weapon.get("model") or request.model,
        country_of_manufacture=weapon.get("country_of_manufacture")
        or request.country_of_manufacture_id
        or "",
        other_identifiers=request.other_identifiers,
        illicit_grounds=list(request.illicit_grounds),
        legal_justification=request.legal_justification,
        found_on=request.found_on,
        found_place=request.found_place,
        found_context=request.found_context,
        offence=request.offence,
        intended_use=request.intended_use,
        confidentiality=request.confidentiality,
        use_restrictions=request.use_restrictions,
        ballistic_ref=request.ballistic_ref,
        chain_so_far=chain_text(request, answer),
        language=request.language,
        parent=request,
    )


def follow_up_states(
    user: User, request: TraceRequest, answers: list[TraceAnswer]
) -> dict[int, str]:
    """Answer id -> the state a follow-up would ask, for released answers that lead abroad;
    the requesting state files its own follow-ups of an incoming request."""
    if request.direction == Direction.INCOMING or not has_permission(user, REQUEST_INTERNATIONAL):
        return {}
    home = home_country(user)
    leads = {a.pk: leads_to(a) for a in answers if a.released_at}
    return {pk: state for pk, state in leads.items() if state and state != home}
