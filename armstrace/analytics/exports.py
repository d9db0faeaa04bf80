"""A table as a CSV or XLSX file, through the project's safe writers: formulas neutralised,
numbers kept as numbers (armstrace/core/safefiles.py). Every file that leaves is audited."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from django.db import transaction

from armstrace.analytics.selectors import Filters
from armstrace.analytics.tables import Table
from armstrace.audit.services import record_event
from armstrace.core.safefiles import write_csv, write_xlsx

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def export_bytes(table: Table, fmt: str) -> bytes:
    header = [column.label for column in table.columns]
    rows = [["" if value is None else value for value in row] for row in table.rows]
    writer = write_xlsx if fmt == "xlsx" else write_csv
    with tempfile.TemporaryDirectory(prefix="armstrace-analytics-") as folder:
        path = Path(folder) / f"table.{fmt}"
        writer(path, header, rows)
        return path.read_bytes()


def export_table(table: Table, fmt: str, *, name: str, filters: Filters) -> bytes:
    """The file, with an audit entry of what left: which table, filters, rows, digest."""
    content = export_bytes(table, fmt)
    with transaction.atomic():
        record_event(
            "analytics:table:exported",
            data={
                "table": name,
                "format": fmt,
                "start": filters.period.start.isoformat(),
                "end": filters.period.end.isoformat(),
                "agency": filters.agency,
                "weapon_type": filters.weapon_type,
                "rows": len(table.rows),
                "sha256": hashlib.sha256(content).hexdigest(),
            },
        )
    return content
