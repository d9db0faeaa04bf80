"""Indicators over the traces and the registry (issue 9), aggregated in SQL.

Every selector returns figures, never rows of objects: counts are grouped in the database,
medians are computed there (armstrace/analytics/sql.py), and the few lists returned (source
countries, dealers, routes) are already aggregated. The definitions, with their legal and
statistical basis, are in docs/domain/analytics.md; the comments here say how the SQL
implements them.

Two units are counted:
- trace requests: `trace_statistics` counts requests by the date they were sent (outgoing,
  domestic) or received (incoming);
- recoveries and their traces: the other trace figures take the requests by the date the
  weapon was found (`found_on`), one trace per recovery: the last request of its chain of
  follow-ups, with its last released answer (`traced`).
The registry figures (SDG 16.4.2, import marks) count weapons, once each.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from armstrace.accounts.models import Agency
from armstrace.analytics.models import CustodyEvent, RequestSteps, TracedRecovery
from armstrace.analytics.services import established, ground_token
from armstrace.analytics.sql import (
    Median,
    concurrently,
    hashing_memory,
    median,
    one_decimal,
    postgres,
)
from armstrace.marking.findings import has_import_mark
from armstrace.registry.choices import EventKind
from armstrace.registry.models import Event, Party
from armstrace.tracing.choices import Direction, Ground, Status
from armstrace.tracing.models import TraceAnswer, TraceRequest

DIRECTIONS = (Direction.INCOMING, Direction.OUTGOING, Direction.DOMESTIC)
REASONED = (Status.DELAYED, Status.RESTRICTED, Status.REFUSED)
STEPS = ("answered", "complete", "delayed", "restricted", "refused")  # RequestSteps columns
# Time to crime, in days: a year counts as 365 days.
YEAR = 365
BUCKETS = (
    ("under_1", 0, YEAR),
    ("1_to_3", YEAR, 3 * YEAR),
    ("3_to_5", 3 * YEAR, 5 * YEAR),
    ("5_to_10", 5 * YEAR, 10 * YEAR),
    ("over_10", 10 * YEAR, None),
)
UNKNOWN = "unknown"
# A dealer is flagged when its count is at least this, and above this percentile of the
# counts of every dealer behind at least one traced weapon.
FLAG_MINIMUM = 3
FLAG_PERCENTILE = 95


# --- what is asked --------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end + 1 day) as aware datetimes in the installation's time zone."""
        zone = timezone.get_default_timezone()
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return start, end

    @classmethod
    def year_to(cls, today: dt.date) -> Period:
        """The twelve months up to and including `today`."""
        try:
            start = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            start = today.replace(year=today.year - 1, day=28)
        return cls(start + dt.timedelta(days=1), today)


@dataclass(frozen=True)
class Filters:
    """The period, and optionally a region and a weapon type.

    The region is one of our agencies: for traces, the agency that recovered the weapon and
    asked (requests from other states have none, so a regional view leaves them out); for
    the registry figures, the agency that keeps the weapon's record."""

    period: Period
    agency: int | None = None
    weapon_type: str = ""


def _found_scope(filters: Filters) -> Q:
    """Recoveries in the period (and region, and of the type): the fields by these names
    are on trace requests and on traced recoveries alike."""
    q = Q(found_on__range=(filters.period.start, filters.period.end))
    if filters.agency is not None:
        q &= Q(requesting_agency_id=filters.agency)
    if filters.weapon_type:
        q &= Q(weapon_type=filters.weapon_type)
    return q


