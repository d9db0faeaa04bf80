"""The serial index in memory: every entry's canonical serial in a fixed-width byte column.

Patterns whose both ends are unknown (`?28?80?`) and one-edit neighbours of a misread serial
have no B-tree that serves them; a trigram index or a range scan has a tail of hundreds of
milliseconds at 10M serials. A compare over a column-major byte matrix, one position at a
time, costs a few milliseconds for the same 10M (../shared/docs/serial-search-measurements.md,
section 5), and a manufacturer narrows it to a slice.

Entries are grouped by length and, within a length, sorted by manufacturer. The column is
kept per process and built on first use (inline for a small index, else in the background
while the database's own indexes answer); entries written since (a larger primary key) are
read from the database with each query, and the column is rebuilt once they grow past a
share of it. An entry deleted since the build is dropped when its row is fetched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Max

from armstrace.search.models import SerialEntry
from armstrace.search.serials import ANY, ONE, Pattern

logger = logging.getLogger(__name__)
Mask = npt.NDArray[np.bool_]
NO_MAKER = -1
# Entries written since the build are read from the database with every query, so the
# column is rebuilt once they pass 0.2 % of it (20,000 at 10M; a rebuild reads the index once).
REBUILD_SHARE = 0.002
REBUILD_MIN = 2000


@dataclass
class Group:
    """The entries of one length: `chars[i]` holds position i of every entry, contiguously."""

    chars: npt.NDArray[np.uint8]  # shape (length, n)
    ids: npt.NDArray[np.int64]
    makers: dict[int, tuple[int, int]]  # maker id -> [start, end) in this group

    def slices(self, makers: set[int] | None) -> list[tuple[int, int]]:
        if not makers:
            return [(0, len(self.ids))]
        return [self.makers[m] for m in sorted(makers) if m in self.makers]


@dataclass
class Column:
    groups: dict[int, Group] = field(default_factory=dict)
    others: list[tuple[int, str, int]] = field(default_factory=list)  # non-ASCII serials
    max_pk: int = 0
    size: int = 0
    # Entries this process deleted since the build: SQLite may give a deleted row's key to a
    # new row, so these keys are read from the database like the entries written since.
    removed: set[int] = field(default_factory=set)


def _group(canons: list[str], ids: list[int], makers: list[int], length: int) -> Group:
    raw = np.frombuffer("".join(canons).encode("ascii"), dtype=np.uint8)
    chars = np.ascontiguousarray(raw.reshape(len(canons), length).T)
    maker_array = np.asarray(makers, dtype=np.int64)
    starts: dict[int, tuple[int, int]] = {}
    values, first = np.unique(maker_array, return_index=True)
    bounds = [*first.tolist(), len(makers)]
    for i, maker in enumerate(values.tolist()):
        starts[int(maker)] = (bounds[i], bounds[i + 1])
    return Group(chars, np.asarray(ids, dtype=np.int64), starts)


def _entries() -> Iterator[tuple[int, str, int]]:
    rows = SerialEntry.objects.order_by("length", "maker_id", "pk").values_list(
        "pk", "canon", "maker_id"
    )
    for pk, canon, maker in rows.iterator(chunk_size=20_000):
        yield pk, canon, NO_MAKER if maker is None else maker


def build() -> Column:
    """Read the whole index once, one length at a time."""
    return build_from(_entries())


def build_from(entries: Iterable[tuple[int, str, int]]) -> Column:
    """A column of (pk, canon, maker) entries sorted by canon length, then maker."""
    column = Column()
    canons: list[str] = []
    ids: list[int] = []
    makers: list[int] = []
    length = 0

    def flush() -> None:
        if canons:
            column.groups[length] = _group(canons, ids, makers, length)
            column.size += len(canons)
        canons.clear()
        ids.clear()
        makers.clear()

    for pk, canon, maker in entries:
        column.max_pk = max(column.max_pk, pk)
        if not canon.isascii():
            column.others.append((pk, canon, maker))
            continue
        if len(canon) != length:
            flush()
            length = len(canon)
        canons.append(canon)
        ids.append(pk)
        makers.append(maker)
    flush()
    return column


# An index this small is (re)built inside the query that needs it (well under a second);
# a larger one on a background thread, while queries use the previous column with the
# entries written since, or the database's own indexes before the first build.
BUILD_INLINE = 200_000

_lock = threading.Lock()
_current: dict[str, Column] = {}
_building = threading.Event()


def current(*, wait: bool = False) -> Column | None:
    """The column if it can answer now (see BUILD_INLINE), else None; `wait` builds a large
    one inline (a batch of thousands of queries repays it)."""
    newest = SerialEntry.objects.aggregate(newest=Max("pk"))["newest"] or 0
    with _lock:
        column = _current.get("column")
        if column is not None and newest < column.max_pk:  # the index was rebuilt smaller
            _current.pop("column")
            column = None
        grown = column is not None and newest - column.max_pk > max(
            REBUILD_MIN, column.size * REBUILD_SHARE
        )
        if column is not None and not grown:
            return column
    if wait or newest <= BUILD_INLINE:
        return rebuild()
    warm_in_background()
    return column


def rebuild() -> Column:
    """Build the column now and use it from now on."""
    column = build()
    with _lock:
        _current["column"] = column
    return column


def warm_in_background() -> None:
    """Build the column on a thread of its own (at server start, or when it outgrew itself);
    one build at a time."""
    if _building.is_set():
        return
    _building.set()

    def build_now() -> None:
        try:
            rebuild()
        except Exception:  # queries keep the previous column, or the database's indexes
            logger.warning("could not build the serial column", exc_info=True)
        finally:
            _building.clear()
            connection.close()  # this thread's own connection

    threading.Thread(target=build_now, name="serial-column", daemon=True).start()


def note_removed(pks: Iterable[int]) -> None:
    """Called when index entries are deleted (a weapon's identifiers changed)."""
    with _lock:
        column = _current.get("column")
        if column is not None:
            column.removed.update(pk for pk in pks if pk <= column.max_pk)


def forget() -> None:
    """Drop the column (tests; after `armstrace search reindex` in this process)."""
    with _lock:
        _current.pop("column", None)


def _matching(group: Group, lo: int, hi: int, parts: list[tuple[int, str]]) -> Mask:
    mask = np.ones(hi - lo, dtype=np.bool_)
    for start, text in parts:
        for i, ch in enumerate(text, start=start):
            if ch != ONE:
                mask &= group.chars[i, lo:hi] == ord(ch)
    return mask


def _collect(group: Group, lo: int, mask: Mask, found: list[int], cap: int) -> None:
    hits = np.flatnonzero(mask)[: cap + 1 - len(found)]
    found.extend(group.ids[lo + hits].tolist())


def scan(column: Column, pattern: str, makers: set[int] | None, cap: int) -> list[int]:
    """Primary keys of entries matching a canonical pattern of known characters, `?` and at
    most one `*`, at most cap + 1 of them (one more than the cap says the answer was cut)."""
    if pattern.count(ANY) > 1:
        raise ValueError("the column serves patterns with at most one '*'")
    head, star, tail = pattern.partition(ANY)
    lengths = sorted(column.groups) if star else [len(pattern)]
    found: list[int] = []
    for length in lengths:
        group = column.groups.get(length)
        if group is None or length < len(head) + len(tail):
            continue
        parts = [(0, head), (length - len(tail), tail)]
        for lo, hi in group.slices(makers):
            _collect(group, lo, _matching(group, lo, hi, parts), found, cap)
            if len(found) > cap:
                return found
    regex = Pattern(pattern).regex()
    found += _others(column, makers, lambda canon: regex.match(canon) is not None)
    return found[: cap + 1]


def _others(column: Column, makers: set[int] | None, test: Callable[[str], bool]) -> list[int]:
    return [
        pk for pk, canon, maker in column.others if (not makers or maker in makers) and test(canon)
    ]


def _heads(group: Group, lo: int, hi: int, text: str) -> list[Mask]:
    """heads[j]: the entry's first j characters equal text[:j], for j in 0..len(text)."""
    heads = [np.ones(hi - lo, dtype=np.bool_)]
    for i, ch in enumerate(text):
        heads.append(heads[-1] & (group.chars[i, lo:hi] == ord(ch)))
    return heads


def _tails(group: Group, lo: int, hi: int, text: str, offset: int) -> list[Mask]:
    """tails[j]: entry[j + offset + k] == text[j + k] for every k, i.e. the entry's end equals
    text[j:] shifted by `offset` (1: the entry has an extra character before; -1: it lost
    one), for j in 0..len(text)."""
    tails = [np.ones(hi - lo, dtype=np.bool_)]
    for i in range(len(text) - 1, -1, -1):
        tails.append(tails[-1] & (group.chars[i + offset, lo:hi] == ord(text[i])))
    return tails[::-1]


def near(column: Column, canon: str, makers: set[int] | None, cap: int) -> list[int]:
    """Entries one substitution, one lost or one extra character away from `canon`."""
    found: list[int] = []
    n = len(canon)
    for length, shift in ((n, 0), (n + 1, 1), (n - 1, -1)):
        group = column.groups.get(length)
        if group is None or length < 1 or (shift == -1 and n <= 4):
            continue  # dropping one of four characters or fewer matches far too much
        for lo, hi in group.slices(makers):
            _collect(group, lo, _near_mask(group, lo, hi, canon, shift), found, cap)
            if len(found) > cap:
                return found
    found += _others(column, makers, lambda other: within_one_edit(other, canon))
    return found[: cap + 1]


def _near_mask(group: Group, lo: int, hi: int, canon: str, shift: int) -> Mask:
    if shift == 0:  # at most one position differs
        wrong = np.zeros(hi - lo, dtype=np.uint8)
        for i, ch in enumerate(canon):
            wrong += group.chars[i, lo:hi] != ord(ch)
        return wrong <= 1
    mask = np.zeros(hi - lo, dtype=np.bool_)
    if shift == 1:  # an extra character at j: entry[:j] == canon[:j], entry[j+1:] == canon[j:]
        heads, tails = _heads(group, lo, hi, canon), _tails(group, lo, hi, canon, 1)
        for j in range(len(canon) + 1):
            mask |= heads[j] & tails[j]
    else:  # a lost character j: entry[:j] == canon[:j], entry[j:] == canon[j+1:]
        heads = _heads(group, lo, hi, canon[:-1])
        tails = _tails(group, lo, hi, canon[1:], 0)
        for j in range(len(canon)):
            mask |= heads[j] & tails[j]
    return mask


def within_one_edit(other: str, canon: str) -> bool:
    if len(other) == len(canon):
        return sum(a != b for a, b in zip(other, canon, strict=True)) <= 1
    short, long_ = sorted((other, canon), key=len)
    if len(long_) - len(short) != 1:
        return False
    return any(long_[:j] + long_[j + 1 :] == short for j in range(len(long_)))
