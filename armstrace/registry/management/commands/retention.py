"""`armstrace retention report`: when could each record lawfully be purged (ITI para 12)?"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from armstrace.core import clock
from armstrace.core.safefiles import CsvSink
from armstrace.registry import rules
from armstrace.registry.choices import RecordClass
from armstrace.registry.selectors import RetainedRecord, retained_records

CSV_HEADER = (
    "weapon_id", "serial_number", "record_class", "event_kind", "record_date",
    "earliest_purge_date",
)  # fmt: skip


@dataclass
class ClassSummary:
    count: int = 0
    purgeable_today: int = 0
    earliest: dt.date | None = None

    def add(self, record: RetainedRecord, today: dt.date) -> None:
        self.count += 1
        if record.purge_from is None:
            return
        if record.purge_from <= today:
            self.purgeable_today += 1
        if self.earliest is None or record.purge_from < self.earliest:
            self.earliest = record.purge_from


class Command(BaseCommand):
    help = _(
        "Retention of registry records (ITI para 12). `report` lists, by record class, the "
        "earliest date each record could lawfully be purged under a policy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["report"])
        parser.add_argument(
            "--policy",
            choices=rules.RetentionPolicy.ALL,
            help=_("retention policy (default: the ARMSTRACE_RETENTION_POLICY setting)"),
        )
        parser.add_argument("--csv", type=Path, help=_("write one row per record to this file"))

    def handle(self, *args: Any, **options: Any) -> None:
        policy = options["policy"] or settings.ARMSTRACE_RETENTION_POLICY
        if policy not in rules.RetentionPolicy.ALL:
            raise CommandError(_("unknown retention policy %(policy)r") % {"policy": policy})
        today = clock.today()
        summaries = {cls: ClassSummary() for cls in RecordClass}
        records = retained_records(policy)
        if options["csv"]:
            # Serials come from imports: the safe writer keeps a formula from running.
            with CsvSink(options["csv"], CSV_HEADER) as sink:
                for record in records:
                    summaries[record.record_class].add(record, today)
                    sink.write(_csv_row(record))
        else:
            for record in records:
                summaries[record.record_class].add(record, today)
        self.stdout.write(_summary_text(policy, today, summaries))
        if options["csv"]:
            self.stdout.write(_("Per-record list written to %(path)s") % {"path": options["csv"]})


def _csv_row(record: RetainedRecord) -> list[str]:
    purge = record.purge_from.isoformat() if record.purge_from else "never"
    return [
        str(record.weapon_id), record.serial_number, record.record_class.value, record.kind,
        record.record_date.isoformat(), purge,
    ]  # fmt: skip


def _summary_text(policy: str, today: dt.date, summaries: dict[RecordClass, ClassSummary]) -> str:
    table = Table(
        title=_("Retention under policy '%(policy)s' on %(today)s")
        % {"policy": policy, "today": today.isoformat()}
    )
    for heading in (_("record class"), _("records"), _("purgeable today"), _("earliest purge")):
        table.add_column(heading)
    for cls, summary in summaries.items():
        earliest = summary.earliest.isoformat() if summary.earliest else _("never")
        table.add_row(
            str(cls.label), str(summary.count), str(summary.purgeable_today), str(earliest)
        )
    buffer = io.StringIO()
    Console(file=buffer, width=100, highlight=False).print(table)
    return buffer.getvalue().rstrip("\n")
