"""What every import run shares: its options and report, row rejection, the batch record
with its audit entries, and the field checks common to every kind of file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_event
from armstrace.core.context import current_context
from armstrace.core.text import has_control_characters
from armstrace.intake.fields import FIELDS, REQUIRED
from armstrace.intake.models import BatchState, ImportBatch, ImportKind
from armstrace.intake.readers import Table, open_table
from armstrace.registry.services import MAX_SERIAL

LIMITS = {
    "record_ref": 120, "serial_number": MAX_SERIAL, "manufacturer": 200, "model": 120,
    "calibre": 60, "holder": 200, "holder_licence": 64, "notes": 2000,
}  # fmt: skip
CHUNK = 20_000  # rows a transaction; fewer commits rewrite fewer index pages on SQLite
ERROR_HEADER = ("row", "column", "reason", "record_ref", "serial_number")
Progress = Callable[[int, int | None], None]


@dataclass
class ImportOptions:
    agency: Agency
    source: str
    mapping: dict[str, str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    dry_run: bool = False
    error_path: Path | None = None
    chunk_size: int = CHUNK


@dataclass
class ImportReport:
    batch_id: int | None
    rows_read: int = 0
    landed: int = 0
    present: int = 0
    rejected: int = 0
    error_file: Path | None = None
    layout: dict[str, Any] = field(default_factory=dict)
    unresolved: int = 0


class RowRejected(Exception):
    """One row cannot land; names the field and says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = name, reason


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def field_text(values: dict[str, str], name: str, *, required: bool = False) -> str:
    value = values.get(name, "")
    limit = LIMITS.get(name, 200)
    if not value:
        if required:
            raise RowRejected(name, _("is required"))
        return value
    if len(value) <= limit and value.isprintable():  # the common case, checked in C
        return value
    if len(value) > limit:
        raise RowRejected(name, _("is longer than %(max)d characters") % {"max": limit})
    if has_control_characters(value.replace("\n", " ").replace("\r", " ").replace("\t", " ")):
        raise RowRejected(name, _("contains control characters"))
    return value


def start_batch(
    path: Path, kind: str, options: ImportOptions, layout: dict[str, Any]
) -> ImportBatch:
    """Record the run (audited) before any row is read; a dry run is recorded as checked."""
    ctx = current_context()
    sha = sha256_of(path)
    state = BatchState.CHECKED if options.dry_run else BatchState.RUNNING
    with transaction.atomic(), audit_batch():
        batch = ImportBatch.objects.create(
            kind=kind,
            source=options.source,
            file_name=path.name,
            file_sha256=sha,
            agency=options.agency,
            actor_name=ctx.actor_name,
            correlation_id=ctx.correlation_id,
            state=state,
            started_at=timezone.now(),
            layout=layout,
        )
        record_event(
            "intake:batch:started",
            object_type="intake.importbatch",
            object_id=str(batch.pk),
            data={
                "file": path.name,
                "sha256": sha,
                "source": options.source,
                "dry_run": options.dry_run,
            },
        )
    return batch


def finish_batch(batch: ImportBatch, report: ImportReport) -> None:
    """Close the run with its counts (audited); a run that died stays 'running'."""
    with transaction.atomic(), audit_batch():
        batch.state = (
            BatchState.CHECKED if batch.state == BatchState.CHECKED else BatchState.COMPLETED
        )
        batch.finished_at = timezone.now()
        batch.rows_read = report.rows_read
        batch.rows_present = report.present
        batch.rows_rejected = report.rejected
        batch.rows_landed = report.landed
        batch.save()
        record_event(
            "intake:batch:finished",
            object_type="intake.importbatch",
            object_id=str(batch.pk),
            data={
                "state": batch.state,
                "rows_read": report.rows_read,
                "landed": report.landed,
                "present": report.present,
                "rejected": report.rejected,
                "unresolved": report.unresolved,
            },
        )


def open_source(path: Path, kind: ImportKind, options: ImportOptions) -> Table:
    """The file as a table of the fields its kind of import reads."""
    return open_table(
        path,
        fields=FIELDS[kind],
        required=REQUIRED[kind],
        mapping=options.mapping,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet=options.sheet,
    )


def begin(
    path: Path, table: Table, kind: ImportKind, options: ImportOptions, error_file: Path | None
) -> tuple[ImportBatch, ImportReport]:
    """Record the run with the layout the file was read with; its report starts empty."""
    layout = dict(table.layout.__dict__)
    batch = start_batch(path, kind, options, layout)
    return batch, ImportReport(batch_id=batch.pk, layout=layout, error_file=error_file)
