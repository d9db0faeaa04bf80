"""The in-memory column answers exactly what a plain Python scan would (no database)."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from armstrace.search.column import build_from, near, scan, within_one_edit

ALPHABET = "0123AB7K"


def column_of(serials: list[tuple[str, int]]) -> tuple[object, dict[int, tuple[str, int]]]:
    entries = [(pk, canon, maker) for pk, (canon, maker) in enumerate(serials, start=1)]
    by_pk = {pk: (canon, maker) for pk, canon, maker in entries}
    entries.sort(key=lambda e: (len(e[1]), e[2], e[0]))
    return build_from(entries), by_pk


serials = st.lists(
    st.tuples(
        st.text(ALPHABET, min_size=1, max_size=7) | st.sampled_from(["ЖK12", "Ω7"]),
        st.sampled_from([-1, 1, 2]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    serials,
    st.text(ALPHABET + "?", max_size=4),
    st.sampled_from(["", "*"]),
    st.text(ALPHABET + "?", max_size=4),
    st.sampled_from([None, {1}, {1, 2}]),
)
def test_a_pattern_finds_exactly_the_entries_a_regular_expression_finds(
    entries: list[tuple[str, int]], head: str, star: str, tail: str, makers: set[int] | None
) -> None:
    pattern = head + star + tail
    if not pattern:
        return
    column, by_pk = column_of(entries)
    found = scan(column, pattern, makers, cap=1000)  # type: ignore[arg-type]
    regex = re.compile("^" + pattern.replace("?", ".").replace("*", ".*") + "$")
    expected = {
        pk
        for pk, (canon, maker) in by_pk.items()
        if (not makers or maker in makers) and regex.match(canon)
    }
    assert sorted(found) == sorted(expected)


@settings(max_examples=150, deadline=None)
@given(serials, st.text(ALPHABET, min_size=1, max_size=7), st.sampled_from([None, {2}]))
def test_near_finds_exactly_the_entrieswithin_one_edit_away(
    entries: list[tuple[str, int]], query: str, makers: set[int] | None
) -> None:
    column, by_pk = column_of(entries)
    found = near(column, query, makers, cap=1000)  # type: ignore[arg-type]
    expected = {
        pk
        for pk, (canon, maker) in by_pk.items()
        if (not makers or maker in makers)
        and within_one_edit(canon, query)
        and not (len(canon) == len(query) - 1 and len(query) <= 4)
    }
    assert sorted(found) == sorted(expected)


def testwithin_one_edit_means_one_substitution_insertion_or_deletion() -> None:
    assert (
        within_one_edit("AB12", "AB13")
        and within_one_edit("AB12", "AB123")
        and within_one_edit("AB12", "B12")
    )
    assert not within_one_edit("AB12", "BA12") and not within_one_edit("AB12", "AB1234")


def test_a_cut_answer_returns_one_more_than_the_cap() -> None:
    rng = random.Random(3)
    column, _ = column_of([(f"{rng.randrange(10**4):04d}", 1) for _ in range(500)])
    assert len(scan(column, "????", None, cap=10)) == 11  # type: ignore[arg-type]
