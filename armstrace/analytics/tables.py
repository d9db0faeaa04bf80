"""The analytics as tables: one shape for the pages, the CSV and XLSX exports and the
charts, so that a chart, its table and its export always show the same numbers.

A table's cells hold raw values (numbers, None for "not known", text already translated
into the active language); pages format them for the reader's language, exports write them
as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from armstrace.analytics import selectors
from armstrace.analytics.selectors import Counted, Filters, ImportShare, PartyCount
from armstrace.analytics.sql import concurrently
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country
from armstrace.tracing.choices import Direction, FoundContext, Ground, Status

TEXT, COUNT, DAYS, SHARE = "text", "count", "days", "share"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = COUNT


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""
    chart: int | None = None  # the column a chart plots against the first, if any
    chart_alt: str = ""

    def cells(self) -> Iterator[list[tuple[Any, str]]]:
        for row in self.rows:
            yield [(value, column.kind) for value, column in zip(row, self.columns, strict=True)]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class Figures:
    """The selectors' results for one set of filters, each computed once when first asked."""

    def __init__(self, filters: Filters) -> None:
        self.filters = filters

    def _kw(self) -> dict[str, Any]:
        return {"agency": self.filters.agency, "weapon_type": self.filters.weapon_type}

    @cached_property
    def statistics(self) -> selectors.TraceStatistics:
        return selectors.trace_statistics(self.filters.period, **self._kw())

    @cached_property
    def sdg(self) -> selectors.Sdg1642:
        return selectors.sdg_16_4_2(self.filters.period, **self._kw())

    @cached_property
    def time_to_crime(self) -> selectors.TimeToCrime:
        return selectors.time_to_crime(self.filters)

    @cached_property
    def sources(self) -> selectors.Sources:
        return selectors.sources_of(self.routes)  # the same query as the routes

    @cached_property
    def routes(self) -> list[selectors.Route]:
        return selectors.routes(self.filters)

    @cached_property
    def parties(self) -> selectors.Parties:
        return selectors.parties_behind(self.filters)

    @cached_property
    def recovery(self) -> selectors.Recovery:
        return selectors.recovery(self.filters)

    @cached_property
    def import_control(self) -> selectors.ImportControl:
        return selectors.import_control(self.filters)

    @cached_property
    def import_marks(self) -> selectors.ImportMarks:
        return selectors.import_marks(self.filters)

    @cached_property
    def countries(self) -> dict[str, str]:
        return dict(Country.objects.values_list("code", "name"))

    def read(self, names: tuple[str, ...]) -> None:
        """Compute the named figures at once (sql.concurrently): a page then takes as long
        as its slowest selector, not their sum."""
        missing = [name for name in names if name not in self.__dict__]
        found = concurrently({name: partial(getattr, self, name) for name in missing})
        self.__dict__.update(found)


# --- labels -----------------------------------------------------------------------------


def country(figures: Figures, code: str) -> str:
    if not code:
        return _("Not known")
    name = figures.countries.get(code)
    return f"{name} ({code})" if name else code


def choice_label(choices: Any, value: str) -> str:
    if not value:
        return _("Not known")
    return str(choices(value).label) if value in choices.values else value


BUCKET_LABELS: dict[str, Promise] = {
    "under_1": gettext_lazy("Under 1 year"),
    "1_to_3": gettext_lazy("1 to 3 years"),
    "3_to_5": gettext_lazy("3 to 5 years"),
    "5_to_10": gettext_lazy("5 to 10 years"),
    "over_10": gettext_lazy("10 years or more"),
    selectors.UNKNOWN: gettext_lazy("Not known"),
}


# --- trace requests -----------------------------------------------------------------------


def directions(figures: Figures) -> Table:
    stats = figures.statistics
    rows = [
        (
            str(Direction(d.direction).label),
            d.count,
            d.acknowledged,
            d.answered_complete,
            d.answered_partial,
            d.delayed,
            d.restricted,
            d.refused,
            d.open,
            d.median_days_to_acknowledge,
            d.median_days_to_answer,
        )
        for d in stats.by_direction.values()
    ]
    columns = (
        Column(_("Direction"), TEXT),
        Column(_("Requests")),
        Column(_("Acknowledged")),
        Column(_("Answered in full")),
        Column(_("Answered in part")),
        Column(_("Ever delayed")),
        Column(_("Restricted")),
        Column(_("Refused")),
        Column(_("Still open")),
        Column(_("Median days to acknowledge"), DAYS),
        Column(_("Median days to answer"), DAYS),
    )
    return Table(
        "directions",
        _("Trace requests sent and received"),
        columns,
        rows,
        note=_(
            "Requests sent (outgoing, domestic) or received (incoming) in the period, and "
            "what became of them. Answers established a point of diversion in %(n)d cases."
        )
        % {"n": stats.diversion_established},
        chart=1,
        chart_alt=_("Bar chart of the number of trace requests in each direction."),
    )


