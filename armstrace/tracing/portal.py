"""The manufacturers' and dealers' portal (T11): one question, one weapon, one answer.

The point of contact asks a party of the registry (a manufacturer or a dealer) what its
own books say about one weapon (serial, make, model). The party gets a one-time link: a
signed token (django.core.signing, salted, time-stamped) naming the question and a random
nonce stored with it. The link opens a page with that question and a form, nothing else;
it stops working when answered, revoked, or past `expires_at`
(ARMSTRACE_TRACE_PORTAL_DAYS, default 14). The answer lands on the request as a
contribution, with a TraceEvent and audit events; no account is needed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.accounts.permissions import require
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context, current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.registry.choices import PartyKind
from armstrace.registry.models import Party
from armstrace.tracing import rules
from armstrace.tracing.choices import BooksAnswer, Direction, EventKind, Status
from armstrace.tracing.models import PortalQuestion, TraceRequest
from armstrace.tracing.permissions import QUESTION_SEND
from armstrace.tracing.services import Errors, append_event, check_texts

SALT = "armstrace.tracing.portal"
DEFAULT_DAYS = 14
BOOK_KEEPERS = frozenset({PartyKind.MANUFACTURER, PartyKind.DEALER, PartyKind.IMPORTER})
BOOK_KEEPERS |= {PartyKind.EXPORTER}


class LinkInvalid(Exception):
    """The link is forged, expired, revoked or already used; the page says only that."""


def link_days() -> int:
    return int(getattr(settings, "ARMSTRACE_TRACE_PORTAL_DAYS", DEFAULT_DAYS))


def _token(question: PortalQuestion) -> str:
    return signing.dumps({"q": question.pk, "n": question.nonce}, salt=SALT)


def ask_party(
    *, request: TraceRequest, actor: User, party: Party, question: str = ""
) -> tuple[PortalQuestion, str]:
    """Ask `party` about the request's weapon; returns the question and its token (shown
    once to the point of contact, never stored)."""
    require(actor, QUESTION_SEND, agency=request.requested_agency)
    if request.direction == Direction.OUTGOING:
        raise DomainValidationError(
            "request", _("ask our own manufacturers and dealers about requests we answer"),
            code="not_ours",
        )  # fmt: skip
    if request.status not in rules.DRAFTABLE:
        raise DomainValidationError(
            "request",
            _("No question can be sent while the request is '%(status)s'.")
            % {"status": Status(request.status).label},
            code="closed",
        )
    errors = Errors()
    if party.kind not in BOOK_KEEPERS:
        errors.add(
            "party", _("ask a manufacturer, importer, exporter or dealer"), "not_book_keeper"
        )
    weapon = request.weapon
    serial = weapon.serial_number if weapon else request.serial_as_read
    if not serial.strip():
        errors.add("serial", _("the request names no serial to ask about"), code="required")
    check_texts(errors, {"note": question})
    errors.raise_any()
    now = clock.now()
    with transaction.atomic():
        asked = PortalQuestion.objects.create(
            request=request,
            party=party,
            party_name=party.name,
            serial=serial,
            make=weapon.manufacturer_name if weapon else request.manufacturer,
            model=weapon.model if weapon else request.model,
            question=question.strip(),
            confidentiality=request.confidentiality,
            use_restrictions=request.use_restrictions,
            nonce=secrets.token_hex(16),
            asked_at=now,
            asked_by_name=current_context().actor_name,
            expires_at=now + dt.timedelta(days=link_days()),
        )
        append_event(
            request,
            EventKind.QUESTION_SENT,
            status_before=request.status,
            rule="ask_party",
            note=f"{party.name}: {serial}",
        )
        record_event(
            "tracing:question:sent",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data={"question": asked.pk, "party": party.pk, "serial": serial},
        )
        # The serial, make and model go to a party outside the state: a disclosure (T12).
        record_event(
            "tracing:question:disclosed",
            object_type="tracing.tracerequest",
            object_id=request.request_id,
            data={
                "question": asked.pk,
                "to": party.name,
                "confidentiality": asked.confidentiality,
                "use_restrictions": asked.use_restrictions,
            },
        )
    return asked, _token(asked)


def question_for(token: str) -> PortalQuestion:
    """The open question this token names, or LinkInvalid (one reason for every failure,
    so the page tells a prober nothing)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=link_days()))
        question = PortalQuestion.objects.select_related("request").get(pk=int(data["q"]))
    except (signing.BadSignature, PortalQuestion.DoesNotExist, KeyError, TypeError, ValueError):
        raise LinkInvalid from None
    if not constant_time_compare(question.nonce, str(data.get("n", ""))):
        raise LinkInvalid
    if question.answered_at or question.revoked_at or question.expires_at <= clock.now():
        raise LinkInvalid
    return question


