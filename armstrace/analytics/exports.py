"""A table as a CSV or XLSX file, through the project's safe writers: formulas neutralised,
numbers kept as numbers (armstrace/core/safefiles.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from armstrace.analytics.tables import Table
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
