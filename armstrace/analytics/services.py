"""Keeping the analytics' own tables (analytics/models.py) in step with what they copy.

Each table has one definition of a row, which the set-based rebuild and the refresh of a
few rows both use (`INSERT ... SELECT` of one query, or one Python function), so a table
can only hold what that definition says. The refreshes run inside the writer's transaction,
so a committed change and its rows never disagree:
- traced recoveries: when an answer is released or received or a follow-up filed
  (tracing's `event_appended`);
- custody events: when a registry event is written or a weapon saved (`post_save`), and
  their mark of an established origin when a chain's traced recovery changes;
- request steps: when a request reaches an answer, a delay, a restriction or a refusal.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from armstrace.analytics.models import CUSTODY_KINDS, CustodyEvent, RequestSteps, TracedRecovery
from armstrace.registry.choices import EventKind, PartyKind
from armstrace.registry.choices import Status as RegistryStatus
from armstrace.registry.models import Event, Weapon
from armstrace.tracing import rules
from armstrace.tracing.choices import EventKind as TraceEventKind
from armstrace.tracing.choices import Status as TraceStatus
from armstrace.tracing.models import TraceAnswer, TraceEvent, TraceRequest

# The steps that change which answer ends a chain, or what it says.
CHANGING = frozenset(
    {
        TraceEventKind.ANSWER_RELEASED,
        TraceEventKind.ANSWER_RECEIVED,
        TraceEventKind.FOLLOW_UP,  # on the parent: it no longer ends its chain
    }
)


def _importer() -> Subquery:
    """The party that last imported the weapon, from our registry's events."""
    imports = Event.objects.filter(
        weapon=OuterRef("weapon"), kind=EventKind.IMPORTED, to_party__isnull=False
    )
    return Subquery(imports.order_by("-seq").values("to_party")[:1])


def _retailer() -> Subquery:
    """The dealer that first sold the weapon into civilian hands (ATF: the first retail
    sale), from our registry's events."""
    sales = Event.objects.filter(
        weapon=OuterRef("weapon"),
        status_after=RegistryStatus.CIVILIAN,
        from_party__kind=PartyKind.DEALER,
    )
    return Subquery(sales.order_by("seq").values("from_party")[:1])


def _made_in() -> Coalesce:
    """The country of manufacture: as our registry records the weapon, else as read on it."""
    return Coalesce(
        F("weapon__country_of_manufacture"),
        F("request__country_of_manufacture"),
        Value(""),
        output_field=CharField(),
    )


# Column of TracedRecovery -> its value, computed from a released answer.
COLUMNS: dict[str, Any] = {
    "request_id": F("request_id"),
    "answer_id": F("pk"),
    "weapon_id": F("weapon_id"),
    "recovered_weapon_id": Coalesce(
        "request__parent__parent__weapon", "request__parent__weapon", "request__weapon"
    ),
    "found_on": F("request__found_on"),
    "requesting_agency_id": F("request__requesting_agency_id"),
    "weapon_type": F("request__weapon_type"),
    "requesting_state": F("request__requesting_state"),
    "made_in": _made_in(),
    "registry_import_country": Case(
        When(weapon__import_country__isnull=False, then=F("weapon__import_country")),
        default=Value(""),
        output_field=CharField(),
    ),
    "importer_id": _importer(),
    "retailer_id": _retailer(),
    "diversion_established": F("diversion_established"),
    "last_legal_event": F("last_legal_event"),
    "last_legal_country": F("last_legal_country"),
    "time_to_crime_days": F("time_to_crime_days"),
}


def established() -> Q:
    """An answer that establishes where the weapon left legal hands: a loss or theft on
    record, or a last legal holder. A chain ending in an export is not: the point of
    diversion lies in the state it was exported to, and a follow-up request asks there."""
    last_holder = ~Q(last_legal_event="") & ~Q(last_legal_event=EventKind.EXPORTED)
    return Q(diversion_established=True) | last_holder


def origin_established(weapon: OuterRef) -> Exists:
    """The weapon's recovery was traced and its trace established the origin (SDG 16.4.2's
    numerator): the recovery's row in the traced-recovery table says so."""
    return Exists(TracedRecovery.objects.filter(established(), recovered_weapon=weapon))