@dataclass
class BooksInput:
    found: str = ""
    sold_to: str = ""
    sold_on: dt.date | None = None
    document_ref: str = ""
    note: str = ""
    answered_by: str = ""


def answer_question(*, token: str, data: BooksInput) -> PortalQuestion:
    """The party's answer, checked field by field; the link is spent once it is stored."""
    errors = Errors()
    errors.choice("found", data.found, BooksAnswer.values, required=True)
    if data.found == BooksAnswer.SOLD:
        errors.required("sold_to", data.sold_to, _("say to whom it was sold or transferred"))
        if data.sold_on is None:
            errors.add("sold_on", _("say when it was sold or transferred"), code="required")
    if data.sold_on and data.sold_on > clock.today():
        errors.add("sold_on", _("is in the future"), code="future_date")
    errors.required("answered_by", data.answered_by, _("give your name"))
    check_texts(errors, {"note": data.note})
    for name, limit in (("sold_to", 200), ("document_ref", 80), ("answered_by", 150)):
        if len(getattr(data, name)) > limit:
            errors.add(name, _("is longer than %(max)d characters") % {"max": limit}, "too_long")
    errors.raise_any()
    with transaction.atomic():
        question = question_for(token)
        question = PortalQuestion.objects.select_for_update().get(pk=question.pk)
        if question.answered_at is not None:  # two submissions raced: the first one counts
            raise LinkInvalid
        actor = f"portal:{question.party_name}"[:150]
        ctx = current_context()
        with audit_context(
            actor_id=None, actor_name=actor, channel=ctx.channel, correlation_id=ctx.correlation_id
        ):
            _store(question, data)
    return question


def _store(question: PortalQuestion, data: BooksInput) -> None:
    question.found = data.found
    question.sold_to = data.sold_to.strip()
    question.sold_on = data.sold_on
    question.document_ref = data.document_ref.strip()
    question.answer_note = data.note.strip()
    question.answered_by_name = data.answered_by.strip()
    question.answered_at = clock.now()
    question.save()
    request = question.request
    append_event(
        request,
        EventKind.CONTRIBUTION,
        status_before=request.status,
        rule="party_answer",
        note=f"{question.party_name}: {BooksAnswer(data.found).label}",
    )
    record_event(
        "tracing:question:answered",
        object_type="tracing.tracerequest",
        object_id=request.request_id,
        data={"question": question.pk, "party": question.party_id, "found": data.found},
    )


def revoke_question(*, question: PortalQuestion, actor: User) -> PortalQuestion:
    require(actor, QUESTION_SEND, agency=question.request.requested_agency)
    if question.answered_at or question.revoked_at:
        raise DomainValidationError("question", _("is no longer open"), code="closed")
    with transaction.atomic():
        question.revoked_at = clock.now()
        question.save(update_fields=["revoked_at"])
        record_event(
            "tracing:question:revoked",
            object_type="tracing.tracerequest",
            object_id=question.request.request_id,
            data={"question": question.pk},
        )
    return question
