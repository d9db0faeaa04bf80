"""Search by serial on both databases: exact, misread, obliterated, partial, absent."""

from __future__ import annotations

import pytest

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.search.models import SearchLog, SerialEntry
from armstrace.search.services import SearchQuery, search_weapons


def _search(serial: str, **clues):
    return search_weapons(query=SearchQuery(serial=serial, **clues), purpose="case 42/2026")


@pytest.fixture
def registry(weapon_factory):
    return {
        "plain": weapon_factory(serial="AB12345"),
        "misread": weapon_factory(serial="8O51I7"),
        "cyrillic": weapon_factory(serial="КМ 4471"),
        "neighbour": weapon_factory(serial="AB12346"),
        "other": weapon_factory(serial="ZX99881"),
    }


def test_the_weapon_is_indexed_on_registration(registry):
    assert SerialEntry.objects.filter(weapon_id=registry["plain"].pk, norm="AB12345").exists()


def test_an_exact_serial_comes_first_and_is_exact(registry):
    result = _search("ab-12 345")
    top = result.candidates[0]
    assert (top.weapon_id, top.match) == (str(registry["plain"].pk), "exact")


def test_a_misread_serial_is_found_as_equivalent_with_the_reason(registry):
    result = _search("BO5II7")  # B for 8, O for 0, I for 1
    top = result.candidates[0]
    assert top.weapon_id == str(registry["misread"].pk)
    assert top.match == "equivalent"
    assert "B→8" in top.reasons[0]


def test_cyrillic_look_alikes_find_the_latin_record(registry):
    assert _search("KM4471").candidates[0].weapon_id == str(registry["cyrillic"].pk)


def test_an_obliterated_character_matches_its_neighbours_as_partial(registry):
    result = _search("AB1234?")
    found = {c.weapon_id for c in result.candidates}
    assert {str(registry["plain"].pk), str(registry["neighbour"].pk)} <= found
    assert {c.match for c in result.candidates} == {"partial"}


@pytest.mark.parametrize("query", ["*9881", "ZX99*", "*998*", "?X99?81"])
def test_prefix_suffix_and_inner_patterns(registry, query):
    assert _search(query).candidates[0].weapon_id == str(registry["other"].pk)


def test_one_misread_outside_the_table_is_a_fuzzy_match(registry):
    result = _search("ZX99831")  # 8 read as 3 is in the table; 4 read as 9 is not
    assert result.candidates[0].weapon_id == str(registry["other"].pk)
    fuzzy = _search("ZX94881")
    assert fuzzy.candidates[0].weapon_id == str(registry["other"].pk)
    assert fuzzy.candidates[0].match == "fuzzy"


def test_an_absent_weapon_is_never_exact(registry):
    result = _search("QQ77777")
    assert all(c.match != "exact" for c in result.candidates)
    result = _search("AB12347")
    assert all(c.match != "exact" for c in result.candidates)
    assert result.candidates  # its neighbours are offered as fuzzy


def test_component_serials_and_marks_are_searched(weapon_factory):
    from armstrace.registry.services import ComponentInput, MarkInput, WeaponInput  # noqa: F401

    weapon = weapon_factory(
        serial="F-1",
        components=[ComponentInput("barrel", "BRL-77123")],
        marks=[MarkInput(role="import", text="KE 19 IMP-5521")],
    )
    assert _search("BRL77123").candidates[0].matched_on == "component"
    assert _search("KE19IMP5521").candidates[0].weapon_id == str(weapon.pk)


def test_every_search_is_logged_with_its_purpose(registry):
    _search("AB12345")
    log = SearchLog.objects.get()
    assert log.purpose == "case 42/2026"
    assert log.results[0][0] == str(registry["plain"].pk)
    assert AuditEntry.objects.filter(tag="search:weapons:searched").exists()


@pytest.mark.parametrize("query", ["", "*", "?*?"])
def test_empty_or_wildcard_only_queries_are_refused_clearly(registry, query):
    with pytest.raises(DomainValidationError) as err:
        _search(query)
    assert err.value.field == "serial"