def _weapon_scope(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.agency is not None:
        q &= Q(**{f"{prefix}agency_id": filters.agency})
    if filters.weapon_type:
        q &= Q(**{f"{prefix}weapon_type": filters.weapon_type})
    return q


def home_state() -> str:
    """The state this node serves: ARMSTRACE_COUNTRY, else its national-scope agency's."""
    if settings.ARMSTRACE_COUNTRY:
        return str(settings.ARMSTRACE_COUNTRY).upper()
    national = Agency.objects.filter(national_scope=True).order_by("pk")
    return (national.values_list("country", flat=True).first() or "").upper()


# --- trace requests sent and received (reporting uses these two) ------------------------


@dataclass(frozen=True)
class DirectionFigures:
    direction: str  # tracing Direction value: incoming, outgoing, domestic
    count: int  # sent (outgoing, domestic) or received (incoming): sent_at in the period
    acknowledged: int  # of those, acknowledged (acknowledged_at set)
    answered_complete: int
    answered_partial: int  # answered in part and never completed
    delayed: int  # of those, ever delayed (a TraceEvent to delayed)
    restricted: int
    refused: int
    open: int  # of those, not answered, restricted, refused or closed today
    median_days_to_acknowledge: float | None  # sent_at -> acknowledged_at (1 decimal)
    median_days_to_answer: float | None  # sent_at -> answered_at


@dataclass(frozen=True)
class TraceStatistics:
    period: Period
    by_direction: dict[str, DirectionFigures]  # all three directions, zeros when none
    grounds: dict[str, dict[str, int]]  # delayed/restricted/refused -> para 22 ground -> count
    diversion_established: int  # requests whose answer, released or received in the period,
    # establishes a point of diversion
    # The grounds again, per direction: refusals we gave (incoming, domestic) are not those
    # we received (outgoing).
    grounds_by_direction: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)


def _sent(period: Period, agency: int | None, weapon_type: str, prefix: str = "") -> Q:
    start, end = period.bounds()
    q = Q(**{f"{prefix}sent_at__gte": start, f"{prefix}sent_at__lt": end})
    if agency is not None:
        q &= Q(**{f"{prefix}requesting_agency_id": agency})
    if weapon_type:
        q &= Q(**{f"{prefix}weapon_type": weapon_type})
    return q


GROUND_KEYS = [(status, ground) for status in REASONED for ground in Ground.values]


def _request_counts(requests: QuerySet[RequestSteps]) -> dict[str, dict[str, Any]]:
    """Per direction, one hashed query over the requests' steps rows: the requests, those
    acknowledged and still open, the steps they ever reached (an answer, a delay, a
    restriction, a refusal) and the para 22 grounds given, each request once."""
    flags = {name: Q(**{name: 1}) for name in ("acknowledged", "open", *STEPS)}
    for n, (status, ground) in enumerate(GROUND_KEYS):
        # The status flag first: the text is read only for the few requests it holds.
        flags[f"ground_{n}"] = Q(**{status.value: 1}) & Q(
            grounds__contains=ground_token(status.value, ground)
        )
    # Named apart from the columns they count (an annotation may not shadow a field).
    figures = {f"n_{name}": Count("pk", filter=q) for name, q in flags.items()}
    with hashing_memory():
        rows = requests.values("direction").annotate(n_count=Count("pk"), **figures).order_by()
        return {
            row["direction"]: {key.removeprefix("n_"): value for key, value in row.items()}
            for row in rows
        }


# The durations whose medians the statistics give: days from `sent_at` (RequestSteps).
DURATIONS = ("to_ack", "to_answer")


def _request_medians(requests: QuerySet[RequestSteps], name: str) -> dict[str, dict[str, Any]]:
    """Per direction, the median of the duration `name`. Each median sorts its values: one
    query per duration, so that they run at once."""
    if postgres():
        with hashing_memory():
            rows = requests.values("direction").annotate(days=Median(name)).order_by()
            return {row["direction"]: {name: row["days"]} for row in rows}
    return {
        direction: {name: median(mine, name)}
        for direction in DIRECTIONS
        if (mine := requests.filter(direction=direction)).exists()
    }


