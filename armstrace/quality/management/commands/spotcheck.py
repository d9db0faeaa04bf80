"""`armstrace spotcheck draw|report`: periodic spot checks of records against sources (R9)."""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armstrace.accounts.choices import Role
from armstrace.accounts.models import User
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.quality import selectors, services
from armstrace.quality.choices import Strata
from armstrace.quality.models import SpotCheck
from armstrace.quality.sampling import Estimate


class Command(BaseCommand):
    help = _(
        "Spot checks (mission R9). `draw` draws a stratified random sample of records and "
        "assigns it round-robin to clerks, who compare each record with its source document "
        "on the web; `report ID` prints the estimated error rate and its confidence interval "
        "(95 percent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        draw = sub.add_parser("draw", help=_("draw a sample and assign it to clerks"))
        draw.add_argument("--size", type=int, required=True)
        draw.add_argument("--strata", choices=Strata.values, default=Strata.AGENCY)
        draw.add_argument(
            "--clerk",
            nargs="+",
            default=[],
            metavar="USER",
            help=_("user names of registrars (default: every active registrar)"),
        )
        draw.add_argument("--seed", type=int, help=_("random seed, to draw the same sample again"))
        report = sub.add_parser("report", help=_("estimated error rate of a spot check"))
        report.add_argument("id", type=int)
        report.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:spotcheck", channel="cli"):
            if options["action"] == "draw":
                self._draw(options)
            else:
                self._report(options)

    def _draw(self, options: dict[str, Any]) -> None:
        clerks = _clerks(options["clerk"])
        try:
            spot_check = services.draw_spot_check(
                size=options["size"], strata=options["strata"], clerks=clerks, seed=options["seed"]
            )
        except DomainValidationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        self.stdout.write(
            _(
                "Spot check %(id)d: %(n)d records drawn by %(strata)s (seed %(seed)d), "
                "assigned to %(clerks)s."
            )
            % {
                "id": spot_check.pk,
                "n": spot_check.size,
                "strata": spot_check.strata,
                "seed": spot_check.seed,
                "clerks": ", ".join(c.get_username() for c in clerks),
            }
        )
        per_stratum = spot_check.items.values_list("stratum").annotate(n=Count("id")).order_by()
        for stratum, n in sorted(per_stratum):
            self.stdout.write(f"  {stratum or '-'}: {n}")

    def _report(self, options: dict[str, Any]) -> None:
        spot_check = SpotCheck.objects.filter(pk=options["id"]).first()
        if spot_check is None:
            raise CommandError(_("no spot check %(id)d") % {"id": options["id"]})
        estimate = selectors.estimate(spot_check)
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(spot_check, estimate), indent=2))
        else:
            self.stdout.write(_as_table(spot_check, estimate))


def _clerks(names: list[str]) -> list[User]:
    if not names:
        registrars = User.objects.filter(is_active=True, grants__role=Role.REGISTRAR)
        clerks = list(registrars.distinct().order_by("username"))
        if not clerks:
            raise CommandError(_("no active registrar to assign the records to; name --clerk"))
        return clerks
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [name for name in names if name not in found]
    if missing:
        raise CommandError(_("no such user: %(names)s") % {"names": ", ".join(missing)})
    return [found[name] for name in dict.fromkeys(names)]


def _as_json(spot_check: SpotCheck, estimate: Estimate) -> dict[str, Any]:
    def interval(bounds: tuple[float, float] | None) -> list[float] | None:
        return [round(bounds[0], 6), round(bounds[1], 6)] if bounds else None

    return {
        "spot_check": spot_check.pk,
        "strata": spot_check.strata,
        "seed": spot_check.seed,
        "size": spot_check.size,
        "by_stratum": [
            {
                "stratum": s.stratum,
                "population": s.population,
                "drawn": s.drawn,
                "checked": s.checked,
                "errors": s.errors,
                "error_rate": None if s.rate is None else round(s.rate, 6),
                "interval_95": interval(s.interval),
            }
            for s in estimate.strata
        ],
        "overall": {
            "population": estimate.population,
            "population_covered": estimate.covered,
            "checked": estimate.checked,
            "errors": estimate.errors,
            "error_rate": None if estimate.rate is None else round(estimate.rate, 6),
            "interval_95": interval(estimate.interval),
        },
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _interval(bounds: tuple[float, float] | None) -> str:
    return "-" if bounds is None else f"{_pct(bounds[0])} - {_pct(bounds[1])}"


def _as_table(spot_check: SpotCheck, estimate: Estimate) -> str:
    table = Table(
        title=_("Spot check %(id)d, stratified by %(strata)s (seed %(seed)d)")
        % {"id": spot_check.pk, "strata": spot_check.strata, "seed": spot_check.seed}
    )
    headings = (
        _("stratum"), _("population"), _("drawn"), _("checked"), _("errors"),
        _("error rate"), _("%(level)d%% interval") % {"level": 95},
    )  # fmt: skip
    for heading in headings:
        table.add_column(heading)
    for s in estimate.strata:
        table.add_row(
            escape(s.stratum or "-"), str(s.population), str(s.drawn), str(s.checked),
            str(s.errors), _pct(s.rate), _interval(s.interval),
        )  # fmt: skip
    table.add_row(
        _("overall (stratified)"), str(estimate.population), str(spot_check.size),
        str(estimate.checked), str(estimate.errors), _pct(estimate.rate),
        _interval(estimate.interval),
    )  # fmt: skip
    buffer = io.StringIO()
    Console(file=buffer, width=120, highlight=False).print(table)
    return buffer.getvalue().rstrip("\n")
