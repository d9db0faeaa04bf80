"""`armstrace export weapons FILE [--agency CODE] [--status S] [--source S]
[--purpose CASE | --without-personal-data]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.core.context import audit_context
from armstrace.intake.export import export_weapons
from armstrace.registry.choices import Status
from armstrace.registry.models import Weapon


class Command(BaseCommand):
    help = "Export weapon records to CSV or XLSX in the import's column layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["weapons"])
        parser.add_argument("file", type=Path, help="a .csv or .xlsx file to write")
        parser.add_argument("--agency", help="only the weapons of this agency (code)")
        parser.add_argument("--status", choices=Status.values, help="only weapons in this status")
        parser.add_argument("--source", help="only the records of this import source")
        parser.add_argument(
            "--purpose",
            default="",
            help="case number or purpose; required when individuals' names are written",
        )
        parser.add_argument(
            "--without-personal-data",
            action="store_true",
            help="leave out holders who are individuals (the weapons stay)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        weapons = Weapon.objects.all()
        if options["agency"]:
            weapons = weapons.filter(agency__code=options["agency"])
        if options["status"]:
            weapons = weapons.filter(status=options["status"])
        if options["source"]:
            weapons = weapons.filter(source=options["source"])
        with audit_context(actor_id=None, actor_name="cli:export", channel="cli"):
            try:
                count = export_weapons(
                    weapons,
                    options["file"],
                    purpose=options["purpose"],
                    personal_data=not options["without_personal_data"],
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(_("%(n)d weapons written to %(f)s") % {"n": count, "f": options["file"]})
