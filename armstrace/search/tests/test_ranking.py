"""Clues beyond the serial decide the ranking: shared serials, licensed production."""

from __future__ import annotations

import pytest

from armstrace.search.services import SearchQuery, search_weapons


def _top(serial: str, **clues):
    result = search_weapons(query=SearchQuery(serial=serial, **clues), log=False)
    return result.candidates


@pytest.fixture
def shared(weapon_factory):
    """One serial stamped by three makers on three different weapons."""
    return {
        "glock": weapon_factory(serial="12345", manufacturer=None, manufacturer_name="Glock",
                                model="17", calibre="9x19", weapon_type="pistol",
                                country_of_manufacture="AT"),
        "norinco": weapon_factory(serial="12345", manufacturer=None,
                                  manufacturer_name="Norinco", model="Type 56",
                                  calibre="7.62x39", country_of_manufacture="CN"),
        "taurus": weapon_factory(serial="12345", manufacturer=None, manufacturer_name="Taurus",
                                 model="PT92", calibre="9mm Parabellum", weapon_type="pistol",
                                 country_of_manufacture="BR"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("clues", "expected"),
    [
        ({"manufacturer": "Glock"}, "glock"),
        ({"manufacturer": "NORINCO"}, "norinco"),
        ({"model": "Type 56"}, "norinco"),
        ({"calibre": "7,62x39"}, "norinco"),
        ({"manufacturer": "Taurus Armas"}, "taurus"),
        ({"weapon_type": "pistol", "calibre": "9 mm Luger", "country": "Brazil"}, "taurus"),
    ],
)
def test_a_shared_serial_is_resolved_by_the_other_clues(shared, clues, expected):
    candidates = _top("12345", **clues)
    assert len(candidates) == 3
    assert candidates[0].weapon_id == str(shared[expected].pk)
    assert candidates[0].score > candidates[1].score


def test_naming_the_originator_finds_the_licensed_copy(shared):
    """The investigator writes 'Kalashnikov AK-47'; the registry holds a Norinco Type 56."""
    top = _top("12345", manufacturer="Kalashnikov", model="AK-47")[0]
    assert top.weapon_id == str(shared["norinco"].pk)
    assert any("under licence or as a copy" in r for r in top.reasons)


def test_a_beretta_92_in_the_query_finds_the_taurus_pt92(shared):
    top = _top("12345", manufacturer="Beretta", model="92")[0]
    assert top.weapon_id == str(shared["taurus"].pk)


def test_contradicting_clues_push_a_record_down_but_keep_it_listed(shared):
    candidates = _top("12345", manufacturer="Glock", calibre="9x19")
    assert candidates[0].weapon_id == str(shared["glock"].pk)
    assert str(shared["norinco"].pk) in {c.weapon_id for c in candidates}
    norinco = next(c for c in candidates if c.weapon_id == str(shared["norinco"].pk))
    assert any("differs" in r for r in norinco.reasons)


def test_a_misread_serial_with_a_clue_ranks_the_right_record_first(shared, weapon_factory):
    weapon_factory(serial="I2345", manufacturer=None, manufacturer_name="Zastava", model="M70")
    top = _top("I2345", manufacturer="Norinco")[0]
    assert top.weapon_id == str(shared["norinco"].pk)  # I->1 is a misread; Norinco decides
    assert top.match == "equivalent"


def test_an_equal_serial_of_the_named_maker_comes_first_with_its_neighbours_after(
    weapon_factory,
):
    """GX40027 may be a misreading of GX40026 (6 and 7 are not look-alikes): the equal
    serial of the named maker is first, its serials one substitution away follow; another
    maker's neighbour is not added."""
    glock = {"manufacturer": None, "manufacturer_name": "Glock", "model": "17"}
    neighbour = weapon_factory(serial="GX40026", **glock)
    equal = weapon_factory(serial="GX40027", **glock)
    weapon_factory(serial="GX40028", manufacturer=None, manufacturer_name="Zastava")
    letter = weapon_factory(serial="GY40027", **glock)
    weapon_factory(serial="GX4002", **glock)  # one character lost: not a misreading
    weapon_factory(serial="GX4002A", **glock)  # a digit read as a letter outside the table
    candidates = _top("GX40027", manufacturer="Glock")
    assert [c.weapon_id for c in candidates] == [str(equal.pk), str(neighbour.pk), str(letter.pk)]
    assert [c.match for c in candidates] == ["exact", "fuzzy", "fuzzy"]
    assert "GX40026 is one character away from GX40027" in candidates[1].reasons[0]
