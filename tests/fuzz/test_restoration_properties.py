"""Properties of the restoration notation (registry/restoration.py): `AB[8B]1?4*`."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from armstrace.core.exceptions import DomainValidationError
from armstrace.registry.restoration import (
    MAX_POSITIONS,
    RUN,
    UNKNOWN,
    parse_reading,
    reading_text,
    search_pattern,
    unknown_positions,
)
from armstrace.search.serials import parse

BOUNDED = settings(max_examples=300, derandomize=True, deadline=None)
CHARACTER = st.sampled_from("ABCDEFGHJKMNPRSTUVWXYZ0123456789")
GROUP = st.lists(CHARACTER, min_size=2, max_size=4, unique=True).map("".join)
POSITION = st.one_of(CHARACTER, CHARACTER, GROUP, st.just(UNKNOWN), st.just(RUN))
NOTATION = st.text("AB8b1?*[]- xé.ß", max_size=30)


def _no_double_runs(positions: list[str]) -> bool:
    return all(not (a == RUN and b == RUN) for a, b in itertools.pairwise(positions))


def _settled(position: str) -> bool:
    return len(position) == 1 and position != RUN


# A reading needs one character read for certain: "[8B][0O]" would give the pattern "??",
# which the search refuses, so the notation refuses it too.
READING = st.lists(POSITION, min_size=1, max_size=MAX_POSITIONS).filter(
    lambda p: _no_double_runs(p) and any(_settled(x) for x in p)
)
SETTLED = READING


@BOUNDED
@given(st.one_of(st.text(max_size=80), NOTATION))
def test_any_text_gives_positions_or_a_reading_error(text):
    try:
        positions = parse_reading(text)
    except DomainValidationError as exc:
        assert exc.field == "reading" and exc.message
    else:
        assert 0 < len(positions) <= MAX_POSITIONS
        assert any(_settled(p) for p in positions)


@BOUNDED
@given(READING)
def test_positions_written_out_read_back_the_same(positions):
    assert parse_reading(reading_text(positions)) == positions


@BOUNDED
@given(NOTATION)
def test_a_reading_written_back_reads_the_same(text):
    try:
        positions = parse_reading(text)
    except DomainValidationError:
        return
    assert parse_reading(reading_text(positions)) == positions


@BOUNDED
@given(READING)
def test_the_search_pattern_keeps_one_place_per_position(positions):
    pattern = search_pattern(positions)
    assert len(pattern) == len(positions)
    unsettled = unknown_positions(positions)
    assert [i for i, ch in enumerate(pattern, start=1) if ch == "?"] == unsettled


@BOUNDED
@given(SETTLED)
def test_the_search_takes_the_pattern_of_a_reading_with_a_settled_character(positions):
    pattern = search_pattern(positions)
    assert parse(pattern).text == pattern


@BOUNDED
@given(SETTLED, st.data())
def test_the_pattern_matches_every_serial_the_reading_allows(positions, data):
    serial = "".join(
        data.draw(st.text(CHARACTER, max_size=3))
        if p == RUN
        else data.draw(CHARACTER)
        if p == UNKNOWN
        else data.draw(st.sampled_from(p))
        for p in positions
    )
    assert parse(search_pattern(positions)).regex().match(serial)