def grounds(figures: Figures) -> Table:
    stats = figures.statistics
    rows = []
    for status, by_ground in stats.grounds.items():
        for ground, total in by_ground.items():
            per = [
                stats.grounds_by_direction[d.value][status][ground] for d in selectors.DIRECTIONS
            ]
            rows.append((str(Status(status).label), str(Ground(ground).label), *per, total))
    columns = (
        Column(_("Step"), TEXT),
        Column(_("Ground (ITI para 22)"), TEXT),
        *(Column(str(d.label)) for d in selectors.DIRECTIONS),
        Column(_("All requests")),
    )
    return Table("grounds", _("Delays, restrictions and refusals by ground"), columns, rows)


# --- SDG 16.4.2 ---------------------------------------------------------------------------


def sdg(figures: Figures) -> Table:
    result = figures.sdg
    columns = (
        Column(_("Weapon type"), TEXT),
        Column(_("Seized, found or surrendered")),
        Column(_("Illicit origin established by a trace")),
        Column(_("Proportion"), SHARE),
    )
    rows: list[tuple[Any, ...]] = [
        (choice_label(WeaponType, kind), d, n, share(n, d))
        for kind, (n, d) in result.by_weapon_type.items()
    ]
    rows.append(
        (
            _("All weapons"),
            result.seized_found_surrendered,
            result.traced_origin_established,
            result.proportion,
        )
    )
    return Table(
        "sdg",
        _("SDG indicator 16.4.2, by weapon type"),
        columns,
        rows,
        note=_(
            "Proportion of seized, found or surrendered arms whose illicit origin or context "
            "has been traced or established. Each weapon counts once."
        ),
        chart=3,
        chart_alt=_("Bar chart of the proportion of weapons traced, by weapon type."),
    )


def sdg_context(figures: Figures) -> Table:
    result = figures.sdg
    columns = (
        Column(_("How it came into custody"), TEXT),
        Column(_("Weapons")),
        Column(_("Illicit origin established by a trace")),
        Column(_("Proportion"), SHARE),
    )
    rows = [
        (choice_label(FoundContext, kind), d, n, share(n, d))
        for kind, (n, d) in sorted(result.by_context.items())
    ]
    return Table("sdg-context", _("SDG indicator 16.4.2, by way of recovery"), columns, rows)


# --- time to crime, sources, routes --------------------------------------------------------


def time_to_crime(figures: Figures) -> Table:
    result = figures.time_to_crime
    rows = [
        (str(BUCKET_LABELS[key]), n, share(n, result.traced)) for key, n in result.buckets.items()
    ]
    median = result.median_days
    note = _("Traced weapons: %(n)d. Median: %(days)s days.") % {
        "n": result.traced,
        "days": "—" if median is None else f"{median:.1f}",
    }
    return Table(
        "time-to-crime",
        _("Time to crime"),
        (Column(_("Time to crime"), TEXT), Column(_("Traced weapons")), Column(_("Share"), SHARE)),
        rows,
        note=note,
        chart=1,
        chart_alt=_("Bar chart of the number of traced weapons in each time-to-crime band."),
    )


def _countries(figures: Figures, counted: list[Counted]) -> list[tuple[Any, ...]]:
    return [(country(figures, c.key), c.count) for c in counted]


def manufacture(figures: Figures) -> Table:
    return Table(
        "manufacture",
        _("Countries of manufacture of traced weapons"),
        (Column(_("Country"), TEXT), Column(_("Traced weapons"))),
        _countries(figures, figures.sources.manufacture),
        chart=1,
        chart_alt=_("Bar chart of traced weapons by country of manufacture."),
    )


def last_import(figures: Figures) -> Table:
    return Table(
        "last-import",
        _("Countries of last legal import of traced weapons"),
        (Column(_("Country"), TEXT), Column(_("Traced weapons"))),
        _countries(figures, figures.sources.last_import),
    )


def routes(figures: Figures) -> Table:
    rows = [
        (
            country(figures, r.manufacture),
            country(figures, r.last_import),
            country(figures, r.recovery),
            r.count,
        )
        for r in figures.routes
    ]
    columns = (
        Column(_("Made in"), TEXT),
        Column(_("Last legally imported into"), TEXT),
        Column(_("Recovered in"), TEXT),
        Column(_("Traced weapons")),
    )
    return Table("routes", _("Routes of traced weapons"), columns, rows)


def _parties(rows: list[PartyCount]) -> list[tuple[Any, ...]]:
    return [(p.name, p.count) for p in rows]


def importers(figures: Figures) -> Table:
    return Table(
        "importers",
        _("Importers behind traced weapons"),
        (Column(_("Importer"), TEXT), Column(_("Traced weapons"))),
        _parties(figures.parties.importers),
    )