def trace_statistics(
    period: Period, *, agency: int | None = None, weapon_type: str = ""
) -> TraceStatistics:
    """Requests sent and received in the period, what became of them, how fast, and why
    some were delayed, restricted or refused (normative reference d3)."""
    requests = RequestSteps.objects.filter(_sent(period, agency, weapon_type))
    jobs = {name: partial(_request_medians, requests, name) for name in DURATIONS}
    found = concurrently({"counts": partial(_request_counts, requests), **jobs})
    counts = found["counts"]
    by_direction = {}
    grounds_by_direction: dict[str, dict[str, dict[str, int]]] = {}
    for direction in DIRECTIONS:
        row = counts.get(direction, {})
        for name in DURATIONS:
            row |= found[name].get(direction, {})
        by_direction[direction.value] = DirectionFigures(
            direction=direction.value,
            count=row.get("count", 0),
            acknowledged=row.get("acknowledged", 0),
            answered_complete=row.get("complete", 0),
            answered_partial=row.get("answered", 0) - row.get("complete", 0),
            delayed=row.get("delayed", 0),
            restricted=row.get("restricted", 0),
            refused=row.get("refused", 0),
            open=row.get("open", 0),
            median_days_to_acknowledge=one_decimal(row.get("to_ack")),
            median_days_to_answer=one_decimal(row.get("to_answer")),
        )
        grounds_by_direction[direction.value] = _grounds(row)
    totals = {
        status.value: {
            ground: sum(g[status.value][ground] for g in grounds_by_direction.values())
            for ground in Ground.values
        }
        for status in REASONED
    }
    start, end = period.bounds()
    diverted = TraceAnswer.objects.filter(
        released_at__gte=start, released_at__lt=end, diversion_established=True
    )
    if agency is not None:
        diverted = diverted.filter(request__requesting_agency_id=agency)
    if weapon_type:
        diverted = diverted.filter(request__weapon_type=weapon_type)
    return TraceStatistics(
        period=period,
        by_direction=by_direction,
        grounds=totals,
        diversion_established=diverted.aggregate(n=Count("request", distinct=True))["n"],
        grounds_by_direction=grounds_by_direction,
    )


def _grounds(step: dict[str, Any]) -> dict[str, dict[str, int]]:
    grounds: dict[str, dict[str, int]] = {s.value: {} for s in REASONED}
    for n, (status, ground) in enumerate(GROUND_KEYS):
        grounds[status.value][ground] = step.get(f"ground_{n}", 0)
    return grounds


# --- SDG 16.4.2 -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sdg1642:
    period: Period
    seized_found_surrendered: int  # denominator: weapons seized, found or surrendered in
    # the period (registry events of those kinds, one per weapon)
    traced_origin_established: int  # numerator: of those, weapons whose illicit origin was
    # established by a trace (docs/domain/analytics.md gives our reading of the metadata)
    proportion: float | None
    by_weapon_type: dict[str, tuple[int, int]]  # weapon type -> (numerator, denominator)
    # The metadata's first disaggregation: by the way the weapon came into custody (its
    # first such event in the period) -> (numerator, denominator).
    by_context: dict[str, tuple[int, int]] = field(default_factory=dict)


def sdg_16_4_2(period: Period, *, agency: int | None = None, weapon_type: str = "") -> Sdg1642:
    """SDG indicator 16.4.2 from the registry and the trace outcomes (normative reference
    d2): one grouped query over each weapon's first custody event in the period, read from
    the narrow custody table (CustodyEvent) rather than the registry's weapons and events."""
    in_period = CustodyEvent.objects.filter(
        _weapon_scope(Filters(period, agency, weapon_type)),
        occurred_on__range=(period.start, period.end),
    )
    # Each weapon once, by its first custody event of the period.
    firsts = in_period.filter(Q(previous_on__isnull=True) | Q(previous_on__lt=period.start))
    grouped = (
        firsts.values("weapon_type", "kind")
        .annotate(denominator=Count("pk"), numerator=Count("pk", filter=Q(origin_established=True)))
        .order_by()
    )
    with hashing_memory():
        rows = list(grouped)
    by_type: dict[str, tuple[int, int]] = {}
    by_context: dict[str, tuple[int, int]] = {}
    for row in rows:
        pair = (row["numerator"], row["denominator"])
        for key, table in ((row["weapon_type"], by_type), (row["kind"], by_context)):
            old = table.get(key, (0, 0))
            table[key] = (old[0] + pair[0], old[1] + pair[1])
    numerator = sum(n for n, _d in by_type.values())
    denominator = sum(d for _n, d in by_type.values())
    return Sdg1642(
        period=period,
        seized_found_surrendered=denominator,
        traced_origin_established=numerator,
        proportion=numerator / denominator if denominator else None,
        by_weapon_type=dict(sorted(by_type.items())),
        by_context=by_context,
    )


