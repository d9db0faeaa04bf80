"""`armstrace found overdue|collect|destroy`: found, seized and collected weapons (ITI 9, R8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.safefiles import write_csv
from armstrace.marking import selectors
from armstrace.marking.choices import FindKind
from armstrace.marking.models import Destruction, Find
from armstrace.marking.services import found

OVERDUE_HEADER = ("weapon_id", "serial", "kind", "occurred_on", "place", "case", "agency", "due_on")


class Command(BaseCommand):
    help = _("Found and seized weapons: overdue list, collection lists, destructions.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help=_("finds neither marked nor destroyed in time"))
        overdue.add_argument("--out", type=Path, help=_("write a CSV file instead"))
        collect = sub.add_parser("collect", help=_("register a collection list (CSV, XLSX)"))
        collect.add_argument("file", type=Path)
        collect.add_argument("--agency", required=True)
        collect.add_argument("--name", required=True)
        collect.add_argument("--kind", choices=FindKind.values, default=FindKind.SURRENDERED)
        collect.add_argument("--collected-on", type=dt.date.fromisoformat, required=True)
        collect.add_argument("--place", default="")
        destroy = sub.add_parser("destroy", help=_("record a scheduled destruction"))
        destroy.add_argument("id", type=int)
        destroy.add_argument("--on", type=dt.date.fromisoformat, required=True)
        destroy.add_argument("--method", required=True)
        destroy.add_argument("--witness", action="append", required=True)
        destroy.add_argument("--place", default="")
        destroy.add_argument("--certificate", type=Path, help=_("write the certificate PDF"))

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:found", channel="cli"):
            try:
                getattr(self, f"_{options['action']}")(options)
            except DomainValidationError as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from exc

    def _overdue(self, options: dict[str, Any]) -> None:
        finds = selectors.overdue(Find.objects.select_related("weapon", "agency"))
        rows = (
            [f.weapon_id, f.weapon.serial_number, f.kind, f.occurred_on, f.place,
             f.case_number, f.agency.code, f.due_on]
            for f in finds.iterator(chunk_size=2000)
        )  # fmt: skip
        if options["out"]:
            count = write_csv(options["out"], OVERDUE_HEADER, rows)
            self.stdout.write(_("%(n)d overdue find(s) written") % {"n": count})
            return
        count = 0
        for row in rows:
            self.stdout.write("\t".join(str(cell) for cell in row))
            count += 1
        self.stdout.write(
            _("%(n)d overdue find(s) as of %(day)s") % {"n": count, "day": clock.today()}
        )

    def _collect(self, options: dict[str, Any]) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(_("no agency with code %(c)s") % {"c": options["agency"]})
        report = found.import_collection(
            agency=agency,
            name=options["name"],
            kind=options["kind"],
            collected_on=options["collected_on"],
            path=options["file"],
            place=options["place"],
        )
        for row in report.rejected:
            self.stderr.write(_("row %(n)d: %(reason)s") % {"n": row.number, "reason": row.reason})
        self.stdout.write(
            _("batch %(id)d: %(new)d registered, %(linked)d matched, %(lost)d lost or stolen")
            % {
                "id": report.batch.pk,
                "new": report.registered,
                "linked": report.linked,
                "lost": report.lost_or_stolen,
            }
        )

    def _destroy(self, options: dict[str, Any]) -> None:
        destruction = Destruction.objects.filter(pk=options["id"]).first()
        if destruction is None:
            raise CommandError(_("no destruction list %(id)d") % {"id": options["id"]})
        done = found.record_destruction(
            destruction,
            destroyed_on=options["on"],
            method=options["method"],
            witnesses="\n".join(options["witness"]),
            place=options["place"],
        )
        if options["certificate"]:
            options["certificate"].write_bytes(bytes(done.certificate))
        self.stdout.write(_("certificate SHA-256 %(h)s") % {"h": done.certificate_sha256})
