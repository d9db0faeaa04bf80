"""Serial retrieval: the application, not the planner, picks the index for each query shape.

- exact: B-tree equality on `norm`;
- misread (confusable): B-tree equality on `canon`;
- wildcards: the pattern on `canon` when its known start is at least as long as its known
  end (B-tree range on the prefix), else on `canon_rev` (the suffix becomes a prefix); with
  patterns with at most one `*` whose known ends are short (or missing), the in-memory
  column (`column.py`); with two `*` and both ends unknown (or while the column is being
  built), a trigram index on PostgreSQL or a scan on SQLite;
- fallback for one misread outside the confusable table, one lost or one extra character:
  the in-memory column, or one-wildcard patterns while it is being built;
- beside an equal serial of a maker the clues name: that maker's serials one substitution
  away, by B-tree equality on each variant.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from rapidfuzz.distance import Levenshtein

from armstrace.core.rawsql import select_where
from armstrace.search import column, lookups  # noqa: F401  (lookups registers __matches)
from armstrace.search.models import SerialEntry
from armstrace.search.serials import ANY, ONE, Pattern

EXACT, EQUIVALENT, PARTIAL, FUZZY = "exact", "equivalent", "partial", "fuzzy"
MATCH_RANK = {EXACT: 0, EQUIVALENT: 1, PARTIAL: 2, FUZZY: 3}


@dataclass
class Hit:
    weapon_id: uuid.UUID
    source: str
    value: str
    norm: str
    match: str
    distance: int  # characters that differ from the query (0 for exact)
    maker_id: int | None


@dataclass
class Retrieval:
    hits: list[Hit]
    plan: str
    truncated: bool


FIELDS = ("weapon_id", "source", "value", "norm", "canon", "maker_id")


def _rows(qs: QuerySet[SerialEntry], cap: int) -> list[tuple[object, ...]]:
    return list(qs.values_list(*FIELDS)[: cap + 1])


def _base(makers: set[int] | None) -> QuerySet[SerialEntry]:
    qs = SerialEntry.objects.all()
    return qs.filter(maker_id__in=makers) if makers else qs


def equal_rows(
    column: str, values: list[str], makers: set[int] | None, cap: int
) -> list[tuple[object, ...]]:
    """Entries whose `column` is one of `values` (among `makers`), in hand-written SQL: this
    runs with every search (core.rawsql)."""
    where: dict[str, list[Any]] = {column: values}
    if makers:
        where["maker_id"] = sorted(makers)
    return select_where(SerialEntry, FIELDS, where, limit=cap + 1)


TRIGRAM = 3


def _longest_run(pattern: Pattern) -> int:
    return max((len(part) for part in re.split(r"[?*]", pattern.text)), default=0)


def _pattern_qs(pattern: Pattern, makers: set[int] | None) -> tuple[QuerySet[SerialEntry], str]:
    """The index is chosen here, not by the planner: the B-tree on the longer known end;
    with both ends unknown, on PostgreSQL the trigram index (on lower(canon), which only
    this path names, so the planner cannot pick it for the others) when the pattern has a
    run of three known characters; else the maker's range, or a scan."""
    prefix, suffix = pattern.literal_prefix(), pattern.literal_suffix()
    if len(prefix) >= len(suffix) and prefix:
        return _base(makers).filter(canon__matches=pattern.text), "canon-prefix"
    if suffix:
        return _base(makers).filter(canon_rev__matches=pattern.reversed().text), "canon-suffix"
    if connection.vendor == "postgresql" and _longest_run(pattern) >= TRIGRAM:
        lowered = _base(makers).annotate(canon_lower=Lower("canon"))
        return lowered.filter(canon_lower__matches=pattern.text.lower()), "canon-trigram"
    return _base(makers).filter(canon__matches=pattern.text), "canon-scan"


