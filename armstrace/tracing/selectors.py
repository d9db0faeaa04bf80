"""Reads of tracing, already restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from armstrace.accounts.models import Agency
from armstrace.accounts.permissions import has_permission
from armstrace.core import clock
from armstrace.tracing import rules
from armstrace.tracing.choices import Direction, Status
from armstrace.tracing.models import PortalQuestion, TraceAnswer, TraceEvent, TraceRequest
from armstrace.tracing.permissions import ANSWER_DRAFT, REQUEST_VIEW

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User

WE_OWE = (Direction.INCOMING, Direction.DOMESTIC)  # our registry answers these


def requests_for(user: User | AnonymousUser) -> QuerySet[TraceRequest]:
    """All requests for national-scope readers; else those of the reader's agencies."""
    base = TraceRequest.objects.select_related("requesting_state", "requested_state")
    if not has_permission(user, REQUEST_VIEW):
        return base.none()
    agencies = Agency.objects.only("pk", "national_scope")
    seen = [a.pk for a in agencies if has_permission(user, REQUEST_VIEW, agency=a)]
    if any(a.national_scope for a in agencies if a.pk in seen):
        return base
    return base.filter(Q(requesting_agency__in=seen) | Q(requested_agency__in=seen))


def overdue(requests: QuerySet[TraceRequest], now: dt.datetime) -> QuerySet[TraceRequest]:
    """Requests whose acknowledgement or answer is late (rules.overdue, as a query)."""
    late_answer = Q(status__in=rules.AWAITING_ANSWER, answer_due_at__lt=now)
    late_ack = Q(status__in=rules.AWAITING_ACK, ack_due_at__lt=now)
    return requests.filter(late_answer | late_ack)


def overdue_we_owe(
    user: User | AnonymousUser, now: dt.datetime | None = None
) -> QuerySet[TraceRequest]:
    return overdue(requests_for(user), now or clock.now()).filter(direction__in=WE_OWE)


def overdue_owed_to_us(
    user: User | AnonymousUser, now: dt.datetime | None = None
) -> QuerySet[TraceRequest]:
    return overdue(requests_for(user), now or clock.now()).filter(direction=Direction.OUTGOING)


def counterpart(request: TraceRequest) -> str:
    """The other side: the state asked, the state asking, or the asking agency at home."""
    if request.direction == Direction.OUTGOING:
        return str(request.requested_state)
    if request.direction == Direction.INCOMING:
        return str(request.requesting_state)
    return request.requesting_agency_name


@dataclass
class CounterpartRow:
    counterpart: str
    we_owe: list[TraceRequest] = field(default_factory=list)
    owed_to_us: list[TraceRequest] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.we_owe) + len(self.owed_to_us)


def overdue_by_counterpart(
    user: User | AnonymousUser, now: dt.datetime | None = None
) -> list[CounterpartRow]:
    """The overdue dashboard: one row per counterpart, most overdue requests first."""
    rows: dict[str, CounterpartRow] = defaultdict(lambda: CounterpartRow(""))
    late = overdue(requests_for(user), now or clock.now()).order_by("answer_due_at", "pk")
    for request in late:
        name = counterpart(request)
        row = rows[name]
        row.counterpart = name
        (row.owed_to_us if request.direction == Direction.OUTGOING else row.we_owe).append(request)
    return sorted(rows.values(), key=lambda r: (-r.total, r.counterpart))


def history(request: TraceRequest) -> QuerySet[TraceEvent]:
    return request.events.order_by("seq")


def lateness(request: TraceRequest, now: dt.datetime | None = None) -> str | None:
    return rules.overdue(
        Status(request.status), request.ack_due_at, request.answer_due_at, now or clock.now()
    )


def answers_for(user: User | AnonymousUser, request: TraceRequest) -> list[TraceAnswer]:
    """Released answers for everyone who sees the request; drafts (not yet reviewed, not
    redacted) only for those who draft answers on the requested side."""
    answers = request.answers.select_related("weapon").order_by("-pk")
    if has_permission(user, ANSWER_DRAFT, agency=request.requested_agency):
        return list(answers)
    return list(answers.filter(released_at__isnull=False))


def questions_for(user: User | AnonymousUser, request: TraceRequest) -> list[PortalQuestion]:
    """Questions to manufacturers and dealers, and their answers (which name buyers), for
    those who draft answers on the requested side only."""
    if not has_permission(user, ANSWER_DRAFT, agency=request.requested_agency):
        return []
    return list(request.questions.order_by("asked_at", "pk"))


@dataclass
class CaseNode:
    request: TraceRequest
    depth: int


def case_chain(user: User | AnonymousUser, case_ref: str) -> list[CaseNode]:
    """The requests of one case the user may see, as a tree: each follow-up under the
    request whose answer led to it, in the order they were filed."""
    rows = list(
        requests_for(user)
        .filter(case_ref=case_ref)
        .prefetch_related("answers")
        .order_by("created_at", "pk")
    )
    present = {r.pk for r in rows}
    children: dict[int | None, list[TraceRequest]] = defaultdict(list)
    for row in rows:
        children[row.parent_id if row.parent_id in present else None].append(row)
    out: list[CaseNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            out.append(CaseNode(row, depth))
            walk(row.pk, depth + 1)

    walk(None, 0)
    return out
