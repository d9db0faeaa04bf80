"""`armstrace import weapons|events|handover|mapping|runs`: bring paper and spreadsheet
records into the registry. See README.md, section "Importing records"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from armstrace.accounts.models import Agency
from armstrace.accounts.services import create_agency
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.intake.models import ColumnMapping, ImportBatch, ImportKind
from armstrace.intake.readers import ImportFileError
from armstrace.intake.runs import CHUNK, ImportOptions, ImportReport
from armstrace.intake.services import import_weapons, save_mapping

DEFAULT_AGENCY = "NAT"


def default_agency() -> Agency:
    """The national-scope agency; an empty database gets one, so that `migrate` is enough."""
    agency = Agency.objects.filter(national_scope=True).order_by("pk").first()
    if agency is not None:
        return agency
    with transaction.atomic():
        return create_agency(
            code=DEFAULT_AGENCY,
            name=_("National registry"),
            kind="registry",
            country=settings.ARMSTRACE_COUNTRY or "ZZ",  # ZZ: ISO user-assigned, "not set"
            national_scope=True,
        )


class Command(BaseCommand):
    help = "Import weapon records, life-cycle events or a closed business's books."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        for name, text in (("weapons", "weapon records"), ("events", "life-cycle events")):
            p = sub.add_parser(name, help=f"import {text} from CSV or XLSX")
            p.add_argument("file", type=Path)
            self._file_options(p)
            if name == "events":
                p.add_argument(
                    "--dealer", help="licence of the book's keeper (acquisitions and sales)"
                )
                p.add_argument("--weapons-source", help="the source whose record_ref rows name")
        h = sub.add_parser("handover", help="take over a closed business's books and scans")
        h.add_argument("files", type=Path, nargs="+", help="books (CSV, XLSX) and scans")
        h.add_argument("--dealer", required=True, help="the business's licence number")
        h.add_argument("--received-on", type=dt.date.fromisoformat, help="default: today")
        h.add_argument("--notes", default="")
        self._file_options(h, single_file=False)
        m = sub.add_parser("mapping", help="save or list column mappings")
        m.add_argument("action", choices=["save", "list", "show"])
        m.add_argument("name", nargs="?")
        m.add_argument("--kind", choices=ImportKind.values, default=ImportKind.WEAPONS)
        m.add_argument(
            "--column", action="append", default=[], metavar="FIELD=HEADER",
            help="which header holds FIELD; repeat for each field",
        )  # fmt: skip
        m.add_argument("--encoding", default="")
        m.add_argument("--delimiter", default="")
        m.add_argument("--sheet", default="")
        r = sub.add_parser("runs", help="list import runs")
        r.add_argument("--limit", type=int, default=20)

    def _file_options(self, p: CommandParser, *, single_file: bool = True) -> None:
        if single_file:
            p.add_argument("--errors", type=Path, help="rejected rows (default: FILE.errors.csv)")
        p.add_argument("--source", help="name of the source system or ledger (default: file name)")
        p.add_argument("--agency", help="agency code (default: the national registry)")
        p.add_argument("--mapping", help="a saved mapping name, or a JSON file {field: header}")
        p.add_argument("--encoding", help="e.g. utf-8, cp1252 (default: detected)")
        p.add_argument("--delimiter", help="CSV delimiter (default: detected)")
        p.add_argument("--sheet", help="XLSX sheet name (default: the first)")
        p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        p.add_argument("--chunk", type=int, default=CHUNK, help="rows per transaction")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:import", channel="cli"):
            what = options["what"]
            try:
                if what == "weapons":
                    self._weapons(options)
                elif what == "events":
                    self._events(options)
                elif what == "handover":
                    self._handover(options)
                elif what == "mapping":
                    self._mapping(options)
                else:
                    self._runs(options["limit"])
            except (ImportFileError, DomainValidationError, ValueError) as error:
                raise CommandError(str(error)) from error

    def _import_options(self, options: dict[str, Any], kind: str) -> ImportOptions:
        paths: list[Path] = options.get("files") or [options["file"]]
        for path in paths:
            if not path.is_file():
                raise CommandError(_("%(p)s: no such file") % {"p": path})
        path = paths[0]
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(_("unknown agency %(a)r") % {"a": options["agency"]})
        else:
            agency = default_agency()
        mapping, saved = self._load_mapping(options["mapping"], kind)
        return ImportOptions(
            agency=agency,
            source=options["source"] or path.name,
            mapping=mapping,
            encoding=options["encoding"] or saved.get("encoding") or None,
            delimiter=options["delimiter"] or saved.get("delimiter") or None,
            sheet=options["sheet"] or saved.get("sheet") or None,
            dry_run=options["dry_run"],
            error_path=options.get("errors") or path.with_name(path.name + ".errors.csv"),
            chunk_size=max(1, options["chunk"]),
        )

    def _load_mapping(
        self, name: str | None, kind: str
    ) -> tuple[dict[str, str] | None, dict[str, str]]:
        if not name:
            return None, {}
        saved = ColumnMapping.objects.filter(name=name).first()
        if saved is not None:
            if saved.kind != kind:
                raise CommandError(_("mapping %(n)r is for %(k)s") % {"n": name, "k": saved.kind})
            return dict(saved.columns), dict(saved.options)
        path = Path(name)
        if not path.is_file():
            raise CommandError(_("no saved mapping and no file named %(n)r") % {"n": name})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(
                _("%(n)s is not a JSON mapping: %(e)s") % {"n": name, "e": error}
            ) from error
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise CommandError(_("%(n)s must hold a JSON object {field: header}") % {"n": name})
        return data, {}

    def _weapons(self, options: dict[str, Any]) -> None:
        opts = self._import_options(options, ImportKind.WEAPONS)
        report = self._with_progress(
            options, lambda progress: import_weapons(options["file"], opts, progress)
        )
        self._summary(report, opts)

    def _events(self, options: dict[str, Any]) -> None:
        from armstrace.intake.events import import_events
        from armstrace.intake.handover import find_business

        opts = self._import_options(options, ImportKind.EVENTS)
        dealer = find_business(options["dealer"]) if options["dealer"] else None
        report = self._with_progress(
            options,
            lambda progress: import_events(
                options["file"],
                opts,
                progress,
                weapons_source=options["weapons_source"],
                dealer=dealer,
            ),
        )
        self._summary(report, opts)

    def _handover(self, options: dict[str, Any]) -> None:
        from armstrace.intake.handover import import_handover

        opts = self._import_options(options, ImportKind.HANDOVER)
        report = import_handover(
            licence=options["dealer"],
            files=options["files"],
            options=opts,
            received_on=options["received_on"] or clock.today(),
            notes=options["notes"],
        )
        for book in report.books:
            self._summary(book, opts)
        self.stdout.write(
            _(
                "Handover %(id)d: %(scans)d scans stored; %(found)d lines about weapons already "
                "registered, %(new)d weapons registered from the books."
            )
            % {
                "id": report.handover_id,
                "scans": report.scans,
                "found": report.weapons_found,
                "new": report.weapons_registered,
            }
        )

    def _with_progress(self, options: dict[str, Any], run: Any) -> ImportReport:
        if options["quiet"]:
            return run(None)  # type: ignore[no-any-return]
        console = Console(stderr=True)
        columns = (
            TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
            TransferSpeedColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        )  # fmt: skip
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(str(options["file"].name), total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            return run(progress)  # type: ignore[no-any-return]

    def _summary(self, report: ImportReport, opts: ImportOptions) -> None:
        verb = _("would land") if opts.dry_run else _("landed")
        self.stdout.write(
            _(
                "%(read)d rows read: %(landed)d %(verb)s, %(present)d already present, "
                "%(rejected)d rejected, %(unresolved)d with values to review (run %(id)s)."
            )
            % {
                "read": report.rows_read,
                "landed": report.landed,
                "verb": verb,
                "present": report.present,
                "rejected": report.rejected,
                "unresolved": report.unresolved,
                "id": report.batch_id,
            }
        )
        if report.rejected and report.error_file:
            self.stdout.write(
                _("Rejected rows, with column and reason: %(f)s") % {"f": report.error_file}
            )

    def _mapping(self, options: dict[str, Any]) -> None:
        action, name = options["action"], options["name"]
        if action == "list":
            for m in ColumnMapping.objects.order_by("name"):
                self.stdout.write(
                    f"{m.name}\t{m.kind}\t{json.dumps(m.columns, ensure_ascii=False)}"
                )
            return
        if not name:
            raise CommandError(_("a mapping name is required"))
        if action == "show":
            saved = ColumnMapping.objects.filter(name=name).first()
            if saved is None:
                raise CommandError(_("no mapping named %(n)r") % {"n": name})
            self.stdout.write(
                json.dumps(
                    {"kind": saved.kind, "columns": saved.columns, "options": saved.options},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        columns = {}
        for pair in options["column"]:
            field, sep, header = pair.partition("=")
            if not sep or not field.strip() or not header.strip():
                raise CommandError(_("--column takes FIELD=HEADER, not %(p)r") % {"p": pair})
            columns[field.strip()] = header.strip()
        if not columns:
            raise CommandError(_("give at least one --column FIELD=HEADER"))
        extra = {k: options[k] for k in ("encoding", "delimiter", "sheet") if options[k]}
        save_mapping(name=name, kind=options["kind"], columns=columns, options=extra)
        self.stdout.write(_("Mapping %(n)r saved.") % {"n": name})

    def _runs(self, limit: int) -> None:
        for b in ImportBatch.objects.order_by("-started_at")[:limit]:
            self.stdout.write(
                f"{b.pk}\t{b.kind}\t{b.state}\t{b.started_at:%Y-%m-%d %H:%M}\t{b.source}\t"
                f"read={b.rows_read} landed={b.rows_landed} present={b.rows_present} "
                f"rejected={b.rows_rejected}"
            )
