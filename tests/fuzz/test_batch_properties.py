"""Properties of batch search (search/batch.py): any JSON Lines input gives one answer per
line, in order, with candidates or an error; a bad line never fails the batch."""

from __future__ import annotations

import io
import json
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from armstrace.search.batch import KEYS, run_batch

pytestmark = pytest.mark.django_db
BOUNDED = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.text(string.digits + "²³٣?*-", max_size=6),
)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
QUERY = st.dictionaries(st.sampled_from([*KEYS, "query_id", "year", "other"]), VALUE)
LINE = st.one_of(
    QUERY.map(json.dumps),
    st.text(max_size=30),
    st.sampled_from(["[]", "null", "1e999", '"x"', "{", "NaN"]),
)


@pytest.fixture
def registry(weapon_factory):
    weapon_factory(serial="M70-200001")
    weapon_factory(serial="M70-200002", model="M70AB2")


@BOUNDED
@given(st.lists(LINE, max_size=6))
@example([json.dumps({"query_id": 1, "serial": "M70-2000?1", "year": "²"})])
@example(["[" * 100_000])  # nested beyond what the JSON parser recurses into
def test_every_line_gets_an_answer_in_order(registry, lines):
    text = "\n".join(lines)
    answers = list(run_batch(io.StringIO(text), limit=5, purpose="fuzz: batch properties"))
    kept = [number for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    assert len(answers) == len(kept)
    for number, answer in zip(kept, answers, strict=True):
        assert "error" in answer or "candidates" in answer
        if answer.get("query_id") is None:
            assert answer["line"] == number
        json.dumps(answer)  # each answer is written out as one JSON line


def test_a_serial_query_finds_its_weapon_among_bad_lines(registry):
    lines = ["not json", json.dumps({"query_id": "q1", "serial": "M70-2000?1"}), "[]"]
    answers = list(run_batch(io.StringIO("\n".join(lines)), limit=5, purpose="fuzz"))
    assert [a["query_id"] for a in answers] == [None, "q1", None]
    assert answers[1]["candidates"][0]["serial_number"] == "M70-200001"
