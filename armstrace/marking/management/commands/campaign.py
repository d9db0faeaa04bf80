"""`armstrace campaign create|allocate|export|complete|status`: run a marking campaign
(ITI 8(c), 8(d), 9) from the command line, e.g. beside a marking machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import pdf, selectors
from armstrace.marking.choices import CampaignPurpose, ItemStatus
from armstrace.marking.models import Campaign
from armstrace.marking.services import campaigns
from armstrace.registry.choices import ComponentType, MarkMethod, PartyKind
from armstrace.registry.models import Party


class Command(BaseCommand):
    help = _("Marking campaigns: create, select and allocate, export the job, read results.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("create a campaign"))
        create.add_argument("--agency", required=True, help=_("code of the agency"))
        create.add_argument("--name", required=True)
        create.add_argument("--purpose", choices=CampaignPurpose.values, required=True)
        create.add_argument("--format", required=True, help="e.g. {country}-{unit}-")
        create.add_argument("--digits", type=int, default=6)
        create.add_argument("--component", choices=ComponentType.values, default="")
        create.add_argument("--location", default="")
        create.add_argument("--method", choices=MarkMethod.values, default="")
        alloc = sub.add_parser("allocate", help=_("select weapons, then allocate their marks"))
        alloc.add_argument("code")
        alloc.add_argument("--unit", help=_("name or id of a state unit: its weapons"))
        alloc.add_argument("--agency", default="", help=_("code of an agency: its weapons"))
        alloc.add_argument("--list", type=Path, help=_("file with one weapon id or serial a line"))
        alloc.add_argument("--reason", default="")
        export = sub.add_parser("export", help=_("write the job file (CSV) or checklist (PDF)"))
        export.add_argument("code")
        export.add_argument("--out", type=Path, required=True, help="job.csv or checklist.pdf")
        complete = sub.add_parser("complete", help=_("read a marking machine's log back in"))
        complete.add_argument("code")
        complete.add_argument("log", type=Path)
        status = sub.add_parser("status", help=_("progress of a campaign"))
        status.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:campaign", channel="cli"):
            try:
                getattr(self, f"_{options['action']}")(options)
            except DomainValidationError as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from exc

    def _create(self, options: dict[str, Any]) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(_("no agency with code %(c)s") % {"c": options["agency"]})
        campaign = campaigns.create_campaign(
            agency=agency,
            name=options["name"],
            purpose=options["purpose"],
            mark_template=options["format"],
            sequence_width=options["digits"],
            component=options["component"],
            location=options["location"],
            method=options["method"],
        )
        self.stdout.write(campaign.code)

    def _allocate(self, options: dict[str, Any]) -> None:
        campaign = _campaign(options["code"])
        unit = None
        if options["unit"]:
            unit = _unit(options["unit"])
        lines: list[str] = []
        if options["list"]:
            lines = options["list"].read_text(encoding="utf-8-sig").splitlines()
        if unit or options["agency"] or lines:
            report = campaigns.select_weapons(
                campaign,
                unit=unit,
                agency_code=options["agency"],
                identifiers=lines,
                reason=options["reason"],
            )
            for missing in [*report.not_found, *report.refused]:
                self.stderr.write(_("not added: %(what)s") % {"what": missing})
            self.stdout.write(_("%(n)d weapon(s) added") % {"n": report.added})
        count = campaigns.allocate(campaign)
        self.stdout.write(_("%(n)d mark(s) allocated") % {"n": count})

    def _export(self, options: dict[str, Any]) -> None:
        campaign = _campaign(options["code"])
        out: Path = options["out"]
        if out.suffix.lower() == ".pdf":
            items = selectors.engraving_items(campaign)
            out.write_bytes(pdf.checklist(campaign, items, clock.now()))
            count = len(items)
        else:
            count = campaigns.export_job(campaign, out)
        self.stdout.write(_("%(n)d weapon(s) written to %(out)s") % {"n": count, "out": out})

    def _complete(self, options: dict[str, Any]) -> None:
        report = campaigns.import_machine_log(_campaign(options["code"]), options["log"])
        for row in report.rejected:
            self.stderr.write(_("row %(n)d: %(reason)s") % {"n": row.number, "reason": row.reason})
        counts = ", ".join(f"{ItemStatus(code).label}: {n}" for code, n in report.counts.items())
        self.stdout.write(
            _("%(counts)s; unchanged: %(same)d; refused: %(bad)d")
            % {"counts": counts, "same": report.unchanged, "bad": len(report.rejected)}
        )
        if report.rejected:
            raise CommandError(_("some rows were refused"), returncode=2)

    def _status(self, options: dict[str, Any]) -> None:
        campaign = _campaign(options["code"])
        self.stdout.write(f"{campaign.code} {campaign.name}: {campaign.get_status_display()}")
        for status, count in selectors.progress(campaign).items():
            self.stdout.write(f"  {status}: {count}")


def _campaign(code: str) -> Campaign:
    campaign = Campaign.objects.select_related("agency").filter(code=code).first()
    if campaign is None:
        raise CommandError(_("no campaign %(code)s") % {"code": code})
    return campaign


def _unit(text: str) -> Party:
    """A state unit by id or by name (as written, any case)."""
    units = Party.objects.filter(kind=PartyKind.STATE_UNIT)
    found = list(units.filter(pk=int(text))) if text.isdigit() else []
    found = found or list(units.filter(name__iexact=text.strip())[:2])
    if len(found) != 1:
        problem = (
            _("no state unit named %(t)r") if not found else _("several state units named %(t)r")
        )
        raise CommandError(problem % {"t": text})
    return found[0]
