"""Batch search: match thousands of collected or seized weapons against the registry.

Input: JSON Lines, one object per weapon with `query_id` and any of `serial`,
`manufacturer`, `model`, `calibre`, `weapon_type`, `country` (empty string = unknown).
Output: one line per input line, in the same order, `{"query_id", "candidates": [...]}`;
a line that cannot be searched gets `"error"` instead of failing the whole batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from armstrace.core.exceptions import DomainValidationError
from armstrace.search import column
from armstrace.search.services import SearchQuery, search_weapons

KEYS = ("serial", "manufacturer", "model", "calibre", "weapon_type", "country")
OUT_FIELDS = (
    "weapon_id",
    "record_ref",
    "serial_number",
    "manufacturer",
    "model",
    "calibre",
    "match",
    "score",
    "reasons",
)


def _year(value: Any) -> int | None:
    """A year as the API takes it (1800-2100); anything else is no year."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):  # "²" is a digit too
        return None
    year = int(text)
    return year if 1800 <= year <= 2100 else None


def _query(obj: dict[str, Any]) -> SearchQuery:
    values = {k: str(obj.get(k) or "") for k in KEYS}
    return SearchQuery(**values, year=_year(obj.get("year")))


def run_batch(lines: IO[str], *, limit: int, purpose: str) -> Iterator[dict[str, Any]]:
    column.current(wait=True)  # a large index's column: thousands of queries repay its build
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            yield {"query_id": None, "line": number, "error": f"line {number}: {exc}"}
            continue
        query_id = obj.get("query_id", number)
        try:
            result = search_weapons(query=_query(obj), limit=limit, purpose=purpose)
        except DomainValidationError as exc:
            yield {"query_id": query_id, "candidates": [], "error": f"{exc.field}: {exc.message}"}
            continue
        candidates = [{k: c.as_dict()[k] for k in OUT_FIELDS} for c in result.candidates]
        answer: dict[str, Any] = {"query_id": query_id, "candidates": candidates}
        if result.message:
            answer["message"] = result.message
        yield answer