def chain_ends() -> QuerySet[TraceAnswer]:
    """The outcome of each recovery: the last released answer of the last request of its
    chain (a request that has a follow-up is not the end of its chain)."""
    later = TraceAnswer.objects.filter(
        request=OuterRef("request"), released_at__isnull=False, pk__gt=OuterRef("pk")
    )
    followed_up = TraceRequest.objects.filter(parent=OuterRef("request"))
    return (
        TraceAnswer.objects.filter(released_at__isnull=False, request__sent_at__isnull=False)
        .exclude(Exists(later))
        .exclude(Exists(followed_up))
    )


def _insert(answers: QuerySet[TraceAnswer]) -> int:
    return _insert_select(TracedRecovery, COLUMNS, answers)


def _insert_select(model: type[Model], columns_of: dict[str, Any], source: QuerySet[Any]) -> int:
    """INSERT INTO model's table the rows of `source`, each column computed as
    `columns_of` says: one statement, whatever the number of rows."""
    aliases = {f"c{n}": value for n, value in enumerate(columns_of.values())}
    select = source.annotate(**aliases).values(*aliases).order_by()
    sql, params = select.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(name) for name in columns_of)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        rows: int = cursor.rowcount
    return rows


def rebuild() -> int:
    """Every row again from the traces and the registry; returns the number of rows. The
    custody rows read their mark of an established origin from this table: rebuild them
    after it (rebuild_custody), as `armstrace analytics rebuild` does."""
    with transaction.atomic():
        TracedRecovery.objects.all().delete()
        return _insert(chain_ends())


# --- custody events (SDG 16.4.2) -------------------------------------------------------

# Column of CustodyEvent -> its value, computed from a registry event and its weapon.
CUSTODY_COLUMNS: dict[str, Any] = {
    "event_id": F("pk"),
    "weapon_id": F("weapon_id"),
    "kind": F("kind"),
    "occurred_on": F("occurred_on"),
    "seq": F("seq"),
    "weapon_type": F("weapon__weapon_type"),
    "agency_id": F("weapon__agency_id"),
    "origin_established": origin_established(OuterRef("weapon")),
    "previous_on": Subquery(
        Event.objects.filter(
            weapon=OuterRef("weapon"), kind__in=CUSTODY_KINDS, seq__lt=OuterRef("seq")
        )
        .order_by("-seq")
        .values("occurred_on")[:1]
    ),
}


def custody_events() -> QuerySet[Event]:
    return Event.objects.filter(kind__in=CUSTODY_KINDS)


def rebuild_custody() -> int:
    """Every custody row again from the registry; returns the number of rows."""
    with transaction.atomic():
        CustodyEvent.objects.all().delete()
        return _insert_select(CustodyEvent, CUSTODY_COLUMNS, custody_events())