def _to_hits(rows: list[tuple[object, ...]], query_norm: str, match: str) -> list[Hit]:
    hits = []
    for weapon_id, source, value, norm, _canon, maker_id in rows:
        kind = match
        distance = Levenshtein.distance(str(norm), query_norm) if match != PARTIAL else 0
        if match == EQUIVALENT and norm == query_norm:
            kind, distance = EXACT, 0
        hits.append(Hit(weapon_id, str(source), str(value), str(norm), kind, distance, maker_id))  # type: ignore[arg-type]
    return hits


def exact_or_equivalent(
    query_norm: str, canon_query: str, makers: set[int] | None, cap: int
) -> Retrieval:
    rows = equal_rows("canon", [canon_query], makers, cap)
    return Retrieval(_to_hits(rows[:cap], query_norm, EQUIVALENT), "canon-equal", len(rows) > cap)


def exact_or_narrowed(
    query_norm: str, canon_query: str, makers: set[int] | None, cap: int
) -> Retrieval:
    """Exact equals anywhere, plus equivalents among `makers` (when known)."""
    rows = _rows(SerialEntry.objects.filter(norm=query_norm), cap)
    if makers:
        rows += _rows(_base(makers).filter(canon=canon_query).exclude(norm=query_norm), cap)
    return Retrieval(_to_hits(rows[:cap], query_norm, EQUIVALENT), "norm-equal", len(rows) > cap)


def _by_pk(col: column.Column, pks: list[int]) -> list[tuple[object, ...]]:
    """The rows of entries the column found; an entry deleted since its build drops out."""
    wanted = [pk for pk in pks if pk not in col.removed]
    rows = SerialEntry.objects.filter(pk__in=wanted).values_list("pk", *FIELDS)
    by_pk = {row[0]: row[1:] for row in rows}
    return [by_pk[pk] for pk in wanted if pk in by_pk]


def _since_build(col: column.Column, makers: set[int] | None) -> QuerySet[SerialEntry]:
    since = Q(pk__gt=col.max_pk) | Q(pk__in=col.removed) if col.removed else Q(pk__gt=col.max_pk)
    return _base(makers).filter(since)


def one_edit(query_norm: str, canon_query: str, makers: set[int] | None, cap: int) -> Retrieval:
    """Serials one substitution, deletion or insertion away (outside the confusable table):
    a scan of the in-memory column plus the entries written since it was built, or, while
    the column is being built, one-wildcard patterns sent to the database as one UNION ALL."""
    col = column.current()
    if col is None:
        return _one_edit_sql(query_norm, canon_query, makers, cap)
    pks = column.near(col, canon_query, makers, cap)
    if len(pks) > cap:
        return Retrieval([], "one-edit-column", True)
    rows = [
        row
        for row in _by_pk(col, pks)
        if column.within_one_edit(str(row[4]), canon_query)  # another process changed it
    ]
    rows += [
        tuple(row)
        for row in _since_build(col, makers).values_list(*FIELDS)
        if column.within_one_edit(str(row[4]), canon_query)
    ]
    return _fuzzy(rows, query_norm, cap, "one-edit-column")


def _one_edit_sql(
    query_norm: str, canon_query: str, makers: set[int] | None, cap: int
) -> Retrieval:
    patterns = {canon_query[:i] + ONE + canon_query[i + 1 :] for i in range(len(canon_query))}
    patterns |= {canon_query[:i] + ONE + canon_query[i:] for i in range(len(canon_query) + 1)}
    shorter = {canon_query[:i] + canon_query[i + 1 :] for i in range(len(canon_query))}
    parts = [_pattern_qs(Pattern(text), makers)[0] for text in sorted(patterns)]
    if len(canon_query) > 4:
        parts.append(_base(makers).filter(canon__in=shorter))
    limited = connection.features.supports_slicing_ordering_in_compound
    selects = [p.values_list(*FIELDS)[: cap + 1] if limited else p.values_list(*FIELDS)
               for p in parts]  # fmt: skip
    rows = [tuple(row) for row in selects[0].union(*selects[1:], all=True)]
    return _fuzzy(rows, query_norm, cap, "one-edit")