@pytest.mark.parametrize("pattern", ["WIDE*", "W?DE?", "?IDE*"])  # B-tree, column, column
def test_a_too_broad_pattern_says_how_many_and_what_to_add(weapon_factory, monkeypatch, pattern):
    monkeypatch.setattr("armstrace.search.services.CAP", 3)
    for i in range(5):
        weapon_factory(serial=f"WIDE{i}")
    result = _search(pattern)
    assert result.truncated and not result.candidates
    assert "More than 3 records" in result.message and "manufacturer" in result.message
    monkeypatch.setattr("armstrace.search.services.CAP", 5)
    assert len(_search(pattern).candidates) == 5


def test_a_complete_serial_is_never_too_broad(weapon_factory, monkeypatch):
    monkeypatch.setattr("armstrace.search.services.CAP", 2)
    wanted = weapon_factory(serial="1O1")
    for serial in ("IOI", "LOL", "7D7"):  # the same serial up to misreads
        weapon_factory(serial=serial)
    result = _search("1O1")
    assert not result.truncated
    assert result.candidates[0].weapon_id == str(wanted.pk)
    assert result.candidates[0].match == "exact"


def test_an_unknown_model_still_counts_as_written(weapon_factory):
    scout = weapon_factory(serial="11510", model="Scout 862", manufacturer=None,
                           manufacturer_name="Unknown Works")  # fmt: skip
    weapon_factory(serial="11510", model="Ranger 822", manufacturer=None,
                   manufacturer_name="Unknown Works")  # fmt: skip
    top = _search("11510", model="scout-862").candidates[0]
    assert top.weapon_id == str(scout.pk)
    assert "model matches as written" in top.reasons


def test_the_in_memory_column_sees_weapons_registered_and_serials_corrected_after_its_build(
    weapon_factory,
):
    from armstrace.registry.services import correct_weapon

    weapon_factory(serial="KL-443-21")
    assert [c.serial_number for c in _search("?L443?1").candidates] == ["KL-443-21"]  # built
    later = weapon_factory(serial="MN-443-21")
    assert {c.serial_number for c in _search("??443?1").candidates} == {"KL-443-21", "MN-443-21"}
    correct_weapon(weapon=later, changes={"serial_number": "MN-449-21"}, reason="misread ledger")
    found = {c.serial_number for c in _search("??44??1").candidates}
    assert found == {"KL-443-21", "MN-449-21"}
    near = {c.serial_number for c in _search("MN-449-24").candidates}  # one edit away
    assert near == {"MN-449-21"}


def test_a_large_index_is_served_by_the_database_while_its_column_is_built_elsewhere(
    weapon_factory, monkeypatch
):
    from armstrace.search import column

    requested = []
    monkeypatch.setattr(column, "BUILD_INLINE", 0)  # as if the index held millions
    monkeypatch.setattr(column, "warm_in_background", lambda: requested.append(True))
    weapon_factory(serial="QP-552-07")
    first = _search("?P552?7")
    assert [c.serial_number for c in first.candidates] == ["QP-552-07"]
    assert first.plan != "column-scan" and requested  # answered now, column asked for
    column.rebuild()  # what the background thread does
    built = _search("?P552?7")
    assert built.plan == "column-scan" and len(built.candidates) == 1
    # Grown past its share, the old column still answers (with the entries written since)
    # while a new one is built.
    monkeypatch.setattr(column, "REBUILD_MIN", 0)
    requested.clear()
    weapon_factory(serial="QP-552-77")
    grown = _search("?P552??")
    assert grown.plan == "column-scan" and requested
    assert {c.serial_number for c in grown.candidates} == {"QP-552-07", "QP-552-77"}


def test_batch_mode_builds_the_column_before_its_queries_even_for_a_large_index(
    weapon_factory, monkeypatch
):
    import io

    from armstrace.search import column
    from armstrace.search.batch import run_batch

    def no_background_build():
        raise AssertionError("a batch builds the column itself, before its first query")

    monkeypatch.setattr(column, "BUILD_INLINE", 0)
    monkeypatch.setattr(column, "warm_in_background", no_background_build)
    weapon_factory(serial="QP-552-07")
    lines = io.StringIO('{"query_id": "a", "serial": "?P552?7"}\n')
    [answer] = list(run_batch(lines, limit=5, purpose="case 9"))
    assert [c["serial_number"] for c in answer["candidates"]] == ["QP-552-07"]
    assert column.current() is not None
