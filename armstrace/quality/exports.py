"""CSV written back to users to a stream (stdout or a file), formulas neutralised by the
shared rule in `armstrace.core.safefiles` (OWASP CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Protocol

from armstrace.core.safefiles import neutralise


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


def write_csv(out: Writer, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write the header and rows; returns the number of rows written."""
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    return count
