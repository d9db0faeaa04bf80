"""Writes of reporting: generate a national report, create diversion notices and export
them or send them to a peer node as signed alerts, keep the recipients and the assistance
register. Each write is audited.

Generating a report and exporting a notice write no row of their own: the audit event
(who, what, the file's SHA-256) is the record that they left the system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.accounts.permissions import Permission, require
from armstrace.accounts.services import offered_language
from armstrace.analytics.selectors import Period
from armstrace.audit.services import record_change, record_event, snapshot
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters
from armstrace.federation.alerts import publish_description
from armstrace.federation.choices import AlertKind
from armstrace.federation.models import Peer
from armstrace.quality.exports import write_csv
from armstrace.reference.models import Country
from armstrace.reporting import notices, rules, writers
from armstrace.reporting.choices import (
    AssistanceCategory,
    AssistanceKind,
    AssistanceStatus,
    NoticeFormat,
    NoticeState,
    RecipientLevel,
    ReportFormat,
)
from armstrace.reporting.models import (
    AssistanceEntry,
    AssistanceMatch,
    DiversionNotice,
    NoticeRecipient,
)
from armstrace.reporting.national import build_report
from armstrace.reporting.permissions import (
    ASSISTANCE_MANAGE,
    NOTICE_EXPORT,
    RECIPIENT_MANAGE,
    REPORT_GENERATE,
)
from armstrace.tracing.choices import Confidentiality
from armstrace.tracing.models import TraceAnswer

MAX_PERIOD_DAYS = 10 * 366  # a report covers a reporting cycle, not a century
CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.JSON: "application/json",
}


def _choice(field: str, value: str, allowed: list[str]) -> str:
    if value not in allowed:
        raise DomainValidationError(
            field,
            _("must be one of: %(choices)s") % {"choices": ", ".join(allowed)},
            code="unknown_choice",
        )
    return value


def _text(field: str, value: str, *, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DomainValidationError(field, _("is required"), code="required")
    if len(value) > limit:
        raise DomainValidationError(
            field, _("is longer than %(n)d characters") % {"n": limit}, code="too_long"
        )
    if has_control_characters(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise DomainValidationError(field, _("holds control characters"), code="control")
    return value


def _audited_actor(actor: User | None, perm: Permission) -> None:
    """Web and API callers are checked here as in their views; the command line (actor
    None) acts with the operator's authority, named in its audit context."""
    if actor is not None:
        require(actor, perm)


# --- the national report ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    file_name: str
    content_type: str
    sha256: str


def check_period(start: dt.date | None, end: dt.date | None) -> Period:
    if start is None:
        raise DomainValidationError("start", _("is required"), code="required")
    if end is None:
        raise DomainValidationError("end", _("is required"), code="required")
    if end < start:
        raise DomainValidationError("end", _("is before the start"), code="order")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainValidationError("end", _("the period is longer than ten years"), code="long")
    return Period(start=start, end=end)


def generate_national_report(
    *, actor: User | None, period: Period, language: str, fmt: str
) -> ReportFile:
    """The national report for `period` in `language`, as PDF, XLSX or JSON; audited with
    the file's digest."""
    _audited_actor(actor, REPORT_GENERATE)
    chosen = ReportFormat(_choice("format", fmt, ReportFormat.values))
    _choice("language", language, [code for code, _name in settings.LANGUAGES])
    report = build_report(period, language)
    write = {ReportFormat.PDF: writers.to_pdf, ReportFormat.XLSX: writers.to_xlsx}
    content = write.get(chosen, writers.to_json)(report)
    digest = hashlib.sha256(content).hexdigest()
    name = f"national-report-{report.state_code or 'xx'}-{period.start}-{period.end}-{language}"
    with transaction.atomic():
        record_event(
            "reporting:national:generated",
            data={
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "language": language,
                "format": chosen.value,
                "sha256": digest,
                "bytes": len(content),
            },
        )
    return ReportFile(content, f"{name}.{chosen.value}", CONTENT_TYPES[chosen], digest)


# --- diversion notices --------------------------------------------------------------------


def create_notices(*, answer: TraceAnswer) -> list[DiversionNotice]:
    """A notice for each active recipient, when the answer establishes diversion. Never
    twice for one answer and recipient: the database refuses it, and a repeat is skipped."""
    if not answer.diversion_established:
        return []
    done = DiversionNotice.objects.filter(answer=answer).values_list("recipient_id", flat=True)
    recipients = NoticeRecipient.objects.filter(active=True).exclude(pk__in=done)
    created = []
    for recipient in recipients.order_by("pk"):
        notice = _create_notice(answer, recipient)
        if notice is not None:
            created.append(notice)
    return created


