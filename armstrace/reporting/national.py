"""The national report on the ITI and the PoA (mission N4) as plain data, for one period
in one language: `build_report(period, language)`. The writers (armstrace.reporting.writers)
print it as PDF, XLSX or JSON.

Sections follow the order of the UN reporting template (poa-iss.org): points of contact,
marking, record-keeping, tracing, the SDG 16.4.2 indicator, international assistance.
Every label is translated when the report is built; every figure keeps a stable key and
every table row a stable code, so the JSON reads the same in any language. The tracing
figures are those of the analytics selectors, taken as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from armstrace.accounts.services import offered_language
from armstrace.analytics.selectors import (
    Period,
    Sdg1642,
    TraceStatistics,
    sdg_16_4_2,
    trace_statistics,
)
from armstrace.core import clock
from armstrace.marking.choices import CampaignPurpose
from armstrace.quality.choices import Profile
from armstrace.quality.rules import get_rule
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country
from armstrace.registry import rules as registry_rules
from armstrace.registry.choices import Status
from armstrace.registry.rules import RetentionPolicy
from armstrace.reporting import selectors
from armstrace.tracing.choices import Direction, Ground, TraceStatus

SCHEMA = "armstrace.national-report"
VERSION = 1

# How a value is printed: a count, days (one decimal), a ratio (as a percentage), text.
COUNT, DAYS, RATIO, TEXT = "count", "days", "ratio", "text"
Value = int | float | str | None


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Value
    unit: str = COUNT


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = COUNT
    weight: int = 0  # its share of a printed table's width; 0: by unit (text 2, numbers 1)


@dataclass(frozen=True)
class Row:
    key: str  # a stable code: a direction, a ground, a weapon type, a rule...
    label: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Table:
    label_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Part:
    number: str  # "4.2"
    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    table: Table | None = None
    note: str = ""


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    sources: str  # the instruments' paragraphs the section answers
    parts: tuple[Part, ...] = field(default=())


@dataclass(frozen=True)
class Report:
    period: Period
    language: str
    generated_at: dt.datetime
    state_code: str
    state_name: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def build_report(period: Period, language: str) -> Report:
    """The report for `period` with every label in `language`."""
    language = offered_language(language) or "en"
    with translation.override(language):
        code, name = _state()
        sections = _sections(period)
        return Report(
            period=period,
            language=language,
            generated_at=clock.now(),
            state_code=code,
            state_name=name,
            title=_(
                "National report on the implementation of the Programme of Action on small "
                "arms and light weapons and of the International Tracing Instrument"
            ),
            subtitle=_("%(state)s, from %(start)s to %(end)s")
            % {
                "state": name or _("State not configured"),
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            },
            sections=sections,
        )


def _state() -> tuple[str, str]:
    code = selectors.home_country()
    country = Country.objects.filter(code=code).first() if code else None
    return code, str(country.name) if country else code


@dataclass(frozen=True)
class Figures:
    """Everything the report counts, read before any label is written."""

    contacts: list[selectors.Contact]
    marking: selectors.Marking
    records: selectors.Records
    quality: selectors.Quality | None
    stats: TraceStatistics
    sdg: Sdg1642
    assistance: selectors.Assistance


def gather(period: Period) -> Figures:
    """The figures, read at once where the database allows (selectors.concurrently)."""
    found = selectors.concurrently(
        {
            "contacts": selectors.points_of_contact,
            "marking": partial(selectors.marking, period),
            "records": partial(selectors.records, period),
            "quality": selectors.latest_quality,
            "stats": partial(trace_statistics, period),
            "sdg": partial(sdg_16_4_2, period),
            "assistance": partial(selectors.assistance, period),
        }
    )
    return Figures(**found)


def _sections(period: Period) -> tuple[Section, ...]:
    figures = gather(period)
    builders = (
        _points_of_contact,
        _marking,
        _record_keeping,
        _tracing,
        _sdg,
        _assistance,
    )
    return tuple(build(number, figures) for number, build in enumerate(builders, start=1))


def _label(value: str | Promise) -> str:
    return str(value)


# --- the codes each table lists, in order, with their labels ---------------------------------

Labels = dict[str, str | Promise]


def purpose_labels() -> Labels:
    return dict(CampaignPurpose.choices)


def status_labels() -> Labels:
    return dict(Status.choices)


def event_labels() -> Labels:
    return {kind.value: kind.label for kind in selectors.RECORD_EVENTS}


def direction_labels() -> Labels:
    return dict(Direction.choices)


def ground_labels() -> Labels:
    return dict(Ground.choices)


def outcome_labels() -> Labels:
    """The three answers short of a full one (ITI para 22), as trace_statistics keys them."""
    steps = (TraceStatus.DELAYED, TraceStatus.RESTRICTED, TraceStatus.REFUSED)
    return {status.value: str(status.label) for status in steps}


def weapon_type_labels() -> Labels:
    return dict(WeaponType.choices)


@dataclass(frozen=True)
class Retention:
    label: str
    manufacture_years: int
    other_years: int


def _rule_title(code: str) -> str:
    rule = get_rule(code)
    return _label(rule.title) if rule else code


def retention() -> Retention:
    policy = settings.ARMSTRACE_RETENTION_POLICY
    labels = {
        RetentionPolicy.INDEFINITE: _("Indefinite: no record is ever purged"),
        RetentionPolicy.ITI: _("ITI floors: records may be purged once past them"),
        RetentionPolicy.EU: _(
            "EU Directive 2021/555: 30 years after destruction, never below the ITI floors"
        ),
    }
    return Retention(
        labels.get(policy, policy), registry_rules.MANUFACTURE_FLOOR_YEARS,
        registry_rules.OTHER_FLOOR_YEARS,
    )  # fmt: skip


def _rows(counts: dict[str, int], labels: dict[str, str | Promise]) -> tuple[Row, ...]:
    """One row per known code, in the order of `labels`, zeros included."""
    return tuple(Row(code, _label(label), (counts.get(code, 0),)) for code, label in labels.items())


# --- 1. points of contact -----------------------------------------------------------------


def _points_of_contact(number: int, figures: Figures) -> Section:
    contacts = figures.contacts
    columns = (
        Column("agency", _("Agency"), TEXT),
        Column("country", _("Country"), TEXT),
        Column("email", _("E-mail"), TEXT),
    )
    rows = tuple(Row(c.username, c.name, (c.agency, c.country, c.email)) for c in contacts)
    return Section(
        number,
        "points_of_contact",
        _("National points of contact"),
        _("PoA II.4, II.5; ITI para 25; Firearms Protocol art. 13(2)"),
        (
            Part(
                f"{number}.1",
                "designated",
                _("Designation"),
                figures=(Figure("count", _("Points of contact designated"), len(contacts)),),
            ),
            Part(
                f"{number}.2",
                "contacts",
                _("Points of contact (users holding the role)"),
                table=Table(_("Name"), columns, rows),
                note="" if rows else _("No user holds the point-of-contact role."),
            ),
        ),
    )


# --- 2. marking ---------------------------------------------------------------------------


def _marking(number: int, figures: Figures) -> Section:
    marked = figures.marking
    profiles = tuple(Row(p.code, _label(p.title), ()) for p in selectors.profiles_in_force())
    return Section(
        number,
        "marking",
        _("Marking"),
        _("ITI paras 7-10; PoA II.7, II.8; Firearms Protocol art. 8"),
        (
            Part(
                f"{number}.1",
                "profiles",
                _("Marking rules in force"),
                table=Table(_("Marking profile"), (), profiles),
            ),
            Part(
                f"{number}.2",
                "marked",
                _("Weapons marked in the period"),
                figures=(
                    Figure("campaign_marked", _("Marked in marking campaigns"), marked.campaign),
                    Figure("imported", _("Weapons imported"), marked.imported),
                    Figure("import_marks", _("Import marks applied"), marked.import_marks),
                ),
                table=Table(
                    _("Campaign purpose"),
                    (Column("marked", _("Marked")),),
                    _rows(marked.by_purpose, purpose_labels()),
                ),
            ),
            Part(
                f"{number}.3",
                "found",
                _("Found, seized and surrendered weapons (ITI para 9)"),
                figures=(
                    Figure("marked", _("Marked and recorded"), marked.finds_marked),
                    Figure("destroyed", _("Destroyed"), marked.finds_destroyed),
                    Figure(
                        "overdue",
                        _("Neither marked nor destroyed by their deadline (at period end)"),
                        marked.finds_overdue,
                    ),
                ),
            ),
        ),
    )


# --- 3. record-keeping --------------------------------------------------------------------


def _record_keeping(number: int, figures: Figures) -> Section:
    records = figures.records
    return Section(
        number,
        "record_keeping",
        _("Record-keeping"),
        _("ITI paras 11-13; PoA II.9; Firearms Protocol art. 7"),
        (
            Part(
                f"{number}.1",
                "registered",
                _("Weapons in the registry"),
                figures=(
                    Figure("registered", _("Weapons registered in the period"), records.registered),
                    Figure("total", _("Weapons in the registry (at generation)"), records.total),
                ),
                table=Table(
                    _("Status"),
                    (Column("records", _("Records")),),
                    _rows(records.by_status, status_labels()),
                ),
            ),
            Part(
                f"{number}.2",
                "events",
                _("Life-cycle events recorded for the period"),
                table=Table(
                    _("Event"),
                    (Column("events", _("Events")),),
                    _rows(records.events, event_labels()),
                ),
            ),
            _retention(f"{number}.3"),
            _quality(f"{number}.4", figures.quality),
        ),
    )


def _retention(number: str) -> Part:
    policy = retention()
    return Part(
        number,
        "retention",
        _("Retention of records"),
        figures=(
            Figure("policy", _("Retention policy in force"), policy.label, TEXT),
            Figure(
                "manufacture_floor_years",
                _("Manufacture records kept at least (years)"),
                policy.manufacture_years,
            ),
            Figure(
                "other_floor_years",
                _("Other records kept at least (years)"),
                policy.other_years,
            ),
        ),
    )


def _quality(number: str, quality: selectors.Quality | None) -> Part:
    if quality is None:
        return Part(
            number,
            "quality",
            _("Record-keeping data quality"),
            note=_("The quality rules have not been run yet."),
        )
    rows = tuple(Row(code, _rule_title(code), (failures,)) for code, failures in quality.failures)
    return Part(
        number,
        "quality",
        _("Record-keeping data quality"),
        figures=(
            Figure("run_on", _("Latest run"), quality.run_on.isoformat(), TEXT),
            Figure(
                "profile",
                _("Profile"),
                _label(dict(Profile.choices).get(quality.profile, quality.profile)),
                TEXT,
            ),
            Figure("checked", _("Records checked"), quality.checked),
        ),
        table=Table(_("Rule"), (Column("failures", _("Failing records")),), rows),
    )


# --- 4. tracing ---------------------------------------------------------------------------


def _tracing(number: int, figures: Figures) -> Section:
    stats = figures.stats
    return Section(
        number,
        "tracing",
        _("Cooperation in tracing"),
        _("ITI paras 14-23, 36"),
        (
            Part(
                f"{number}.1",
                "requests",
                _("Trace requests"),
                table=Table(_("Direction"), _direction_columns(), _direction_rows(stats)),
                note=_(
                    "Requests sent (outgoing, domestic) or received (incoming) in the period, "
                    "and what has become of them since."
                ),
            ),
            Part(
                f"{number}.2",
                "grounds",
                _("Delays, restrictions and refusals by ground (ITI paras 22-23)"),
                table=Table(
                    _("Ground"),
                    tuple(Column(o, _label(label)) for o, label in outcome_labels().items()),
                    _ground_rows(stats.grounds),
                ),
            ),
            Part(
                f"{number}.3",
                "diversion",
                _("Outcomes"),
                figures=(
                    Figure(
                        "diversion_established",
                        _("Answers establishing the point of diversion"),
                        stats.diversion_established,
                    ),
                ),
            ),
        ),
    )


DIRECTION_FIELDS = (
    "count",
    "acknowledged",
    "answered_complete",
    "answered_partial",
    "delayed",
    "restricted",
    "refused",
    "open",
    "median_days_to_acknowledge",
    "median_days_to_answer",
)


def _direction_columns() -> tuple[Column, ...]:
    labels = {
        "count": _("Requests sent or received"),
        "acknowledged": _("Acknowledged"),
        "answered_complete": _("Answered (complete)"),
        "answered_partial": _("Answered (partial)"),
        "delayed": _("Delayed"),
        "restricted": _("Restricted"),
        "refused": _("Refused"),
        "open": _("Still open"),
        "median_days_to_acknowledge": _("Median days to acknowledge"),
        "median_days_to_answer": _("Median days to answer"),
    }
    return tuple(
        Column(name, labels[name], DAYS if name.startswith("median") else COUNT)
        for name in DIRECTION_FIELDS
    )


def _direction_rows(stats: TraceStatistics) -> tuple[Row, ...]:
    by_direction = stats.by_direction
    rows = []
    for code, label in direction_labels().items():
        found = by_direction.get(code)
        values = tuple(getattr(found, name) if found else 0 for name in DIRECTION_FIELDS)
        rows.append(Row(code, _label(label), values))
    return tuple(rows)


def _ground_rows(grounds: dict[str, dict[str, int]]) -> tuple[Row, ...]:
    outcomes = list(outcome_labels())
    return tuple(
        Row(code, _label(label), tuple(grounds.get(o, {}).get(code, 0) for o in outcomes))
        for code, label in ground_labels().items()
    )


# --- 5. SDG 16.4.2 ------------------------------------------------------------------------


def _sdg(number: int, figures: Figures) -> Section:
    sdg = figures.sdg
    types = weapon_type_labels()
    rows = tuple(
        Row(code, _label(types.get(code, code)), (num, den, num / den if den else None))
        for code, (num, den) in sorted(sdg.by_weapon_type.items())
    )
    return Section(
        number,
        "sdg_16_4_2",
        _("SDG indicator 16.4.2"),
        _("Sustainable Development Goal indicator 16.4.2 (custodians: UNODC, UNODA)"),
        (
            Part(
                f"{number}.1",
                "indicator",
                _("Arms seized, found or surrendered whose illicit origin was traced"),
                figures=(
                    Figure(
                        "seized_found_surrendered",
                        _("Arms seized, found or surrendered in the period"),
                        sdg.seized_found_surrendered,
                    ),
                    Figure(
                        "traced_origin_established",
                        _("Of which illicit origin established by tracing"),
                        sdg.traced_origin_established,
                    ),
                    Figure("proportion", _("Proportion"), sdg.proportion, RATIO),
                ),
            ),
            Part(
                f"{number}.2",
                "by_weapon_type",
                _("By type of weapon"),
                table=Table(
                    _("Type"),
                    (
                        Column("traced_origin_established", _("Origin established")),
                        Column("seized_found_surrendered", _("Seized, found or surrendered")),
                        Column("proportion", _("Proportion"), RATIO),
                    ),
                    rows,
                ),
            ),
        ),
    )


# --- 6. assistance ------------------------------------------------------------------------


def _assistance(number: int, figures: Figures) -> Section:
    register = figures.assistance
    columns = (
        Column("country", _("Country"), TEXT),
        Column("description", _("Description"), TEXT, weight=4),
        Column("quantity", _("Quantity"), weight=2),
        Column("status", _("Status"), TEXT),
    )

    def entries(kind: str) -> tuple[Row, ...]:
        return tuple(
            Row(str(e.pk), e.get_category_display(), (e.country_id, e.description, e.quantity,
                                                      e.get_status_display()))
            for e in register.entries if e.kind == kind
        )  # fmt: skip

    matches = tuple(
        Row(str(m.pk), m.need.get_category_display(), (m.need.description, m.offer.description,
                                                       m.explanation))
        for m in register.matches
    )  # fmt: skip
    return Section(
        number,
        "assistance",
        _("International cooperation and assistance"),
        _("ITI paras 27-29; PoA III.3, III.6; Firearms Protocol art. 14"),
        (
            Part(
                f"{number}.1",
                "summary",
                _("The assistance register in the period"),
                figures=(
                    Figure("needs_recorded", _("Needs recorded"), register.needs_recorded),
                    Figure("offers_recorded", _("Offers recorded"), register.offers_recorded),
                    Figure("matches_recorded", _("Matches recorded"), register.matches_recorded),
                ),
            ),
            Part(
                f"{number}.2",
                "needs",
                _("Assistance needed"),
                table=Table(_("Category"), columns, entries("need")),
            ),
            Part(
                f"{number}.3",
                "offers",
                _("Assistance offered"),
                table=Table(_("Category"), columns, entries("offer")),
            ),
            Part(
                f"{number}.4",
                "matches",
                _("Needs matched with offers"),
                table=Table(
                    _("Category"),
                    (
                        Column("need", _("Need"), TEXT, weight=3),
                        Column("offer", _("Offer"), TEXT, weight=3),
                        Column("why", _("Why"), TEXT, weight=4),
                    ),
                    matches,
                ),
            ),
        ),
    )
