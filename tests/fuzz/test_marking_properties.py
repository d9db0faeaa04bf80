"""Properties of the marking parsers: the profiles' alphabet checks over mark texts, the
MOSAIC structured code, campaign mark formats and machine-log fields (marking/)."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from armstrace.core.exceptions import DomainValidationError
from armstrace.marking.profiles import (
    ANY_SCRIPT,
    EU_ALPHABET,
    LATIN_CODE,
    MARK_SEPARATORS,
    US_SERIAL,
    MarkFacts,
    WeaponFacts,
    alphabet_check,
    describe,
    parse_structured_code,
)
from armstrace.marking.services import campaigns
from armstrace.registry.choices import MarkRole

BOUNDED = settings(max_examples=300, derandomize=True, deadline=None)
ALPHABETS = [ANY_SCRIPT, EU_ALPHABET, US_SERIAL, LATIN_CODE]
MARK_TEXT = st.text(max_size=40)
ASCII_ALNUM = st.text(string.ascii_letters + string.digits, max_size=20)


@BOUNDED
@given(MARK_TEXT, st.sampled_from(ALPHABETS))
def test_the_characters_outside_an_alphabet_are_each_named_once_in_order(text, alphabet):
    outside = alphabet.outside(text)
    assert len(outside) == len(set(outside))
    assert all(ch in text and ch not in alphabet.separators for ch in outside)
    assert outside == sorted(outside, key=text.index)
    assert describe(outside).count("U+") == len(outside)


@BOUNDED
@given(MARK_TEXT, MARK_TEXT, st.sampled_from(ALPHABETS))
def test_checking_two_texts_together_finds_what_checking_each_finds(a, b, alphabet):
    together = alphabet.outside(a + b)
    apart = list(dict.fromkeys(alphabet.outside(a) + alphabet.outside(b)))
    assert together == apart


@BOUNDED
@given(ASCII_ALNUM, st.sampled_from(ALPHABETS))
def test_latin_letters_and_arabic_digits_are_in_every_alphabet(text, alphabet):
    assert alphabet.outside(text) == []


@BOUNDED
@given(MARK_TEXT)
def test_the_alphabets_nest_from_the_widest_to_the_narrowest(text):
    widest = set(ANY_SCRIPT.outside(text))
    assert widest <= set(EU_ALPHABET.outside(text)) <= set(LATIN_CODE.outside(text))
    assert set(LATIN_CODE.outside(text)) <= set(US_SERIAL.outside(text)) | MARK_SEPARATORS


MARK = st.builds(
    MarkFacts,
    id=st.integers(1, 1000),
    role=st.sampled_from(MarkRole.values),
    text=MARK_TEXT,
    concealed=st.booleans(),
)


@BOUNDED
@given(st.text(max_size=30), st.lists(MARK, max_size=4, unique_by=lambda m: m.id))
def test_a_concealed_mark_is_flagged_without_its_characters(serial, marks):
    facts = WeaponFacts(id=None, serial_number=serial, marks=tuple(marks))
    concealed = {m.id for m in marks if m.concealed}
    for alphabet in ALPHABETS:
        findings = list(alphabet_check(alphabet)(facts))
        for message, mark_id in findings:
            if mark_id in concealed:
                assert "U+" not in message
        flagged = {mark_id for _message, mark_id in findings}
        assert {m.id for m in marks if alphabet.outside(m.text)} == flagged - {None}


PART = st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=6)


@BOUNDED
@given(
    st.text(string.ascii_uppercase, min_size=2, max_size=2),
    PART,
    st.text(string.digits, min_size=2, max_size=2),
    st.text(string.digits, min_size=2, max_size=2),
    st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=12),
    st.text(string.ascii_uppercase + string.digits + ".", min_size=1, max_size=8),
    st.sampled_from("-/ "),
)
def test_a_structured_code_reads_back_its_parts(country, maker, year, kind, serial, cal, sep):
    text = sep.join([country, maker, year + kind, serial, cal])
    assert parse_structured_code(text.lower()) == {
        "country": country,
        "maker": maker,
        "year": year,
        "type": kind,
        "serial": serial,
        "calibre": cal,
    }


@BOUNDED
@given(MARK_TEXT)
def test_any_mark_text_is_a_structured_code_or_not_without_failing(text):
    parts = parse_structured_code(text)
    assert parts is None or len(parts["country"]) == 2


TEMPLATE = st.one_of(
    st.text(max_size=40),
    st.text("{}country unit yy KE-/.!:", max_size=30),
)
VALUES = {"country": "KE", "agency": "PA", "unit": "U7", "year": "2026", "yy": "26"}


@BOUNDED
@given(TEMPLATE)
@example("KE-{")  # a brace not closed
@example("}{country}")  # a brace not opened
def test_any_mark_format_is_taken_or_refused_with_a_reason(template):
    try:
        checked = campaigns.check_template(template)
    except DomainValidationError as exc:
        assert exc.field == "mark_template" and exc.message
        return
    stem = checked.format(**VALUES).upper()
    assert set(stem) <= campaigns.STEM_CHARACTERS | set("".join(VALUES.values()))


@pytest.mark.parametrize("template", ["KE-{country}-{yy}", "{agency}/{unit}/{year}"])
def test_the_placeholders_of_a_mark_format_are_taken(template):
    assert campaigns.check_template(template) == template


@BOUNDED
@given(st.text(max_size=20))
def test_any_result_word_gives_a_result_or_none(text):
    result = campaigns.parse_result(text)
    assert result is None or result in campaigns.ItemStatus


@BOUNDED
@given(st.one_of(st.text(max_size=30), st.datetimes().map(lambda d: d.isoformat())))
def test_a_machine_timestamp_is_a_time_none_or_a_value_error(text):
    try:
        value = campaigns.parse_timestamp(text)
    except ValueError:
        return
    assert value is None or value.tzinfo is not None