# --- traced weapons: one trace per recovery --------------------------------------------


def traced(filters: Filters) -> QuerySet[TracedRecovery]:
    """The outcome of each recovery in scope: the last released answer of the last request
    of its chain, kept one row each in TracedRecovery (analytics/services.py)."""
    return TracedRecovery.objects.filter(_found_scope(filters))


def recoveries(filters: Filters) -> QuerySet[TraceRequest]:
    """Requests in scope that started a chain: a follow-up repeats its parent's recovery."""
    return TraceRequest.objects.filter(_found_scope(filters), sent_at__isnull=False, parent=None)


@dataclass(frozen=True)
class TimeToCrime:
    traced: int
    buckets: dict[str, int]  # BUCKETS keys in order, then "unknown"
    median_days: float | None


def time_to_crime(filters: Filters) -> TimeToCrime:
    """How long traced weapons stayed in legal civilian hands before the police found
    them: the distribution in five bands and the median (one query on PostgreSQL)."""
    days = "time_to_crime_days"
    figures: dict[str, Any] = {"traced": Count("pk")}
    for key, low, high in BUCKETS:
        band = Q(**{f"{days}__gte": low}) & (Q(**{f"{days}__lt": high}) if high else Q())
        figures[key] = Count("pk", filter=band)
    figures[UNKNOWN] = Count("pk", filter=Q(**{f"{days}__isnull": True}))
    if postgres():
        figures["median"] = Median(days)
    row = traced(filters).aggregate(**figures)
    middle = row["median"] if postgres() else median(traced(filters), days)
    keys = [key for key, _low, _high in BUCKETS] + [UNKNOWN]
    return TimeToCrime(
        traced=row["traced"],
        buckets={key: row[key] for key in keys},
        median_days=one_decimal(middle),
    )


# --- where traced weapons came from ------------------------------------------------------