def dealers(figures: Figures) -> Table:
    parties = figures.parties
    threshold = parties.dealer_threshold
    rows = [(p.name, p.count, _("Yes") if p.flagged else "") for p in parties.dealers]
    note = _(
        "A dealer is flagged when it sold at least %(minimum)d traced weapons into civilian "
        "hands and more than the %(percentile)dth percentile of all dealers (%(threshold)s)."
    ) % {
        "minimum": selectors.FLAG_MINIMUM,
        "percentile": selectors.FLAG_PERCENTILE,
        "threshold": "—" if threshold is None else f"{threshold:.2f}",
    }
    columns = (
        Column(_("Dealer"), TEXT),
        Column(_("Traced weapons sold")),
        Column(_("Unusual count"), TEXT),
    )
    return Table("dealers", _("Dealers behind traced weapons"), columns, rows, note=note)


def _counted_rows(counted: list[Counted], label: Callable[[str], str]) -> list[tuple[Any, ...]]:
    return [(label(c.key), c.count) for c in counted]


def places(figures: Figures) -> Table:
    return Table(
        "places",
        _("Recovery places"),
        (Column(_("Place, as written"), TEXT), Column(_("Recoveries"))),
        _counted_rows(figures.recovery.places, lambda key: key or _("Not known")),
    )


def offences(figures: Figures) -> Table:
    return Table(
        "offences",
        _("Offences"),
        (Column(_("Offence, as written"), TEXT), Column(_("Recoveries"))),
        _counted_rows(figures.recovery.offences, lambda key: key or _("None named")),
    )


def contexts(figures: Figures) -> Table:
    return Table(
        "contexts",
        _("Seized, found or surrendered"),
        (Column(_("How"), TEXT), Column(_("Recoveries"))),
        _counted_rows(figures.recovery.contexts, lambda key: choice_label(FoundContext, key)),
    )


# --- import controls ------------------------------------------------------------------------


def _shares(rows: list[ImportShare]) -> list[tuple[Any, ...]]:
    return [
        (r.key or _("Not known"), r.traced, r.entered_legally, r.diverted, r.share) for r in rows
    ]


def import_years(figures: Figures) -> Table:
    columns = (
        Column(_("Year found"), TEXT),
        Column(_("Traced weapons")),
        Column(_("Entered legally")),
        Column(_("Entered legally, then diverted")),
        Column(_("Share of traced weapons"), SHARE),
    )
    return Table(
        "import-years",
        _("Traced weapons that entered legally and were then diverted, by year"),
        columns,
        _shares(figures.import_control.by_year),
        chart=4,
        chart_alt=_(
            "Bar chart of the share of traced weapons that entered legally and were then "
            "diverted, by year."
        ),
    )


def import_importers(figures: Figures) -> Table:
    rows = [
        (r.key or _("Not known"), r.traced, r.diverted, r.share)
        for r in figures.import_control.by_importer
    ]
    columns = (
        Column(_("Importer"), TEXT),
        Column(_("Traced weapons it imported")),
        Column(_("Then diverted")),
        Column(_("Share"), SHARE),
    )
    return Table(
        "import-importers",
        _("Traced weapons that entered legally and were then diverted, by importer"),
        columns,
        rows,
    )


def import_marks(figures: Figures) -> Table:
    marks = figures.import_marks
    rows: list[tuple[Any, ...]] = [
        (r.key or _("Not known"), r.traced, r.diverted, r.share) for r in marks.by_importer
    ]
    rows.append((_("All importers"), marks.imported, marks.lacking, marks.share_lacking))
    columns = (
        Column(_("Importer"), TEXT),
        Column(_("Weapons imported")),
        Column(_("Without an import mark")),
        Column(_("Share without"), SHARE),
    )
    return Table(
        "import-marks",
        _("Imported weapons lacking an import mark"),
        columns,
        rows,
        note=_("Weapons with an import recorded in the period (ITI para 8(b))."),
    )


TABLES: dict[str, Callable[[Figures], Table]] = {
    "directions": directions,
    "grounds": grounds,
    "sdg": sdg,
    "sdg-context": sdg_context,
    "time-to-crime": time_to_crime,
    "manufacture": manufacture,
    "last-import": last_import,
    "routes": routes,
    "importers": importers,
    "dealers": dealers,
    "places": places,
    "offences": offences,
    "contexts": contexts,
    "import-years": import_years,
    "import-importers": import_importers,
    "import-marks": import_marks,
}


@dataclass(frozen=True)
class Page:
    name: str  # the URL name
    title: Promise
    tables: tuple[str, ...] = field(default=())
    figures: tuple[str, ...] = field(default=())  # what its tables read, read at once


PAGES = (
    Page("dashboard", gettext_lazy("Traces and SDG 16.4.2"),
         ("directions", "grounds", "sdg", "sdg-context"), ("statistics", "sdg")),
    Page("sources", gettext_lazy("Sources and routes"),
         ("time-to-crime", "manufacture", "last-import", "routes", "importers", "dealers",
          "places", "offences", "contexts"),
         ("time_to_crime", "routes", "parties", "recovery", "countries")),
    Page("imports", gettext_lazy("Import controls"),
         ("import-years", "import-importers", "import-marks"),
         ("import_control", "import_marks", "countries")),
)  # fmt: skip


def build(name: str, figures: Figures) -> Table | None:
    builder = TABLES.get(name)
    return builder(figures) if builder else None
