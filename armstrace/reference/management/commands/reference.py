"""`armstrace reference load` and `armstrace reference export DIR`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.core.context import audit_context
from armstrace.reference.exporter import export_reference
from armstrace.reference.loader import LocalEdits, load_reference


class Command(BaseCommand):
    help = "Load the bundled reference data, or export the database's reference data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load (or reload) the bundled reference data set")
        load.add_argument(
            "--discard-local-edits",
            action="store_true",
            help="reload even though the reference data was edited in the admin since",
        )
        export = sub.add_parser("export", help="write the reference data as JSON files")
        export.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            try:
                with audit_context(actor_id=None, actor_name="cli:reference", channel="cli"):
                    version = load_reference(discard_edits=options["discard_local_edits"])
            except LocalEdits as error:
                raise CommandError(str(error)) from error
            counts = ", ".join(f"{k} {v}" for k, v in version.counts.items())
            self.stdout.write(f"reference data {version.version} loaded: {counts}")
            return
        written = export_reference(options["directory"])
        for name, count in written.items():
            self.stdout.write(f"{options['directory'] / name}: {count} rows")
