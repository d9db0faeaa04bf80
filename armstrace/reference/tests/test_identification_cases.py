"""Real-world descriptions, written from knowledge of the domain, each with its expected
canonical answer (identification_cases.json): aliases, transliterations, licensed
production, calibre spellings, type words in several languages, proof marks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from armstrace.reference.identify import identify

CASES = json.loads((Path(__file__).parent / "identification_cases.json").read_text("utf-8"))
FIELD = {"manufacturer": "manufacturer_key", "design": "design_key", "variant": "variant",
         "calibre": "calibre_key", "type": "weapon_type", "country": "country"}  # fmt: skip


def _top(case: dict[str, Any]) -> dict[str, Any]:
    result = identify(**case["input"])
    return result.candidates[0].as_dict() if result.candidates else {}


def _misses(case: dict[str, Any]) -> list[str]:
    top = _top(case)
    return [f"{k}: expected {v!r}, got {top.get(FIELD[k])!r}"
            for k, v in case["expect"].items() if top.get(FIELD[k]) != v]  # fmt: skip


def test_there_are_at_least_two_hundred_cases():
    assert len(CASES) >= 200


@pytest.mark.django_db
def test_every_description_resolves_to_its_canonical_answer():
    failures = []
    for case in CASES:
        misses = _misses(case)
        if misses:
            failures.append(f"{case['input']} -> {'; '.join(misses)} ({case.get('note', '')})")
    assert not failures, f"{len(failures)} of {len(CASES)} cases fail:\n" + "\n".join(failures)
