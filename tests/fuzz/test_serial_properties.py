"""Properties of serial normalisation (core/text.py) and serial query patterns
(search/serials.py): idempotence, what folds together, and patterns that match exactly
what they should."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from armstrace.core.text import LOOKALIKES, SEPARATORS, normalise_name, normalise_serial
from armstrace.search.serials import MAX_QUERY, Pattern, PatternError, canonical, parse, reverse

BOUNDED = settings(max_examples=300, derandomize=True, deadline=None)
ASCII_SERIAL = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20)
SEPARATOR = st.sampled_from(sorted(SEPARATORS))
# Latin capital -> its Cyrillic or Greek look-alikes, from the table itself.
LATIN_TWINS: dict[str, list[str]] = {}
for _code, _latin in LOOKALIKES.items():
    LATIN_TWINS.setdefault(str(_latin), []).append(chr(_code))


@BOUNDED
@given(st.text(max_size=40))
@example("ΐ")  # upper case gives Ϊ + acute, which NFKC composes on a second pass
@example("a-\u0301")  # a mark left alone once its separator is gone
def test_normalising_a_serial_twice_changes_nothing(text):
    once = normalise_serial(text)
    assert normalise_serial(once) == once


@BOUNDED
@given(st.text(max_size=40))
def test_a_normalised_serial_holds_no_separator(text):
    assert not set(normalise_serial(text)) & SEPARATORS


@BOUNDED
@given(st.lists(st.tuples(ASCII_SERIAL, SEPARATOR), min_size=1, max_size=4), st.booleans())
def test_case_and_separators_do_not_change_a_serial(parts, lower):
    plain = "".join(chars for chars, _sep in parts)
    written = "".join(chars + sep for chars, sep in parts)
    assert normalise_serial(written.lower() if lower else written) == plain


@BOUNDED
@given(ASCII_SERIAL, st.data())
def test_cyrillic_and_greek_look_alikes_read_as_latin(serial, data):
    typed = "".join(
        data.draw(st.sampled_from([ch, *LATIN_TWINS[ch]])) if ch in LATIN_TWINS else ch
        for ch in serial
    )
    assert normalise_serial(typed) == serial


@BOUNDED
@given(st.text(max_size=40))
def test_normalising_a_name_twice_changes_nothing(text):
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert once == once.strip() and "  " not in once


@BOUNDED
@given(st.text(max_size=40))
def test_the_canonical_form_is_stable(text):
    once = canonical(normalise_serial(text))
    assert canonical(once) == once


@BOUNDED
@given(st.lists(st.sampled_from(["0ODQ", "1IL7", "5S", "8B3", "2Z", "6G", "UV"]), max_size=12))
def test_misread_characters_of_one_class_share_a_canonical_form(classes):
    first = "".join(group[0] for group in classes)
    last = "".join(group[-1] for group in classes)
    assert canonical(first) == canonical(last) == first


@BOUNDED
@given(st.text(max_size=80))
def test_any_query_gives_a_pattern_or_a_pattern_error(text):
    try:
        pattern = parse(text)
    except PatternError as exc:
        assert str(exc)
    else:
        assert pattern.known > 0
        assert "**" not in pattern.text
        assert not set(pattern.text) & SEPARATORS


@BOUNDED
@given(st.text(max_size=MAX_QUERY))
def test_parsing_a_parsed_query_again_changes_nothing(text):
    try:
        pattern = parse(text)
    except PatternError:
        return
    if len(pattern.text) <= MAX_QUERY:  # NFKC may lengthen a query past the limit
        assert parse(pattern.text) == pattern


def _masked(serial: str, data: st.DataObject) -> str:
    """The serial with some characters unknown (?) and some runs unknown (*)."""
    out = []
    i = 0
    while i < len(serial):
        kind = data.draw(st.sampled_from(["keep", "keep", "keep", "one", "run"]))
        if kind == "one":
            out.append("?")
            i += 1
        elif kind == "run":
            length = data.draw(st.integers(0, len(serial) - i))
            out.append("*")
            i += length
        else:
            out.append(serial[i])
            i += 1
    return "".join(out)


@BOUNDED
@given(ASCII_SERIAL, st.data())
def test_a_pattern_matches_the_serial_it_was_made_from(serial, data):
    query = _masked(serial, data)
    try:
        pattern = parse(query)
    except PatternError:
        assert not any(ch not in "?*" for ch in query)
        return
    assert pattern.regex().match(serial)
    assert serial.startswith(pattern.literal_prefix())
    assert serial.endswith(pattern.literal_suffix())
    assert pattern.reversed().regex().match(reverse(serial))
    assert pattern.canonical().regex().match(canonical(serial))
    assert _like(pattern.like()).match(serial)


@BOUNDED
@given(ASCII_SERIAL, ASCII_SERIAL)
def test_a_pattern_without_wildcards_matches_only_its_own_serial(query, serial):
    pattern = parse(query)
    assert not pattern.has_wildcards
    assert bool(pattern.regex().match(serial)) == (serial == query)


@BOUNDED
@given(st.text("AB12?*", min_size=1, max_size=10), ASCII_SERIAL)
def test_the_like_form_and_the_regex_agree(query, serial):
    try:
        pattern = parse(query)
    except PatternError:
        return
    assert bool(_like(pattern.like()).match(serial)) == bool(pattern.regex().match(serial))


def _like(like: str) -> re.Pattern[str]:
    """SQL LIKE read as a regex: % any run, _ one character."""
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in like)
    return re.compile(f"^{body}$", re.DOTALL)


def test_a_pattern_is_its_normalised_text():
    assert parse("ab-1?") == Pattern("AB1?")