def last_import() -> Case:
    """The country of the weapon's last legal import: the state a chain's last legal record
    exports it to, else the import country our registry records for it."""
    return Case(
        When(last_legal_event=EventKind.EXPORTED, then=F("last_legal_country")),
        default=F("registry_import_country"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Counted:
    key: str
    count: int


@dataclass(frozen=True)
class Route:
    manufacture: str
    last_import: str
    recovery: str
    count: int


def routes(filters: Filters) -> list[Route]:
    """Country of manufacture -> of last legal import -> of recovery (the requesting
    state: the state that found the weapon always asks), most frequent first."""
    rows = (
        traced(filters)
        .values(made=F("made_in"), imported=last_import(), found=F("requesting_state"))
        .annotate(n=Count("pk"))
        .order_by("-n", "made", "imported", "found")
    )
    return [Route(r["made"] or "", r["imported"] or "", r["found"], r["n"]) for r in rows]


@dataclass(frozen=True)
class Sources:
    manufacture: list[Counted]  # country code ("" unknown) -> traced weapons, most first
    last_import: list[Counted]


def _most_first(totals: dict[str, int]) -> list[Counted]:
    return [Counted(key, n) for key, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def sources_of(found: list[Route]) -> Sources:
    """The countries of manufacture and of last legal import, summed from the routes (one
    grouped query serves both)."""
    made: dict[str, int] = {}
    imported: dict[str, int] = {}
    for route in found:
        made[route.manufacture] = made.get(route.manufacture, 0) + route.count
        imported[route.last_import] = imported.get(route.last_import, 0) + route.count
    return Sources(manufacture=_most_first(made), last_import=_most_first(imported))


def sources(filters: Filters) -> Sources:
    return sources_of(routes(filters))


# --- importers and dealers behind traced weapons -----------------------------------------


@dataclass(frozen=True)
class PartyCount:
    party_id: int
    name: str
    count: int
    flagged: bool = False


@dataclass(frozen=True)
class Parties:
    importers: list[PartyCount]
    dealers: list[PartyCount]
    dealer_threshold: float | None  # the percentile a flagged dealer's count exceeds


def _named(counts: list[tuple[int, int]]) -> dict[int, str]:
    ids = [party for party, _n in counts]
    return dict(Party.objects.filter(pk__in=ids).values_list("pk", "name"))


def flag_threshold(counts: list[int]) -> float | None:
    """The FLAG_PERCENTILE-th percentile of the dealers' counts (linear interpolation
    between the closest ranks); None with fewer than two dealers to compare."""
    if len(counts) < 2:
        return None
    cuts = statistics.quantiles(sorted(counts), n=100, method="inclusive")
    return cuts[FLAG_PERCENTILE - 1]


def parties_behind(filters: Filters) -> Parties:
    """Importers and dealers behind the traced weapons of our registry, with the number of
    traces (one query grouped by both, summed here); dealers with unusually many are
    flagged (count >= FLAG_MINIMUM and above the percentile)."""
    rows = (
        traced(filters)
        .filter(weapon__isnull=False)
        .values(importer=F("importer_id"), dealer=F("retailer_id"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_importer: dict[int, int] = {}
    by_dealer: dict[int, int] = {}
    for row in rows:
        for key, totals in ((row["importer"], by_importer), (row["dealer"], by_dealer)):
            if key is not None:
                totals[key] = totals.get(key, 0) + row["n"]
    importers = sorted(by_importer.items(), key=lambda kv: (-kv[1], kv[0]))
    dealers = sorted(by_dealer.items(), key=lambda kv: (-kv[1], kv[0]))
    names = _named(importers + dealers)
    threshold = flag_threshold([n for _party, n in dealers])
    return Parties(
        importers=[PartyCount(p, names.get(p, ""), n) for p, n in importers],
        dealers=[
            PartyCount(
                p,
                names.get(p, ""),
                n,
                flagged=threshold is not None and n >= FLAG_MINIMUM and n > threshold,
            )
            for p, n in dealers
        ],
        dealer_threshold=threshold,
    )


# --- where and how weapons were recovered ------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    recoveries: int
    places: list[Counted]  # the place as written on the request
    offences: list[Counted]  # "" when none was named
    contexts: list[Counted]  # seized, found, surrendered


def recovery(filters: Filters) -> Recovery:
    """One query grouped by place, offence and way of recovery, summed three ways here."""
    rows = (
        recoveries(filters)
        .values("found_place", "offence", "found_context")
        .annotate(n=Count("pk"))
        .order_by()
    )
    places: dict[str, int] = {}
    offences: dict[str, int] = {}
    contexts: dict[str, int] = {}
    for row in rows:
        for key, totals in (
            (row["found_place"], places),
            (row["offence"], offences),
            (row["found_context"], contexts),
        ):
            totals[key] = totals.get(key, 0) + row["n"]
    return Recovery(
        recoveries=sum(places.values()),
        places=_most_first(places),
        offences=_most_first(offences),
        contexts=_most_first(contexts),
    )


# --- import controls ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportShare:
    key: str  # a year, or an importer's name
    traced: int  # traced weapons (per importer: those it imported)
    entered_legally: int
    diverted: int  # entered legally, then diverted here
    party_id: int | None = None

    @property
    def share(self) -> float | None:
        return self.diverted / self.traced if self.traced else None


@dataclass(frozen=True)
class ImportControl:
    by_year: list[ImportShare]  # year the weapon was found
    by_importer: list[ImportShare]


def _entered_and_diverted(home: str) -> tuple[Q, Q]:
    """Entered legally: an import on our registry's record (an importer, or an import
    country), or an answer whose last legal record is an export to
    us. Then diverted here: an established origin (a loss, theft or last legal holder), or
    that export to us (it was found here, outside legal hands)."""
    to_us = Q(last_legal_event=EventKind.EXPORTED, last_legal_country=home) if home else Q(pk=None)
    entered = Q(importer_id__isnull=False) | ~Q(registry_import_country="") | to_us
    return entered, established() | to_us


def import_control(filters: Filters) -> ImportControl:
    """The share of traced weapons that entered legally and were then diverted, per year
    found and per importer: one query grouped by year, importer and the two tests."""
    entered, diverted = _entered_and_diverted(home_state())
    rows = (
        traced(filters)
        .annotate(year=ExtractYear("found_on"), party=F("importer_id"))
        .annotate(
            entered=ExpressionWrapper(entered, output_field=BooleanField()),
            diverted=ExpressionWrapper(diverted, output_field=BooleanField()),
        )
        .values("year", "party", "entered", "diverted")
        .annotate(n=Count("pk"))
        .order_by()
    )
    years: dict[int, list[int]] = {}
    importers: dict[int, list[int]] = {}
    for row in rows:
        n, came_in, left = row["n"], bool(row["entered"]), bool(row["diverted"])
        year = years.setdefault(row["year"], [0, 0, 0])
        year[0] += n
        year[1] += n if came_in else 0
        year[2] += n if came_in and left else 0
        if row["party"] is not None:  # an import on record: it entered legally
            importer = importers.setdefault(row["party"], [0, 0])
            importer[0] += n
            importer[1] += n if left else 0
    ranked = sorted(importers.items(), key=lambda kv: (-kv[1][0], kv[0]))
    names = _named([(party, counts[0]) for party, counts in ranked])
    return ImportControl(
        by_year=[ImportShare(str(y), *years[y]) for y in sorted(years)],
        by_importer=[
            ImportShare(names.get(party, ""), traced_n, traced_n, left_n, party)
            for party, (traced_n, left_n) in ranked
        ],
    )


@dataclass(frozen=True)
class ImportMarks:
    imported: int  # weapons with an import in the period
    lacking: int  # of those, without an import mark (marking.findings)
    by_importer: list[ImportShare]  # key: importer; traced: imported; diverted: lacking

    @property
    def share_lacking(self) -> float | None:
        return self.lacking / self.imported if self.imported else None


def _weapons_imported(events: QuerySet[Event], by_importer: bool) -> Any:
    """The weapons of these import events, each once: in all, or per importer."""
    weapons = Count("weapon", distinct=True)
    with hashing_memory():
        if by_importer:
            return dict(events.values_list("to_party").annotate(n=weapons).order_by())
        return events.aggregate(n=weapons)["n"]


def import_marks(filters: Filters) -> ImportMarks:
    """Weapons imported in the period (an import event then) and those of them lacking an
    import mark, per importer of that import (ITI para 8(b); normative reference d3, M-7).
    Driven by the import events of the period; the mark test is an anti-join."""
    imports = Event.objects.filter(
        _weapon_scope(filters, "weapon__"),
        kind=EventKind.IMPORTED,
        occurred_on__range=(filters.period.start, filters.period.end),
    )
    lacking = imports.exclude(has_import_mark("weapon"))
    sets = {"imported": imports, "lacking": lacking}
    # Four counts over millions of events, each its own query, read at once.
    found = concurrently(
        {
            f"{name}_{how}": partial(_weapons_imported, rows, how == "by")
            for name, rows in sets.items()
            for how in ("all", "by")
        }
    )
    totals = found["imported_all"], found["lacking_all"]
    per_party = {name: found[f"{name}_by"] for name in sets}
    ranked = sorted(
        per_party["imported"].items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or 0)
    )
    names = _named([(p, n) for p, n in ranked if p is not None])
    return ImportMarks(
        imported=totals[0],
        lacking=totals[1],
        by_importer=[
            ImportShare(names.get(p, "") if p else "", n, n, per_party["lacking"].get(p, 0), p)
            for p, n in ranked
        ],
    )