DIGITS, LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def substitutions(
    query_norm: str, canon_query: str, makers: set[int], cap: int, table: dict[int, str]
) -> Retrieval:
    """Entries of `makers` one substitution outside the confusable table away: in a dense
    run a misread serial is often a neighbour's (`GX40027` read for `GX40026`). A digit as
    read is replaced by digits and a letter by letters only: a maker's serials keep their
    format, and the misreads that turn a digit into a letter are the confusable table's.
    Each variant is one probe of the (maker, canon) B-tree, not a scan."""
    kinds = {kind: sorted({ch.translate(table) for ch in kind}) for kind in (DIGITS, LETTERS)}
    variants = {
        canon_query[:i] + ch + canon_query[i + 1 :]
        for i, (read, own) in enumerate(zip(query_norm, canon_query, strict=True))
        if read.isascii() and read.isalnum()
        for ch in kinds[DIGITS if read.isdigit() else LETTERS]
        if ch != own
    }
    if not variants:
        return Retrieval([], "substitution", False)
    rows = equal_rows("canon", sorted(variants), makers, cap)
    return _fuzzy(rows, query_norm, cap, "substitution")


def _fuzzy(rows: list[tuple[object, ...]], query_norm: str, cap: int, plan: str) -> Retrieval:
    hits = [h for h in _to_hits(rows, query_norm, FUZZY) if h.norm != query_norm]
    unique = {(h.weapon_id, h.norm): h for h in hits if h.distance > 0}
    return Retrieval(list(unique.values())[:cap], plan, len(unique) > cap)


# A known end this long makes a B-tree range selective; a shorter one ranges over too much
# of the index (one leading character: a tenth to a thirtieth of it), where the column's
# compare costs the same few milliseconds whatever the pattern.
SELECTIVE_END = 4


def _column_serves(pattern: Pattern) -> bool:
    ends = max(len(pattern.literal_prefix()), len(pattern.literal_suffix()))
    return pattern.text.count(ANY) <= 1 and ends < SELECTIVE_END


def _column_rows(
    col: column.Column, pattern: Pattern, makers: set[int] | None, cap: int
) -> list[tuple[object, ...]] | None:
    """A pattern with at most one `*` and no selective known end, from the column; None when
    more than `cap` entries match (the answer is then a hint, not the rows)."""
    pks = column.scan(col, pattern.text, makers, cap)
    if len(pks) > cap:
        return None
    regex = pattern.regex()
    rows = [r for r in _by_pk(col, pks) if regex.match(str(r[4]))]
    return rows + _rows(_since_build(col, makers).filter(canon__matches=pattern.text), cap)


def wildcard(
    pattern: Pattern, makers: set[int] | None, cap: int, table: dict[int, str]
) -> Retrieval:
    canon_pattern = pattern.canonical(table)
    col = column.current() if _column_serves(canon_pattern) else None
    if col is not None:
        found, plan = _column_rows(col, canon_pattern, makers, cap), "column-scan"
    else:
        qs, plan = _pattern_qs(canon_pattern, makers)
        found = _rows(qs, cap)
    if found is None or len(found) > cap:
        return Retrieval([], plan, True)
    rows = found
    literal = pattern.regex()
    hits = _to_hits(rows, pattern.text, PARTIAL)
    for hit in hits:  # letters that matched only through a confusable count as one edit each
        hit.distance = 0 if literal.match(hit.norm) else _confusable_edits(pattern.text, hit.norm)
    return Retrieval(hits, plan, False)


def _confusable_edits(pattern: str, norm: str) -> int:
    if ANY in pattern or len(pattern) != len(norm):
        return 1
    return sum(1 for p, n in zip(pattern, norm, strict=True) if p != ONE and p != n)
