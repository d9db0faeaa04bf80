from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armstrace.search.serials import PatternError, canonical, parse


def test_confusable_characters_fold_to_one_representative():
    assert canonical("B0O5") == canonical("8OD5") == "8005"
    assert canonical("IL17") == "1111"
    assert canonical("ZSGUV") == canonical("25GUU") == "256UU"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("ab-12 345", "AB12345"),
        ("АВ?12*", "AB?12*"),
        ("*4471", "*4471"),
        ("56 12 ...", "5612*"),
        ("AB**12", "AB*12"),
        ("ab/12.34", "AB1234"),
    ],
)
def test_queries_normalise_but_keep_their_wildcards(typed, normalised):
    assert parse(typed).text == normalised


@pytest.mark.parametrize("bad", ["", "   ", "***", "?*?", "x" * 65])
def test_unsearchable_queries_say_why(bad):
    with pytest.raises(PatternError):
        parse(bad)


def test_patterns_know_their_literal_ends():
    pattern = parse("AB?12?4")
    assert (pattern.literal_prefix(), pattern.literal_suffix()) == ("AB", "4")
    assert pattern.regex().match("ABX12Y4")
    assert not pattern.regex().match("ABX12Y44")
    assert pattern.like() == "AB_12_4"


@given(st.text(max_size=40))
def test_parsing_any_text_either_gives_a_pattern_or_a_clear_error(text):
    try:
        pattern = parse(text)
    except PatternError as exc:
        assert str(exc)
    else:
        assert pattern.known > 0
        assert pattern.text == pattern.text.upper()


def test_the_confusable_table_comes_from_the_settings(settings):
    from armstrace.search.indexing import confusables

    settings.ARMSTRACE_CONFUSABLES = ["0OQ", "1I"]
    table = confusables()
    assert canonical("OQ-IB", table) == "00-1B"  # B no longer folds to 8