def _create_notice(answer: TraceAnswer, recipient: NoticeRecipient) -> DiversionNotice | None:
    now = clock.now()
    try:
        with transaction.atomic():
            notice = DiversionNotice.objects.create(
                answer=answer,
                recipient=recipient,
                request_id=answer.request.request_id,
                case_ref=answer.request.case_ref,
                document=notices.document(answer, recipient, now),
                created_at=now,
            )
            record_event(
                "reporting:notice:created",
                object_type="reporting.diversionnotice",
                object_id=str(notice.pk),
                data={
                    "request": notice.request_id,
                    "answer": answer.pk,
                    "recipient": recipient.name,
                    "level": recipient.level,
                },
            )
    except IntegrityError:
        return None  # created meanwhile by a concurrent delivery of the same outcome
    return notice


def export_notice(*, notice: DiversionNotice, actor: User, fmt: str) -> bytes:
    """The notice as PDF or JSON; the export is audited with its digest and moves a notice
    still to send to "exported" (one already sent as an alert, or acknowledged, stays so)."""
    require(actor, NOTICE_EXPORT)
    chosen = NoticeFormat(_choice("format", fmt, NoticeFormat.values))
    if chosen == NoticeFormat.PDF:
        content = notices.to_pdf(notice.document, notice.recipient.language)
    else:
        content = notices.to_json(notice.document)
    with transaction.atomic():
        locked = DiversionNotice.objects.select_for_update().get(pk=notice.pk)
        locked.exported_at = clock.now()
        locked.exported_by_name = current_context().actor_name
        if locked.state == NoticeState.TO_SEND:
            locked.state = NoticeState.EXPORTED
        locked.save(update_fields=["exported_at", "exported_by_name", "state"])
        record_event(
            "reporting:notice:exported",
            object_type="reporting.diversionnotice",
            object_id=str(notice.pk),
            data={
                "request": notice.request_id,
                "recipient": notice.recipient.name,
                "format": chosen.value,
                "sha256": hashlib.sha256(content).hexdigest(),
            },
        )
    notice.state, notice.exported_at = locked.state, locked.exported_at
    return content


def acknowledge_notice(*, notice: DiversionNotice, actor: User, note: str = "") -> None:
    """The recipient confirmed receipt; only a notice exported or sent to a peer node can
    have been received."""
    require(actor, NOTICE_EXPORT)
    note = _text("note", note, limit=2000, required=False)
    with transaction.atomic():
        locked = DiversionNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.state not in (NoticeState.EXPORTED, NoticeState.SENT):
            raise DomainValidationError(
                "state",
                _("only a notice exported or sent can be acknowledged"),
                code="not_exported",
            )
        before = snapshot(locked)
        locked.state = NoticeState.ACKNOWLEDGED
        locked.acknowledged_at = clock.now()
        locked.acknowledged_by_name = current_context().actor_name
        locked.acknowledgement_note = note
        locked.save(
            update_fields=[
                "state",
                "acknowledged_at",
                "acknowledged_by_name",
                "acknowledgement_note",
            ]
        )
        record_change(locked, action="updated", before=before)
    notice.state = locked.state


# Alert levels from the most open to the most closed; the tracing levels are the same codes.
ALERT_LEVELS = [
    Confidentiality.UNRESTRICTED.value,
    Confidentiality.RESTRICTED.value,
    Confidentiality.CONFIDENTIAL.value,
]


def _alert_level(document_level: str, chosen: str | None) -> str:
    """The alert's level: the notice's own (an unknown one is read as the strictest), or a
    stricter one chosen by the sender; never a more open one."""
    floor = document_level if document_level in ALERT_LEVELS else Confidentiality.CONFIDENTIAL.value
    if not chosen:
        return floor
    _choice("confidentiality", chosen, ALERT_LEVELS)
    if ALERT_LEVELS.index(chosen) < ALERT_LEVELS.index(floor):
        raise DomainValidationError(
            "confidentiality",
            _("cannot be more open than the notice's own level (%(level)s)")
            % {"level": Confidentiality(floor).label},
            code="too_open",
        )
    return chosen


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _alert_note(document: dict[str, Any], language: str) -> str:
    """What the alert says of the diversion, in the recipient's first language."""
    diversion = document["diversion"]
    with translation.override(offered_language(language) or "en"):
        words = notices.labels(document)
        return _(
            "Diversion notice on trace request %(request)s. Point of diversion: %(event)s on "
            "%(date)s; last legal record: %(last)s on %(last_on)s in %(country)s."
        ) % {
            "request": document["trace"]["request_id"],
            "event": words["event"] or "—",
            "date": diversion["date"] or "—",
            "last": words["last_legal_event"] or "—",
            "last_on": diversion["last_legal_on"] or "—",
            "country": diversion["last_legal_country"] or "—",
        }