def on_event_saved(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    """A registry event was written (registry events are never edited): a custody event
    gets its row in the same transaction."""
    if created and instance.kind in CUSTODY_KINDS:
        _insert_select(CustodyEvent, CUSTODY_COLUMNS, custody_events().filter(pk=instance.pk))


def on_weapon_saved(
    sender: Any, instance: Weapon, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """A weapon was corrected or moved to another agency: its custody rows follow. A new
    weapon has none yet; saves of the life-cycle state alone (status, holder) change
    neither column."""
    if created or (
        update_fields and not {"weapon_type", "agency", "agency_id"} & set(update_fields)
    ):
        return
    CustodyEvent.objects.filter(weapon_id=instance.pk).exclude(
        weapon_type=instance.weapon_type, agency_id=instance.agency_id
    ).update(weapon_type=instance.weapon_type, agency_id=instance.agency_id)


def _chain(request_id: int) -> list[int]:
    """The requests of the chain `request_id` belongs to: its first request and every
    follow-up below it."""
    root = request_id
    while parent := TraceRequest.objects.filter(pk=root).values_list("parent", flat=True)[0]:
        root = parent
    chain, level = [root], [root]
    while level:
        level = list(TraceRequest.objects.filter(parent__in=level).values_list("pk", flat=True))
        chain += level
    return chain


def refresh(request_id: int) -> None:
    """The rows of one chain again (inside the caller's transaction)."""
    chain = _chain(request_id)
    rows = TracedRecovery.objects.filter(request_id__in=chain)
    weapons = set(rows.values_list("recovered_weapon", flat=True))
    rows.delete()
    _insert(chain_ends().filter(request_id__in=chain))
    weapons |= set(rows.values_list("recovered_weapon", flat=True))
    custody = CustodyEvent.objects.filter(weapon_id__in=weapons - {None})
    custody.update(origin_established=origin_established(OuterRef("weapon")))


# --- the steps each request reached (trace statistics) -----------------------------------

STEP_STATUSES = rules.ANSWERED | rules.REASONED
STEP_CHUNK = 5000
# What a steps row copies from its request, in this order.
REQUEST_FIELDS = (
    "pk", "direction", "sent_at", "requesting_agency_id", "weapon_type", "status",
    "acknowledged_at", "answered_at",
)  # fmt: skip
Transition = tuple[str, list[str]]  # status_after, grounds


def ground_token(status: str, ground: str) -> str:
    return f" {status}:{ground} "


def _days(end: dt.datetime | None, start: dt.datetime | None) -> float | None:
    return None if end is None or start is None else (end - start).total_seconds() / 86400


def steps_row(request: tuple[Any, ...], transitions: list[Transition]) -> RequestSteps:
    """The steps row of one request (its REQUEST_FIELDS) from its transitions to
    STEP_STATUSES: the one definition of a row."""
    pk, direction, sent_at, agency, weapon_type, status, acknowledged_at, answered_at = request
    reached = {status_after for status_after, _grounds in transitions}
    tokens = sorted({f"{status}:{g}" for status, grounds in transitions for g in grounds})
    return RequestSteps(
        request_id=pk,
        direction=direction,
        sent_at=sent_at,
        requesting_agency_id=agency,
        weapon_type=weapon_type,
        acknowledged=int(acknowledged_at is not None),
        open=int(status in rules.AWAITING_ANSWER),
        to_ack=_days(acknowledged_at, sent_at),
        to_answer=_days(answered_at, sent_at),
        answered=int(bool(reached & rules.ANSWERED)),
        complete=int(TraceStatus.ANSWERED_COMPLETE in reached),
        delayed=int(TraceStatus.DELAYED in reached),
        restricted=int(TraceStatus.RESTRICTED in reached),
        refused=int(TraceStatus.REFUSED in reached),
        grounds=f" {' '.join(tokens)} " if tokens else "",
    )


def step_rows(
    requests: Iterable[tuple[Any, ...]], transitions: Iterable[tuple[int, str, list[str]]]
) -> Iterator[RequestSteps]:
    """Steps rows from requests ordered by pk and (request_id, status_after, grounds)
    ordered by request: a merge of the two, one pass each."""
    groups = itertools.groupby(transitions, key=lambda t: t[0])
    current = next(groups, None)
    for request in requests:
        while current is not None and current[0] < request[0]:
            current = next(groups, None)
        mine: list[Transition] = []
        if current is not None and current[0] == request[0]:
            mine = [(status, grounds or []) for _r, status, grounds in current[1]]
            current = next(groups, None)
        yield steps_row(request, mine)


def _requests(request_model: type[Model], **where: Any) -> QuerySet[Any]:
    return (
        request_model._default_manager.filter(**where).order_by("pk").values_list(*REQUEST_FIELDS)
    )


def _transitions(event_model: type[Model], **where: Any) -> QuerySet[Any]:
    steps = event_model._default_manager.filter(
        kind=TraceEventKind.TRANSITION, status_after__in=STEP_STATUSES, **where
    )
    return steps.order_by("request_id", "pk").values_list("request_id", "status_after", "grounds")


def rebuild_steps(
    request_model: type[Model] = TraceRequest, event_model: type[Model] = TraceEvent
) -> int:
    """Every steps row again from the requests and their history, a chunk of rows at a
    time; returns the number of rows. The migration passes its historical models."""
    written = 0
    with transaction.atomic():
        RequestSteps.objects.all().delete()
        rows = step_rows(
            _requests(request_model).iterator(chunk_size=STEP_CHUNK),
            _transitions(event_model).iterator(chunk_size=STEP_CHUNK),
        )
        while chunk := list(itertools.islice(rows, STEP_CHUNK)):
            RequestSteps.objects.bulk_create(chunk)
            written += len(chunk)
    return written


def refresh_steps(request_id: int) -> None:
    """The steps row of one request again (inside the caller's transaction)."""
    RequestSteps.objects.filter(request_id=request_id).delete()
    rows = step_rows(
        _requests(TraceRequest, pk=request_id), _transitions(TraceEvent, request_id=request_id)
    )
    RequestSteps.objects.bulk_create(rows)


def on_trace_event(sender: Any, event: TraceEvent, **kwargs: Any) -> None:
    """tracing's `event_appended`: every event follows a change of its request (status,
    clocks), which its steps row copies; a step that may change a chain's outcome
    refreshes the chain's traced recovery."""
    if event.kind in CHANGING:
        refresh(event.request_id)
    refresh_steps(event.request_id)