def send_notice(
    *, notice: DiversionNotice, actor: User, confidentiality: str | None = None
) -> DiversionNotice:
    """Send the notice to its recipient's peer node as a signed "diverted" alert: the
    notice's weapon as the document describes it (our registry need not hold it), the
    diversion's date and the last legal record's country. Once per notice; audited."""
    require(actor, NOTICE_EXPORT)
    with transaction.atomic():
        locked = DiversionNotice.objects.select_for_update().get(pk=notice.pk)
        recipient = locked.recipient
        peer = recipient.peer
        if peer is None:
            raise DomainValidationError(
                "recipient", _("this recipient is not a peer node"), code="no_peer"
            )
        if not peer.active:
            raise DomainValidationError(
                "recipient",
                _("the peer node %(node)s is not active") % {"node": peer.node_id},
                code="peer_inactive",
            )
        if locked.alert_id is not None:
            raise DomainValidationError(
                "state", _("this notice was already sent as an alert"), code="already_sent"
            )
        document = locked.document
        secrecy = document["confidentiality"]
        diversion = document["diversion"]
        weapon = document["weapon"]
        published = publish_description(
            actor=actor,
            description={
                "manufacturer": weapon.get("manufacturer"),
                "model": weapon.get("model"),
                "calibre": weapon.get("calibre"),
                "weapon_type": weapon.get("weapon_type"),
                "serial": weapon.get("serial_number"),
            },
            kind=AlertKind.DIVERTED,
            peers=[peer],
            confidentiality=_alert_level(secrecy.get("level") or "", confidentiality),
            use_restrictions=secrecy.get("use_restrictions") or "",
            note=_alert_note(document, recipient.language),
            event_date=_date(diversion.get("date")),
            event_country=diversion.get("last_legal_country") or document["from"]["state"] or "",
            object_type="reporting.diversionnotice",
            object_id=str(locked.pk),
        )
        locked.alert_id = published.alert_id
        locked.exported_at = clock.now()
        locked.exported_by_name = current_context().actor_name
        if locked.state != NoticeState.ACKNOWLEDGED:
            locked.state = NoticeState.SENT
        locked.save(update_fields=["alert_id", "exported_at", "exported_by_name", "state"])
        record_event(
            "reporting:notice:sent",
            object_type="reporting.diversionnotice",
            object_id=str(locked.pk),
            data={
                "request": locked.request_id,
                "recipient": recipient.name,
                "peer": peer.node_id,
                "alert_id": str(published.alert_id),
            },
        )
    notice.alert_id, notice.state = locked.alert_id, locked.state
    notice.exported_at, notice.exported_by_name = locked.exported_at, locked.exported_by_name
    return notice


@dataclass
class RecipientInput:
    name: str
    level: str
    email: str = ""
    address: str = ""
    languages: str = "en"
    active: bool = True
    peer: str = ""  # the node id of a peer, when the recipient is a peer node


def _peer(node_id: str) -> Peer | None:
    node_id = node_id.strip().upper()
    if not node_id:
        return None
    peer = Peer.objects.filter(node_id=node_id).first()
    if peer is None:
        raise DomainValidationError(
            "peer",
            _("no peer node has the id %(node)s") % {"node": node_id},
            code="unknown_peer",
        )
    return peer


def _clean_recipient(data: RecipientInput) -> dict[str, Any]:
    """The recipient's fields as they are saved (its peer resolved from the node id)."""
    offered = [code for code, _name in settings.LANGUAGES]
    languages = data.languages.replace(",", " ").split()
    for code in languages:
        _choice("languages", code, offered)
    peer = _peer(data.peer)
    if peer is None and not data.email.strip() and not data.address.strip():
        raise DomainValidationError(
            "email", _("give an e-mail, a postal address or a peer node"), code="required"
        )
    return {
        "name": _text("name", data.name, limit=200),
        "level": _choice("level", data.level, RecipientLevel.values),
        "email": _text("email", data.email, limit=254, required=False),
        "address": _text("address", data.address, limit=1000, required=False),
        "languages": " ".join(dict.fromkeys(languages)) or "en",
        "active": data.active,
        "peer": peer,
    }


def save_recipient(
    *, actor: User | None, data: RecipientInput, recipient: NoticeRecipient | None = None
) -> NoticeRecipient:
    """Add a recipient, or change one (a recipient is deactivated, never deleted: its
    notices keep pointing at it)."""
    _audited_actor(actor, RECIPIENT_MANAGE)
    clean = _clean_recipient(data)
    with transaction.atomic():
        before = snapshot(recipient) if recipient is not None else None
        target = recipient or NoticeRecipient()
        for name, value in clean.items():
            setattr(target, name, value)
        target.save()
        record_change(target, action="updated" if before else "created", before=before)
    return target


# --- the assistance register --------------------------------------------------------------


@dataclass
class EntryInput:
    kind: str
    category: str
    description: str
    country: str
    contact: str
    quantity: int | None = None


def record_entry(*, actor: User, data: EntryInput) -> AssistanceEntry:
    """Record a need or an offer of assistance."""
    require(actor, ASSISTANCE_MANAGE)
    country = Country.objects.filter(code=data.country.strip().upper()).first()
    if country is None:
        raise DomainValidationError("country", _("is not an ISO 3166 code"), code="unknown")
    if data.quantity is not None and data.quantity < 0:
        raise DomainValidationError("quantity", _("cannot be negative"), code="negative")
    with transaction.atomic():
        entry = AssistanceEntry.objects.create(
            kind=_choice("kind", data.kind, AssistanceKind.values),
            category=_choice("category", data.category, AssistanceCategory.values),
            description=_text("description", data.description, limit=4000),
            quantity=data.quantity,
            country=country,
            contact=_text("contact", data.contact, limit=300),
            created_at=clock.now(),
            created_by_name=current_context().actor_name,
        )
        record_change(entry, action="created", before=None)
    return entry


def match_entries(
    *, actor: User, need: AssistanceEntry, offer: AssistanceEntry, note: str = ""
) -> AssistanceMatch:
    """Pair a need with an offer of the same category; both become "matched", and the match
    keeps the explanation the suggestion gave."""
    require(actor, ASSISTANCE_MANAGE)
    if need.kind != AssistanceKind.NEED or offer.kind != AssistanceKind.OFFER:
        raise DomainValidationError("offer", _("pair a need with an offer"), code="kinds")
    if need.category != offer.category:
        raise DomainValidationError("offer", _("is of another category"), code="category")
    if AssistanceStatus.CLOSED in (need.status, offer.status):
        raise DomainValidationError("offer", _("a closed entry cannot be matched"), code="closed")
    note = _text("note", note, limit=2000, required=False)
    with transaction.atomic():
        if AssistanceMatch.objects.filter(need=need, offer=offer).exists():
            raise DomainValidationError("offer", _("is already matched with this need"), "twice")
        match = AssistanceMatch.objects.create(
            need=need,
            offer=offer,
            explanation=rules.suggest(need, offer).explanation,
            note=note,
            matched_at=clock.now(),
            matched_by_name=current_context().actor_name,
        )
        record_change(match, action="created", before=None)
        for entry in (need, offer):
            _set_status(entry, AssistanceStatus.MATCHED)
    return match


def set_entry_status(*, actor: User, entry: AssistanceEntry, status: str) -> AssistanceEntry:
    """Close an entry (met, withdrawn) or reopen it."""
    require(actor, ASSISTANCE_MANAGE)
    _choice("status", status, AssistanceStatus.values)
    with transaction.atomic():
        _set_status(entry, AssistanceStatus(status))
    return entry


def _set_status(entry: AssistanceEntry, status: AssistanceStatus) -> None:
    if entry.status == status:
        return
    before = snapshot(entry)
    entry.status = status
    entry.closed_at = clock.now() if status == AssistanceStatus.CLOSED else None
    entry.save(update_fields=["status", "closed_at"])
    record_change(entry, action="updated", before=before)


REGISTER_HEADER = (
    "id", "kind", "category", "description", "quantity", "country", "contact", "status",
    "recorded_at", "closed_at",
)  # fmt: skip


def export_register(*, entries: QuerySet[AssistanceEntry]) -> bytes:
    """The register as CSV (UTF-8 with a byte-order mark, formulas neutralised), codes not
    labels so any language reads it; audited with its digest."""
    out = io.StringIO()
    rows = entries.order_by("pk").values_list(
        "pk", "kind", "category", "description", "quantity", "country_id", "contact", "status",
        "created_at", "closed_at",
    )  # fmt: skip
    count = write_csv(out, REGISTER_HEADER, rows)
    content = out.getvalue().encode("utf-8-sig")
    with transaction.atomic():
        record_event(
            "reporting:assistance:exported",
            data={"rows": count, "sha256": hashlib.sha256(content).hexdigest()},
        )
    return content
